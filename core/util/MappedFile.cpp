// SPDX-License-Identifier: GPL-3.0-or-later
#include "util/MappedFile.h"

#include "util/Error.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
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

// Closes the descriptor on every path; the mapping stays valid after close().
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

private:
    int m_fd;
};
}

MappedFile::MappedFile(std::string path)
    : m_path(std::move(path))
{
    const Fd fd(::open(m_path.c_str(), O_RDONLY | O_CLOEXEC));
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
    m_data = static_cast<const uint8_t *>(mapping);
    m_size = size;
}

MappedFile::~MappedFile()
{
    unmap();
}

MappedFile::MappedFile(MappedFile &&other) noexcept
    : m_path(std::move(other.m_path))
    , m_data(std::exchange(other.m_data, nullptr))
    , m_size(std::exchange(other.m_size, 0))
{
}

MappedFile &MappedFile::operator=(MappedFile &&other) noexcept
{
    if (this != &other) {
        unmap();
        m_path = std::move(other.m_path);
        m_data = std::exchange(other.m_data, nullptr);
        m_size = std::exchange(other.m_size, 0);
    }
    return *this;
}

void MappedFile::unmap() noexcept
{
    if (m_data) {
        ::munmap(const_cast<uint8_t *>(m_data), m_size);
        m_data = nullptr;
        m_size = 0;
    }
}

} // namespace hearth
