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

// A reordering of each layer's feed-forward hidden units, applied before quantizing: ffn_gate and ffn_up rows
// and ffn_down columns move together, so the model computes exactly the same function. Only ffn_down's
// quantization changes (its rows are cut into blocks along the hidden dimension): sorting similar columns
// into the same blocks lets each block's scale fit it more tightly.
//   "ffn-l2":       hidden units sorted by the L2 norm of their ffn_down column
//   "ffn-variance": sorted by the variance of their ffn_down column
// (with an importance matrix, columns are weighted by it). Costs one extra read of every ffn_down.
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
    enum class Kind { None, Rows, Columns };
    struct TensorPermutation {
        Kind kind = Kind::None;
        const std::vector<uint32_t> *order = nullptr; // new position i takes old unit order[i]
    };
    QuantPermutation(const QuantSource &source)
        : m_source(source)
    {
    }

    const QuantSource &m_source;
    std::vector<std::vector<uint32_t>> m_layerOrders;
    std::vector<TensorPermutation> m_tensors;
};

} // namespace hearth
