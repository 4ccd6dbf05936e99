// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "quant/GgmlType.h"

#include <cstdint>
#include <vector>

namespace hearth
{

struct TypeTraits;

// The attention keys and values of every layer for `size` positions, allocated once. Each position holds
// one row of `rowLength` elements (all KV heads side by side) for K and one for V, stored as F32, F16 or Q8_0.
class KvCache
{
public:
    // Throws hearth::Error for another type, a row length that is not a multiple of the type's block size,
    // or a cache too large to allocate.
    KvCache(uint32_t layers, uint32_t size, uint32_t rowLength, GgmlType type);

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

    // The stored rows of one layer, position after position, rowStride() apart (kernels read them in place).
    const uint8_t *keys(uint32_t layer) const
    {
        return m_keys.data() + offset(layer, 0);
    }
    const uint8_t *values(uint32_t layer) const
    {
        return m_values.data() + offset(layer, 0);
    }
    size_t rowStride() const
    {
        return m_rowBytes;
    }

    // Stores the key and value rows of position `pos` (converted to the cache type).
    void store(uint32_t layer, uint32_t pos, const float *key, const float *value);
    // Decodes the rows of positions [begin, end) into keys/values (rowLength floats per position).
    void load(uint32_t layer, uint32_t begin, uint32_t end, float *keys, float *values) const;

private:
    size_t offset(uint32_t layer, uint32_t pos) const
    {
        return (size_t(layer) * m_size + pos) * m_rowBytes;
    }

    GgmlType m_type;
    const TypeTraits *m_traits;
    uint32_t m_size;
    uint32_t m_rowLength;
    size_t m_rowBytes;
    std::vector<uint8_t> m_keys;
    std::vector<uint8_t> m_values;
};

} // namespace hearth
