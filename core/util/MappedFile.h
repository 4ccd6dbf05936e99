// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace hearth
{

// A read-only, private memory mapping of a whole file, so model weights are used in place instead of
// being copied. Empty files are valid (size 0, data() == nullptr). Throws hearth::Error naming the path.
//
// A file truncated while mapped makes reads of the lost pages raise SIGBUS, which would kill the app without a
// word. The first mapping installs a process-wide SIGBUS handler: a fault inside one of the live mappings prints
// "hearth: PATH was truncated or changed while in use ..." to stderr and exits with truncatedExitCode; other
// faults go to the previous handler. checkIntact() finds the truncation earlier, between generations, as an
// error to show. (Replacing the file by renaming another over it is harmless: the mapping keeps the old one.)
class MappedFile
{
public:
    static constexpr int truncatedExitCode = 74; // EX_IOERR from sysexits.h


    explicit MappedFile(std::string path);
    ~MappedFile();
    MappedFile(MappedFile &&other) noexcept;
    MappedFile &operator=(MappedFile &&other) noexcept;
    MappedFile(const MappedFile &) = delete;
    MappedFile &operator=(const MappedFile &) = delete;

    const uint8_t *data() const
    {
        return m_data;
    }
    size_t size() const
    {
        return m_size;
    }
    const std::string &path() const
    {
        return m_path;
    }
    // Throws hearth::Error "PATH: the file was truncated while in use (N bytes, was M)" when the file on disk is
    // now shorter than the mapping, "PATH: the file was changed while in use" when it was written to since it
    // was mapped (copied over in place: the pages not read yet would come from the new contents); cheap (one
    // fstat of the descriptor kept open).
    void checkIntact() const;
    // How much of the mapping the kernel maps with 2 MiB pages (FilePmdMapped in /proc/self/smaps), of the pages
    // touched so far; 0 where unknown. The page cache decides: see util/RegionWriter.h.
    size_t hugePageBytes() const;

private:
    void unmap() noexcept;

    std::string m_path;
    int m_fd = -1;
    const uint8_t *m_data = nullptr;
    size_t m_size = 0;
    int64_t m_modifiedNs = 0; // st_mtim when mapped
};

} // namespace hearth
