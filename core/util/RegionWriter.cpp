// SPDX-License-Identifier: GPL-3.0-or-later
#include "util/RegionWriter.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace hearth
{

RegionWriter::RegionWriter(Sink sink, size_t regionBytes)
    : m_sink(std::move(sink))
    , m_regionBytes(regionBytes)
{
}

void RegionWriter::write(uint64_t offset, std::span<const uint8_t> bytes)
{
    while (!bytes.empty()) {
        const uint64_t index = offset / m_regionBytes;
        const auto within = size_t(offset % m_regionBytes);
        const size_t n = std::min(bytes.size(), m_regionBytes - within);
        writeInRegion(index, within, bytes.first(n));
        offset += n;
        bytes = bytes.subspan(n);
    }
}

void RegionWriter::writeInRegion(uint64_t index, size_t within, std::span<const uint8_t> bytes)
{
    if (bytes.size() == m_regionBytes) {
        // Whole region: nothing of it can be pending, as writes do not overlap.
        m_sink(index * m_regionBytes, bytes);
        return;
    }
    uint8_t *buffer = nullptr;
    {
        const std::lock_guard lock(m_mutex);
        Region &region = m_regions[index];
        if (!region.bytes) {
            region.bytes = std::make_unique<uint8_t[]>(m_regionBytes); // zeroed: flush() may hand over a gap
        }
        buffer = region.bytes.get();
    }
    // Outside the lock, so threads filling different parts copy at once; the buffer stays put until the region
    // is complete, which needs this write's bytes too.
    std::memcpy(buffer + within, bytes.data(), bytes.size());
    std::unique_ptr<uint8_t[]> complete;
    {
        const std::lock_guard lock(m_mutex);
        const auto it = m_regions.find(index);
        Region &region = it->second;
        region.filled += bytes.size();
        region.extent = std::max(region.extent, within + bytes.size());
        if (region.filled == m_regionBytes) {
            complete = std::move(region.bytes);
            m_regions.erase(it);
        }
    }
    if (complete) {
        m_sink(index * m_regionBytes, {complete.get(), m_regionBytes});
    }
}

void RegionWriter::flush()
{
    std::map<uint64_t, Region> rest;
    {
        const std::lock_guard lock(m_mutex);
        rest.swap(m_regions);
    }
    for (const auto &[index, region] : rest) {
        m_sink(index * m_regionBytes, {region.bytes.get(), region.extent});
    }
}

size_t RegionWriter::pendingRegions() const
{
    const std::lock_guard lock(m_mutex);
    return m_regions.size();
}

} // namespace hearth
