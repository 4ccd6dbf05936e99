// SPDX-License-Identifier: GPL-3.0-or-later
#include "model/KvCache.h"

#include "quant/TypeTraits.h"
#include "util/CheckedMath.h"
#include "util/Error.h"

#include <cstdint>
#include <new>
#include <string>

namespace hearth
{

KvCache::KvCache(uint32_t layers, uint32_t size, uint32_t heads, uint32_t headDim, GgmlType type)
    : m_type(type)
    , m_traits(typeTraits(type))
    , m_size(size)
    , m_rowLength(heads * headDim)
{
    const std::string name(ggmlTypeName(type));
    if (type != GgmlType::F32 && type != GgmlType::F16 && type != GgmlType::Q8_0) {
        throw Error("KV cache: type " + name + " is not supported (F32, F16 or Q8_0)");
    }
    if (!m_traits || m_rowLength % m_traits->blockSize != 0) {
        throw Error("KV cache: rows of " + std::to_string(m_rowLength) + " elements cannot be stored as " + name);
    }
    m_segments = headDim % m_traits->blockSize == 0 ? heads : 1;
    m_segmentLength = m_rowLength / m_segments;
    m_segmentBytes = rowBytes(type, m_segmentLength);
    const auto total = checkedMul(uint64_t(layers) * size * m_segments, m_segmentBytes);
    if (!total || *total > SIZE_MAX / 2) {
        throw Error("KV cache: " + std::to_string(size) + " positions of " + std::to_string(layers) + " layers are too large");
    }
    try {
        m_keys = HugePageBuffer(size_t(*total));
        m_values = HugePageBuffer(size_t(*total));
    } catch (const std::bad_alloc &) {
        throw Error("KV cache: not enough memory for " + std::to_string(2 * *total / (1024 * 1024)) + " MiB ("
                    + std::to_string(size) + " positions); use a smaller context");
    }
}

void KvCache::store(uint32_t layer, uint32_t pos, const float *key, const float *value)
{
    for (uint32_t s = 0; s < m_segments; ++s) {
        const size_t in = size_t(s) * m_segmentLength;
        m_traits->quantizeRow(key + in, m_keys.data() + offset(layer, s, pos), m_segmentLength);
        m_traits->quantizeRow(value + in, m_values.data() + offset(layer, s, pos), m_segmentLength);
    }
}

void KvCache::load(uint32_t layer, uint32_t begin, uint32_t end, float *keys, float *values) const
{
    for (uint32_t pos = begin; pos < end; ++pos) {
        for (uint32_t s = 0; s < m_segments; ++s) {
            const size_t out = size_t(pos - begin) * m_rowLength + size_t(s) * m_segmentLength;
            m_traits->toFloat(m_keys.data() + offset(layer, s, pos), keys + out, m_segmentLength);
            m_traits->toFloat(m_values.data() + offset(layer, s, pos), values + out, m_segmentLength);
        }
    }
}

} // namespace hearth
