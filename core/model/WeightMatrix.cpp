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

void WeightMatrix::multiplyRows(const uint8_t *input, size_t inputStride, size_t nTokens, size_t begin, size_t end, float *out) const
{
    const uint8_t *w = m_data + begin * m_rowBytes;
    if (nTokens > 1 && m_traits->gemm) {
        m_traits->gemm(int64_t(m_cols), w, m_rowBytes, end - begin, input, inputStride, nTokens, out + begin, m_rows);
        return;
    }
    // Each weight row is loaded once and dotted with every token while it is in cache.
    for (size_t r = begin; r < end; ++r, w += m_rowBytes) {
        for (size_t t = 0; t < nTokens; ++t) {
            out[t * m_rows + r] = m_traits->vecDot(int64_t(m_cols), w, input + t * inputStride);
        }
    }
}

void WeightMatrix::multiplyAll(std::span<const Product> products, const float *x, size_t nTokens, std::vector<uint8_t> &scratch,
                               ThreadPool &pool)
{
    // The inputs in scratch: each vecDotType's quantized rows once, shared by the products of that type; for
    // prefill, also each gemm layout (packGemmInput) once, shared by the products of that weight type.
    struct Input {
        const TypeTraits *traits = nullptr; // of the vecDotType, or of the weight type for a packed input
        const Input *source = nullptr; // for a packed input: the quantized rows it is made from
        size_t offset = 0;
        size_t stride = 0;
    };
    constexpr size_t maxProducts = 4;
    if (products.size() > maxProducts) {
        throw Error("WeightMatrix::multiplyAll: too many products");
    }
    Input inputs[2 * maxProducts];
    size_t inputCount = 0;
    size_t productInput[maxProducts];
    size_t bytes = 0;
    const auto input = [&](const TypeTraits *traits, const Input *source, size_t stride) {
        for (size_t i = 0; i < inputCount; ++i) {
            if (inputs[i].traits == traits && inputs[i].source == source) {
                return i;
            }
        }
        constexpr size_t alignment = 64; // the gemm kernels' vector loads
        bytes = (bytes + alignment - 1) / alignment * alignment;
        inputs[inputCount] = {traits, source, bytes, stride};
        bytes += nTokens * stride;
        return inputCount++;
    };
    size_t totalRows = 0;
    for (size_t i = 0; i < products.size(); ++i) {
        const WeightMatrix &m = *products[i].matrix;
        productInput[i] = input(m.m_dotTraits, nullptr, m.m_dotRowBytes);
        if (nTokens > 1 && m.m_traits->gemm && m.m_traits->packGemmInput) {
            productInput[i] = input(m.m_traits, &inputs[productInput[i]], m.m_traits->gemmInputBytes(int64_t(m.m_cols)));
        }
        totalRows += m.m_rows;
    }
    scratch.resize(bytes + 64);
    uint8_t *base = scratch.data() + (64 - reinterpret_cast<uintptr_t>(scratch.data()) % 64) % 64;
    const int64_t cols = int64_t(products.front().matrix->m_cols);
    pool.parallelFor(nTokens, [&](size_t begin, size_t end) {
        for (size_t t = begin; t < end; ++t) {
            // Quantized rows first: the packed inputs are made from them.
            for (size_t i = 0; i < inputCount; ++i) {
                const Input &in = inputs[i];
                if (!in.source) {
                    in.traits->quantizeRow(x + t * size_t(cols), base + in.offset + t * in.stride, cols);
                }
            }
            for (size_t i = 0; i < inputCount; ++i) {
                const Input &in = inputs[i];
                if (in.source) {
                    in.traits->packGemmInput(base + in.source->offset + t * in.source->stride, base + in.offset + t * in.stride, cols);
                }
            }
        }
    });
    // The rows of all products as one range; a thread's share may span several matrices. Ranges are a
    // multiple of every gemm tile's height and small enough to balance threads that the OS runs at different
    // speeds (each thread still reads its share front to back: see ThreadPool::parallelFor).
    constexpr size_t rowGrain = 48;
    pool.parallelFor(totalRows, [&](size_t begin, size_t end) {
        size_t first = 0;
        for (size_t i = 0; i < products.size() && begin < end; ++i) {
            const WeightMatrix &m = *products[i].matrix;
            const size_t last = first + m.m_rows;
            if (begin < last) {
                const size_t stop = std::min(end, last);
                const Input &in = inputs[productInput[i]];
                m.multiplyRows(base + in.offset, in.stride, nTokens, begin - first, stop - first, products[i].out);
                begin = stop;
            }
            first = last;
        }
    }, rowGrain);
}

} // namespace hearth
