// SPDX-License-Identifier: GPL-3.0-or-later
#include "util/TemporaryFiles.h"

#include "util/Error.h"

#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <random>
#include <sys/file.h>
#include <unistd.h>

namespace hearth
{

namespace
{
constexpr std::string_view marker = ".tmp-";
constexpr size_t suffixLength = 6;

std::string randomSuffix()
{
    static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::random_device device;
    std::uniform_int_distribution<size_t> pick(0, sizeof alphabet - 2);
    std::string s(suffixLength, 'x');
    for (char &c : s) {
        c = alphabet[pick(device)];
    }
    return s;
}

bool isAlnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// The writer's process id from a temporary's name; 0 when the name is not one of ours.
pid_t writerOf(std::string_view name)
{
    const size_t at = name.rfind(marker);
    if (at == std::string_view::npos || at == 0) {
        return 0;
    }
    const std::string_view rest = name.substr(at + marker.size());
    const size_t dash = rest.find('-');
    if (dash == std::string_view::npos || dash == 0 || rest.size() != dash + 1 + suffixLength) {
        return 0;
    }
    for (const char c : rest.substr(dash + 1)) {
        if (!isAlnum(c)) {
            return 0;
        }
    }
    pid_t pid = 0;
    const auto [end, error] = std::from_chars(rest.data(), rest.data() + dash, pid);
    return error == std::errc() && end == rest.data() + dash && pid > 0 ? pid : 0;
}

bool processExists(pid_t pid)
{
    return ::kill(pid, 0) == 0 || errno == EPERM;
}
}

TemporaryFiles::Created TemporaryFiles::create(const std::string &target)
{
    const std::string prefix = target + std::string(marker) + std::to_string(::getpid()) + '-';
    for (int attempt = 0; attempt < 100; ++attempt) {
        Created created{-1, prefix + randomSuffix()};
        // 0666 so the finished file gets the permissions the umask gives any new file.
        created.fd = ::open(created.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (created.fd >= 0) {
            // Held until the descriptor is closed, also when the process is killed: "in use".
            ::flock(created.fd, LOCK_EX | LOCK_NB);
            return created;
        }
        if (errno != EEXIST) {
            throw Error(target + ": cannot create a file beside it (" + std::strerror(errno) + ")");
        }
    }
    throw Error(target + ": cannot create a temporary file beside it");
}

bool TemporaryFiles::isTemporaryName(std::string_view fileName)
{
    return writerOf(fileName) != 0;
}

std::vector<std::string> TemporaryFiles::removeStale(const std::string &directory)
{
    std::vector<std::string> removed;
    std::error_code error;
    std::filesystem::directory_iterator it(directory.empty() ? std::filesystem::path(".") : std::filesystem::path(directory), error);
    for (; !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
        const std::string name = it->path().filename().string();
        const pid_t writer = writerOf(name);
        std::error_code typeError;
        if (writer == 0 || writer == ::getpid() || processExists(writer) || !it->is_regular_file(typeError)) {
            continue;
        }
        const std::string path = it->path().string();
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
            continue;
        }
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0 && ::unlink(path.c_str()) == 0) {
            removed.push_back(path);
        }
        ::close(fd);
    }
    return removed;
}

} // namespace hearth
