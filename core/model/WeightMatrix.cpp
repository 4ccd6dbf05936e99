// SPDX-License-Identifier: GPL-3.0-or-later
#include "model/WeightMatrix.h"

#include "gguf/GgufFile.h"
#include "quant/TypeTraits.h"
#include "util/Error.h"
#include "util/ThreadPool.h"

namespace hearth
{

WeightMatrix::WeightMatrix(const GgufTensorInfo &tensor, const std::string &path)
    : m_data(tensor.data)
    , m_rows(tensor.ne[1])
    , m_cols(tensor.ne[0])
{
    const auto fail = [&](const std::string &problem) {
        return Error(path + ": tensor '" + tensor.name + "' " + problem);
    };
    if (tensor.nDims != 2) {
        throw fail("has " + std::to_string(tensor.nDims) + " dimensions, expected 2");
    }
    m_traits = typeTraits(tensor.type);
    m_dotTraits = m_traits ? typeTraits(m_traits->vecDotType) : nullptr;
    if (!m_traits || !m_traits->vecDot || !m_dotTraits || !m_dotTraits->fromFloat) {
        throw fail("has type " + std::string(ggmlTypeName(tensor.type)) + ", which this engine cannot compute with");
    }
    if (m_cols % m_dotTraits->blockSize != 0) {
        throw fail("has rows of " + std::to_string(m_cols) + " elements, not a multiple of "
                   + std::to_string(m_dotTraits->blockSize) + " as its type's dot product needs");
    }
    m_rowBytes = rowBytes(tensor.type, m_cols);
    m_dotRowBytes = rowBytes(m_dotTraits->type, m_cols);
}

void WeightMatrix::row(uint64_t r, float *dst) const
{
    m_traits->toFloat(m_data + r * m_rowBytes, dst, int64_t(m_cols));
}

void WeightMatrix::multiply(const float *x, size_t nTokens, float *out, std::vector<uint8_t> &scratch, ThreadPool &pool) const
{
    if (scratch.size() < nTokens * m_dotRowBytes) {
        scratch.resize(nTokens * m_dotRowBytes);
    }
    uint8_t *quantized = scratch.data();
    pool.parallelFor(nTokens, [&](size_t begin, size_t end) {
        for (size_t t = begin; t < end; ++t) {
            m_dotTraits->fromFloat(x + t * m_cols, quantized + t * m_dotRowBytes, int64_t(m_cols));
        }
    });
    pool.parallelFor(m_rows, [&](size_t begin, size_t end) {
        // Each weight row is loaded once and dotted with every token while it is in cache.
        for (size_t r = begin; r < end; ++r) {
            const uint8_t *w = m_data + r * m_rowBytes;
            for (size_t t = 0; t < nTokens; ++t) {
                out[t * m_rows + r] = m_traits->vecDot(int64_t(m_cols), w, quantized + t * m_dotRowBytes);
            }
        }
    });
}

} // namespace hearth
