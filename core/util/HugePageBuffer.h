// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstddef>
#include <cstdint>

namespace hearth
{

// Zeroed memory straight from the kernel, 2 MiB-aligned and advised into 2 MiB pages where the kernel has them.
// For the KV cache: attention reads a layer's whole cache for every token, and in 4 KiB pages that walk costs a
// page-table lookup every 4 KiB. Pages are backed only once written, so a long context costs memory as it fills.
// Moved from, a buffer is empty.
class HugePageBuffer
{
public:
    HugePageBuffer() = default;
    explicit HugePageBuffer(size_t bytes); // throws std::bad_alloc
    ~HugePageBuffer();
    HugePageBuffer(HugePageBuffer &&other) noexcept;
    HugePageBuffer &operator=(HugePageBuffer &&other) noexcept;
    HugePageBuffer(const HugePageBuffer &) = delete;
    HugePageBuffer &operator=(const HugePageBuffer &) = delete;

    uint8_t *data()
    {
        return m_data;
    }
    const uint8_t *data() const
    {
        return m_data;
    }
    size_t size() const
    {
        return m_size;
    }

private:
    void release() noexcept;

    uint8_t *m_data = nullptr;
    size_t m_size = 0;
};

} // namespace hearth
