// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "quant/GgmlType.h"
#include "util/HugePageBuffer.h"

#include <cstdint>

namespace hearth
{

struct TypeTraits;

// The attention keys and values of every layer for `size` positions, allocated once (in huge pages, backed as
// they fill). Each position holds a key and a value row of `heads` KV heads of `headDim` elements, stored as F32,
// F16 or Q8_0.
//
// Head-major: the rows of one KV head are contiguous, position after position, so attention streams each head's
// keys and values as one run (with the heads side by side it read 128-byte slices 512 bytes apart, about a quarter
// slower from memory). A Q8_0 cache whose heads are not whole blocks keeps the heads side by side.
class KvCache
{
public:
    // Throws hearth::Error for another type, a row that is not whole blocks of the type, or a cache too large
    // to allocate.
    KvCache(uint32_t layers, uint32_t size, uint32_t heads, uint32_t headDim, GgmlType type);

    GgmlType type() const
    {
        return m_type;
    }
    uint32_t size() const
    {
        return m_size;
    }
    uint64_t bytes() const
    {
        return uint64_t(m_keys.size() + m_values.size());
    }

    // F32 and F16 caches, read in place by the kernels: the rows of one KV head in one layer, position after
    // position, rowStride() apart.
    const uint8_t *keys(uint32_t layer, uint32_t head) const
    {
        return m_keys.data() + offset(layer, head, 0);
    }
    const uint8_t *values(uint32_t layer, uint32_t head) const
    {
        return m_values.data() + offset(layer, head, 0);
    }
    size_t rowStride() const
    {
        return m_segmentBytes;
    }

    // Stores the key and value rows of position `pos` (all heads side by side, converted to the cache type).
    void store(uint32_t layer, uint32_t pos, const float *key, const float *value);
    // Decodes the rows of positions [begin, end) into keys/values (all heads side by side, a row per position).
    void load(uint32_t layer, uint32_t begin, uint32_t end, float *keys, float *values) const;

private:
    size_t offset(uint32_t layer, uint32_t segment, uint32_t pos) const
    {
        return ((size_t(layer) * m_segments + segment) * m_size + pos) * m_segmentBytes;
    }

    GgmlType m_type;
    const TypeTraits *m_traits;
    uint32_t m_size;
    uint32_t m_rowLength; // heads * headDim
    uint32_t m_segments; // contiguous runs per layer: one per head, or 1 with the heads side by side
    uint32_t m_segmentLength; // elements of one segment's row
    size_t m_segmentBytes;
    HugePageBuffer m_keys;
    HugePageBuffer m_values;
};

} // namespace hearth
