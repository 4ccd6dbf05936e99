// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hearth
{

class ImportanceMatrix;
class QuantSource;

// Reorderings applied before quantizing that keep the model's function exactly; quantization blocks run along
// rows, so sorting similar columns into the same blocks lets each block's scale fit it more tightly.
// Strategy names are SCOPE-METHOD:
//   SCOPE "ffn":      each layer's feed-forward hidden units: ffn_gate and ffn_up rows with ffn_down columns
//                     (changes ffn_down's blocks)
//   SCOPE "residual": one order of the residual (embedding) dimension for every tensor touching it: the
//                     columns of token_embd, output, attn_q/k/v, ffn_gate/up, the rows of attn_output and
//                     ffn_down and the norms' weights (changes the blocks of the tensors reading the residual)
//   SCOPE "all":      both
//   METHOD "l2":       by the L2 norm of the columns that get quantized
//          "variance": by their variance
//          "qr":       the pivot order of a column-pivoted QR of a sketch of those columns (most independent
//                      first; the columns the sketch cannot tell apart follow by L2 norm)
//          "block":    by L2 norm, but only within each group of 64 columns (the groups keep their place)
// With an importance matrix the statistics are weighted by it. Costs one extra read of the tensors measured.
class QuantPermutation
{
public:
    static std::span<const std::string_view> names(); // "none" first
    // nullptr for "none"; throws hearth::Error for an unknown name.
    static std::unique_ptr<QuantPermutation> create(const std::string &name, const QuantSource &source,
                                                    const ImportanceMatrix *imatrix);

    // Whether tensor `index` changes at all.
    bool affects(size_t index) const;
    // The permuted tensor's rows, as QuantSource::readRows.
    void readRows(size_t index, uint64_t firstRow, uint64_t rows, float *dst) const;
    // Applies the tensor's column order to one vector of row length (its importance).
    void permuteColumns(size_t index, float *values) const;

private:
    // New position i takes old unit order[i]; nullptr: unchanged.
    struct TensorPermutation {
        const std::vector<uint32_t> *rows = nullptr;
        const std::vector<uint32_t> *columns = nullptr;
    };
    QuantPermutation(const QuantSource &source)
        : m_source(source)
    {
    }

    const QuantSource &m_source;
    std::vector<std::vector<uint32_t>> m_layerOrders; // ffn hidden units, per layer
    std::vector<uint32_t> m_residualOrder;
    std::vector<TensorPermutation> m_tensors;
};

} // namespace hearth
