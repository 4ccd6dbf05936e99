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

KvCache::KvCache(uint32_t layers, uint32_t size, uint32_t rowLength, GgmlType type)
    : m_type(type)
    , m_traits(typeTraits(type))
    , m_size(size)
    , m_rowLength(rowLength)
{
    const std::string name(ggmlTypeName(type));
    if (type != GgmlType::F32 && type != GgmlType::F16 && type != GgmlType::Q8_0) {
        throw Error("KV cache: type " + name + " is not supported (F32, F16 or Q8_0)");
    }
    if (!m_traits || rowLength % m_traits->blockSize != 0) {
        throw Error("KV cache: rows of " + std::to_string(rowLength) + " elements cannot be stored as " + name);
    }
    m_rowBytes = rowBytes(type, rowLength);
    const auto total = checkedMul(uint64_t(layers) * size, m_rowBytes);
    if (!total || *total > SIZE_MAX / 2) {
        throw Error("KV cache: " + std::to_string(size) + " positions of " + std::to_string(layers) + " layers are too large");
    }
    try {
        m_keys.resize(*total);
        m_values.resize(*total);
    } catch (const std::bad_alloc &) {
        throw Error("KV cache: not enough memory for " + std::to_string(2 * *total / (1024 * 1024)) + " MiB ("
                    + std::to_string(size) + " positions); use a smaller context");
    }
}

void KvCache::store(uint32_t layer, uint32_t pos, const float *key, const float *value)
{
    m_traits->quantizeRow(key, m_keys.data() + offset(layer, pos), m_rowLength);
    m_traits->quantizeRow(value, m_values.data() + offset(layer, pos), m_rowLength);
}

void KvCache::load(uint32_t layer, uint32_t begin, uint32_t end, float *keys, float *values) const
{
    for (uint32_t pos = begin; pos < end; ++pos) {
        const size_t out = size_t(pos - begin) * m_rowLength;
        m_traits->toFloat(m_keys.data() + offset(layer, pos), keys + out, m_rowLength);
        m_traits->toFloat(m_values.data() + offset(layer, pos), values + out, m_rowLength);
    }
}

} // namespace hearth
