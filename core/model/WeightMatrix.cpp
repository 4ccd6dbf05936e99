// SPDX-License-Identifier: GPL-3.0-or-later
#include "model/WeightMatrix.h"

#include "gguf/GgufFile.h"
#include "quant/TypeTraits.h"
#include "util/Error.h"
#include "util/ThreadPool.h"

#include <algorithm>

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
    const Product product{this, out};
    multiplyAll({&product, 1}, x, nTokens, scratch, pool);
}

void WeightMatrix::multiplyRows(const uint8_t *quantized, size_t nTokens, size_t begin, size_t end, float *out) const
{
    const uint8_t *w = m_data + begin * m_rowBytes;
    if (nTokens > 1 && m_traits->gemm) {
        m_traits->gemm(int64_t(m_cols), w, m_rowBytes, end - begin, quantized, m_dotRowBytes, nTokens, out + begin, m_rows);
        return;
    }
    // Each weight row is loaded once and dotted with every token while it is in cache.
    for (size_t r = begin; r < end; ++r, w += m_rowBytes) {
        for (size_t t = 0; t < nTokens; ++t) {
            out[t * m_rows + r] = m_traits->vecDot(int64_t(m_cols), w, quantized + t * m_dotRowBytes);
        }
    }
}

void WeightMatrix::multiplyAll(std::span<const Product> products, const float *x, size_t nTokens, std::vector<uint8_t> &scratch,
                               ThreadPool &pool)
{
    // Where each product's quantized input lives in scratch: shared by the products of the same activation type.
    constexpr size_t maxProducts = 4;
    size_t inputOffset[maxProducts];
    size_t bytes = 0;
    size_t totalRows = 0;
    if (products.size() > maxProducts) {
        throw Error("WeightMatrix::multiplyAll: too many products");
    }
    for (size_t i = 0; i < products.size(); ++i) {
        const WeightMatrix &m = *products[i].matrix;
        inputOffset[i] = bytes;
        for (size_t j = 0; j < i; ++j) {
            if (products[j].matrix->m_dotTraits == m.m_dotTraits) {
                inputOffset[i] = inputOffset[j];
                break;
            }
        }
        if (inputOffset[i] == bytes) {
            bytes += nTokens * m.m_dotRowBytes;
        }
        totalRows += m.m_rows;
    }
    if (scratch.size() < bytes) {
        scratch.resize(bytes);
    }
    uint8_t *quantized = scratch.data();
    pool.parallelFor(nTokens, [&](size_t begin, size_t end) {
        for (size_t i = 0; i < products.size(); ++i) {
            const WeightMatrix &m = *products[i].matrix;
            const bool first = std::none_of(products.begin(), products.begin() + ptrdiff_t(i), [&](const Product &p) {
                return p.matrix->m_dotTraits == m.m_dotTraits;
            });
            if (!first) {
                continue;
            }
            for (size_t t = begin; t < end; ++t) {
                m.m_dotTraits->quantizeRow(x + t * m.m_cols, quantized + inputOffset[i] + t * m.m_dotRowBytes, int64_t(m.m_cols));
            }
        }
    });
    // The rows of all products as one range; a thread's share may span several matrices. Ranges are a
    // multiple of every gemm tile's height and small enough to balance threads that the OS runs at different
    // speeds (each thread still reads its share front to back: see ThreadPool::parallelFor).
    constexpr size_t rowGrain = 32;
    pool.parallelFor(totalRows, [&](size_t begin, size_t end) {
        size_t first = 0;
        for (size_t i = 0; i < products.size() && begin < end; ++i) {
            const WeightMatrix &m = *products[i].matrix;
            const size_t last = first + m.m_rows;
            if (begin < last) {
                const size_t stop = std::min(end, last);
                m.multiplyRows(quantized + inputOffset[i], nTokens, begin - first, stop - first, products[i].out);
                begin = stop;
            }
            first = last;
        }
    }, rowGrain);
}

} // namespace hearth
