// SPDX-License-Identifier: GPL-3.0-or-later
#include "quantizer/QuantPermutation.h"

#include "quantizer/ImportanceMatrix.h"
#include "quantizer/QuantSource.h"
#include "util/Error.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

namespace hearth
{

namespace
{
constexpr std::array<std::string_view, 3> kNames{"none", "ffn-l2", "ffn-variance"};

// "blk.3.ffn_down.weight" -> {3, "ffn_down"}; layer -1 for other names.
std::pair<int, std::string_view> splitName(std::string_view name)
{
    if (!name.starts_with("blk.") || !name.ends_with(".weight")) {
        return {-1, {}};
    }
    const size_t dot = name.find('.', 4);
    int layer = 0;
    for (size_t i = 4; i < dot; ++i) {
        if (name[i] < '0' || name[i] > '9') {
            return {-1, {}};
        }
        layer = layer * 10 + (name[i] - '0');
    }
    return {layer, name.substr(dot + 1, name.size() - dot - 1 - 7)};
}
}

std::span<const std::string_view> QuantPermutation::names()
{
    return kNames;
}

std::unique_ptr<QuantPermutation> QuantPermutation::create(const std::string &name, const QuantSource &source,
                                                           const ImportanceMatrix *imatrix)
{
    if (name.empty() || name == "none") {
        return nullptr;
    }
    const bool byVariance = name == "ffn-variance";
    if (!byVariance && name != "ffn-l2") {
        throw Error("unknown permutation '" + name + "' (known: none, ffn-l2, ffn-variance)");
    }
    std::unique_ptr<QuantPermutation> permutation(new QuantPermutation(source));
    const auto &tensors = source.tensors();
    permutation->m_tensors.resize(tensors.size());
    std::vector<int> downOfLayer;
    for (size_t i = 0; i < tensors.size(); ++i) {
        const auto [layer, role] = splitName(tensors[i].name);
        if (layer >= 0 && role == "ffn_down" && tensors[i].shape.size() == 2) {
            downOfLayer.resize(std::max<size_t>(downOfLayer.size(), size_t(layer) + 1), -1);
            downOfLayer[size_t(layer)] = int(i);
        }
    }
    permutation->m_layerOrders.resize(downOfLayer.size());
    for (size_t layer = 0; layer < downOfLayer.size(); ++layer) {
        if (downOfLayer[layer] < 0) {
            continue;
        }
        const size_t index = size_t(downOfLayer[layer]);
        const QuantSource::Tensor &down = tensors[index];
        const uint64_t hidden = down.rowLength();
        std::vector<float> importance = imatrix ? imatrix->importance(down.name) : std::vector<float>{};
        if (importance.size() != hidden) {
            importance.assign(hidden, 1.0f);
        }
        // Column statistics over all rows, one row at a time.
        std::vector<double> sum(hidden, 0.0);
        std::vector<double> sumSquares(hidden, 0.0);
        std::vector<float> row(hidden);
        for (uint64_t r = 0; r < down.rowCount(); ++r) {
            source.readRows(index, r, 1, row.data());
            for (uint64_t c = 0; c < hidden; ++c) {
                sum[c] += row[c];
                sumSquares[c] += double(row[c]) * row[c];
            }
        }
        source.release(index);
        const double rows = double(down.rowCount());
        std::vector<double> key(hidden);
        for (uint64_t c = 0; c < hidden; ++c) {
            const double mean = sum[c] / rows;
            key[c] = importance[c] * (byVariance ? sumSquares[c] / rows - mean * mean : sumSquares[c]);
        }
        auto &order = permutation->m_layerOrders[layer];
        order.resize(hidden);
        std::iota(order.begin(), order.end(), 0u);
        std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
            return key[a] < key[b];
        });
    }
    for (size_t i = 0; i < tensors.size(); ++i) {
        const auto [layer, role] = splitName(tensors[i].name);
        if (layer < 0 || size_t(layer) >= permutation->m_layerOrders.size() || permutation->m_layerOrders[size_t(layer)].empty()) {
            continue;
        }
        const auto *order = &permutation->m_layerOrders[size_t(layer)];
        if (role == "ffn_gate" || role == "ffn_up") {
            if (tensors[i].rowCount() != order->size()) {
                throw Error(source.path() + ": " + tensors[i].name + " has " + std::to_string(tensors[i].rowCount())
                            + " rows, ffn_down " + std::to_string(order->size()) + " columns");
            }
            permutation->m_tensors[i] = {Kind::Rows, order};
        } else if (role == "ffn_down") {
            permutation->m_tensors[i] = {Kind::Columns, order};
        }
    }
    return permutation;
}

bool QuantPermutation::affects(size_t index) const
{
    return m_tensors[index].kind != Kind::None;
}

void QuantPermutation::readRows(size_t index, uint64_t firstRow, uint64_t rows, float *dst) const
{
    const TensorPermutation &p = m_tensors[index];
    const uint64_t rowLength = m_source.tensors()[index].rowLength();
    switch (p.kind) {
    case Kind::None:
        m_source.readRows(index, firstRow, rows, dst);
        return;
    case Kind::Rows:
        for (uint64_t r = 0; r < rows; ++r) {
            m_source.readRows(index, (*p.order)[firstRow + r], 1, dst + r * rowLength);
        }
        return;
    case Kind::Columns:
        m_source.readRows(index, firstRow, rows, dst);
        for (uint64_t r = 0; r < rows; ++r) {
            permuteColumns(index, dst + r * rowLength);
        }
        return;
    }
}

void QuantPermutation::permuteColumns(size_t index, float *values) const
{
    const TensorPermutation &p = m_tensors[index];
    if (p.kind != Kind::Columns) {
        return;
    }
    std::vector<float> original(values, values + p.order->size());
    for (size_t c = 0; c < original.size(); ++c) {
        values[c] = original[(*p.order)[c]];
    }
}

} // namespace hearth
