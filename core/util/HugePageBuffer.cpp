// SPDX-License-Identifier: GPL-3.0-or-later
#include "util/HugePageBuffer.h"

#include "util/RegionWriter.h"

#include <new>
#include <sys/mman.h>
#include <utility>

namespace hearth
{

namespace
{
constexpr size_t kPage = RegionWriter::kHugePageBytes;

// What a buffer of `bytes` maps: whole huge pages.
size_t mappedBytes(size_t bytes)
{
    return (bytes + kPage - 1) / kPage * kPage;
}
}

HugePageBuffer::HugePageBuffer(size_t bytes)
{
    if (bytes == 0) {
        return;
    }
    if (bytes > SIZE_MAX - 2 * kPage) {
        throw std::bad_alloc();
    }
    const size_t mapped = mappedBytes(bytes);
    // One huge page more than needed, then the unaligned head and the tail are given back.
    void *raw = ::mmap(nullptr, mapped + kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) {
        throw std::bad_alloc();
    }
    auto *begin = static_cast<uint8_t *>(raw);
    auto *aligned = reinterpret_cast<uint8_t *>((reinterpret_cast<uintptr_t>(begin) + kPage - 1) / kPage * kPage);
    if (aligned > begin) {
        ::munmap(begin, size_t(aligned - begin));
    }
    if (const size_t tail = size_t(begin + mapped + kPage - (aligned + mapped)); tail > 0) {
        ::munmap(aligned + mapped, tail);
    }
#ifdef MADV_HUGEPAGE
    ::madvise(aligned, mapped, MADV_HUGEPAGE); // advice only: without it the memory works the same, in small pages
#endif
    m_data = aligned;
    m_size = bytes;
}

HugePageBuffer::~HugePageBuffer()
{
    release();
}

HugePageBuffer::HugePageBuffer(HugePageBuffer &&other) noexcept
    : m_data(std::exchange(other.m_data, nullptr))
    , m_size(std::exchange(other.m_size, 0))
{
}

HugePageBuffer &HugePageBuffer::operator=(HugePageBuffer &&other) noexcept
{
    if (this != &other) {
        release();
        m_data = std::exchange(other.m_data, nullptr);
        m_size = std::exchange(other.m_size, 0);
    }
    return *this;
}

void HugePageBuffer::release() noexcept
{
    if (m_data) {
        ::munmap(m_data, mappedBytes(m_size));
        m_data = nullptr;
    }
}

} // namespace hearth
