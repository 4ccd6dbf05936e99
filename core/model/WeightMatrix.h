// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace hearth
{

struct GgufTensorInfo;
struct TypeTraits;
class ThreadPool;

// A 2-D weight tensor used in place from the model file: `rows` rows of `cols` elements of its type.
class WeightMatrix
{
public:
    WeightMatrix() = default;
    // Throws hearth::Error "PATH: tensor 'NAME' ..." when the tensor is not 2-D or its type cannot be computed with.
    WeightMatrix(const GgufTensorInfo &tensor, const std::string &path);

    uint64_t rows() const
    {
        return m_rows;
    }
    uint64_t cols() const
    {
        return m_cols;
    }

    // The bytes of the whole matrix in the file: what one token's multiply() reads.
    uint64_t bytes() const
    {
        return m_rows * m_rowBytes;
    }

    // Decodes row r into cols() floats (embedding lookups).
    void row(uint64_t r, float *dst) const;

    // out[t * rows() + r] = dot(row r, x[t * cols() ...]) for t < nTokens. As llama.cpp computes it: each
    // activation row is first quantized to the weight's vecDotType, then each weight row is dotted with it by
    // the type's vecDot. Rows are split over the pool's threads; `scratch` holds the quantized activations.
    void multiply(const float *x, size_t nTokens, float *out, std::vector<uint8_t> &scratch, ThreadPool &pool) const;

    // One matrix of a multiplyAll(): out receives nTokens rows of matrix->rows() floats, as multiply() does.
    struct Product {
        const WeightMatrix *matrix;
        float *out;
    };
    // Several matrices with the same cols() applied to the same input (Q, K and V; gate and up): the input is
    // quantized once per activation type and the rows of all of them are split over the threads in one go,
    // which saves a thread hand-over and balances the work better than one matrix at a time.
    static void multiplyAll(std::span<const Product> products, const float *x, size_t nTokens, std::vector<uint8_t> &scratch,
                            ThreadPool &pool);

private:
    // Rows [begin, end) times nTokens tokens of input (quantized activations, or the gemm's packed form of them),
    // inputStride apart.
    void multiplyRows(const uint8_t *input, size_t inputStride, size_t nTokens, size_t begin, size_t end, float *out) const;

    const uint8_t *m_data = nullptr;
    const TypeTraits *m_traits = nullptr;
    const TypeTraits *m_dotTraits = nullptr; // of the vecDotType
    uint64_t m_rows = 0;
    uint64_t m_cols = 0;
    uint64_t m_rowBytes = 0;
    uint64_t m_dotRowBytes = 0; // one quantized activation row
};

} // namespace hearth
