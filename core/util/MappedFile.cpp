// SPDX-License-Identifier: GPL-3.0-or-later
#include "util/MappedFile.h"

#include "util/Error.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <mutex>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace hearth
{

namespace
{
std::string reason(int error)
{
    return std::strerror(error);
}

int64_t modifiedNs(const struct stat &st)
{
    return int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

// Closes the descriptor on every error path; a successful mapping keeps it for checkIntact().
class Fd
{
public:
    explicit Fd(int fd)
        : m_fd(fd)
    {
    }
    ~Fd()
    {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
    }
    Fd(const Fd &) = delete;
    Fd &operator=(const Fd &) = delete;
    int get() const
    {
        return m_fd;
    }
    int release()
    {
        return std::exchange(m_fd, -1);
    }

private:
    int m_fd;
};

// The live mappings, for the SIGBUS handler, which may only read lock-free data: a slot is published by
// storing `begin` last and retired by clearing it first. Mappings beyond the table are not watched (a fault in
// one then kills the process as it would without the handler).
struct Watched {
    std::atomic<uintptr_t> begin{0};
    std::atomic<uintptr_t> end{0};
    char path[512] = {};
};
constexpr size_t maxWatched = 64;
Watched g_watched[maxWatched];
std::mutex g_watchMutex; // serializes watch() and unwatch()
struct sigaction g_previousSigbus{};

void writeText(const char *text)
{
    size_t left = std::strlen(text);
    while (left > 0) {
        const ssize_t n = ::write(STDERR_FILENO, text, left);
        if (n <= 0) {
            return;
        }
        text += n;
        left -= size_t(n);
    }
}

void onSigbus(int signal, siginfo_t *info, void *context)
{
    // si_addr is only meaningful for a fault the kernel raised (si_code > 0), not for kill() or raise().
    const auto address = reinterpret_cast<uintptr_t>(info->si_addr);
    if (info->si_code > 0) {
        for (const Watched &w : g_watched) {
            const uintptr_t begin = w.begin.load(std::memory_order_acquire);
            if (begin != 0 && address >= begin && address < w.end.load(std::memory_order_relaxed)) {
                // Only async-signal-safe calls from here on: write() and _exit().
                char offset[24];
                char *p = offset + sizeof offset;
                *--p = 0;
                uintptr_t value = address - begin;
                do {
                    *--p = char('0' + value % 10);
                    value /= 10;
                } while (value != 0);
                writeText("hearth: ");
                writeText(w.path);
                writeText(" was truncated or changed while in use (reading byte ");
                writeText(p);
                writeText(" failed); Hearth must stop. Do not modify a model file while it is loaded.\n");
                ::_exit(MappedFile::truncatedExitCode);
            }
        }
    }
    // Not a mapped model: whatever handled SIGBUS before (a sanitizer, a crash reporter), else the default
    // action. A fault would trigger it again on return, but a sent signal would not: re-raise it (it stays
    // pending until this handler returns, as SIGBUS is blocked while it runs).
    if ((g_previousSigbus.sa_flags & SA_SIGINFO) != 0 && g_previousSigbus.sa_sigaction) {
        g_previousSigbus.sa_sigaction(signal, info, context);
    } else if (g_previousSigbus.sa_handler != SIG_DFL && g_previousSigbus.sa_handler != SIG_IGN) {
        g_previousSigbus.sa_handler(signal);
    } else {
        ::signal(SIGBUS, SIG_DFL);
        ::raise(SIGBUS);
    }
}

void installSigbusHandler()
{
    struct sigaction action{};
    action.sa_sigaction = onSigbus;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGBUS, &action, &g_previousSigbus);
}

void watch(const uint8_t *data, size_t size, const std::string &path)
{
    static std::once_flag installed;
    std::call_once(installed, installSigbusHandler);
    const std::lock_guard lock(g_watchMutex);
    for (Watched &w : g_watched) {
        if (w.begin.load(std::memory_order_relaxed) == 0) {
            const size_t length = std::min(path.size(), sizeof w.path - 1);
            std::memcpy(w.path, path.data(), length);
            w.path[length] = 0;
            w.end.store(reinterpret_cast<uintptr_t>(data) + size, std::memory_order_relaxed);
            w.begin.store(reinterpret_cast<uintptr_t>(data), std::memory_order_release);
            return;
        }
    }
}

void unwatch(const uint8_t *data)
{
    const std::lock_guard lock(g_watchMutex);
    for (Watched &w : g_watched) {
        if (w.begin.load(std::memory_order_relaxed) == reinterpret_cast<uintptr_t>(data)) {
            w.begin.store(0, std::memory_order_release);
            return;
        }
    }
}
}

MappedFile::MappedFile(std::string path)
    : m_path(std::move(path))
{
    Fd fd(::open(m_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        throw Error(m_path + ": cannot open (" + reason(errno) + ")");
    }
    struct stat st{};
    if (::fstat(fd.get(), &st) != 0) {
        throw Error(m_path + ": cannot read file status (" + reason(errno) + ")");
    }
    if (S_ISDIR(st.st_mode)) {
        throw Error(m_path + ": is a directory, not a file");
    }
    if (!S_ISREG(st.st_mode)) {
        throw Error(m_path + ": is not a regular file");
    }
    if (st.st_size == 0) {
        return;
    }
    if (uint64_t(st.st_size) > SIZE_MAX) {
        throw Error(m_path + ": file is too large to map");
    }
    const auto size = static_cast<size_t>(st.st_size);
    void *mapping = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
    if (mapping == MAP_FAILED) {
        throw Error(m_path + ": cannot map into memory (" + reason(errno) + ")");
    }
#ifdef MADV_HUGEPAGE
    // Advice only: pages not cached yet are then read in 2 MiB folios and mapped as huge pages, which generation
    // streams faster (util/RegionWriter.h says why and how much).
    ::madvise(mapping, size, MADV_HUGEPAGE);
#endif
    m_data = static_cast<const uint8_t *>(mapping);
    m_size = size;
    m_modifiedNs = modifiedNs(st);
    m_fd = fd.release();
    watch(m_data, m_size, m_path);
}

void MappedFile::checkIntact() const
{
    if (m_fd < 0) {
        return;
    }
    struct stat st{};
    if (::fstat(m_fd, &st) != 0) {
        throw Error(m_path + ": cannot read file status (" + reason(errno) + ")");
    }
    if (uint64_t(st.st_size) < m_size) {
        throw Error(m_path + ": the file was truncated while in use (" + std::to_string(st.st_size) + " bytes, was "
                    + std::to_string(m_size) + "); load it again");
    }
    if (modifiedNs(st) != m_modifiedNs) {
        throw Error(m_path + ": the file was changed while in use (written to since it was loaded); load it again");
    }
}

size_t MappedFile::hugePageBytes() const
{
    if (!m_data) {
        return 0;
    }
    std::ifstream smaps("/proc/self/smaps");
    const auto start = reinterpret_cast<uintptr_t>(m_data);
    std::string line;
    bool inMapping = false;
    while (std::getline(smaps, line)) {
        // A mapping's block starts with its address range ("7f12a0000000-7f12e0000000 r--p ..."); fields follow.
        unsigned long long begin = 0;
        unsigned long long end = 0;
        if (std::sscanf(line.c_str(), "%llx-%llx ", &begin, &end) == 2 && line.find(':') > line.find(' ')) {
            inMapping = begin == start;
            continue;
        }
        unsigned long long kib = 0;
        if (inMapping && std::sscanf(line.c_str(), "FilePmdMapped: %llu kB", &kib) == 1) {
            return size_t(kib) * 1024;
        }
    }
    return 0;
}

MappedFile::~MappedFile()
{
    unmap();
}

MappedFile::MappedFile(MappedFile &&other) noexcept
    : m_path(std::move(other.m_path))
    , m_fd(std::exchange(other.m_fd, -1))
    , m_data(std::exchange(other.m_data, nullptr))
    , m_size(std::exchange(other.m_size, 0))
    , m_modifiedNs(other.m_modifiedNs)
{
}

MappedFile &MappedFile::operator=(MappedFile &&other) noexcept
{
    if (this != &other) {
        unmap();
        m_path = std::move(other.m_path);
        m_fd = std::exchange(other.m_fd, -1);
        m_data = std::exchange(other.m_data, nullptr);
        m_size = std::exchange(other.m_size, 0);
        m_modifiedNs = other.m_modifiedNs;
    }
    return *this;
}

void MappedFile::unmap() noexcept
{
    if (m_data) {
        unwatch(m_data);
        ::munmap(const_cast<uint8_t *>(m_data), m_size);
        m_data = nullptr;
        m_size = 0;
    }
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
}

} // namespace hearth
