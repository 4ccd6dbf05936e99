// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace hearth
{

// A read-only, private memory mapping of a whole file, so model weights are used in place instead of
// being copied. Empty files are valid (size 0, data() == nullptr). Throws hearth::Error naming the path.
class MappedFile
{
public:
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

private:
    void unmap() noexcept;

    std::string m_path;
    const uint8_t *m_data = nullptr;
    size_t m_size = 0;
};

} // namespace hearth
