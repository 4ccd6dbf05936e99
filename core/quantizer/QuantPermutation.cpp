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
constexpr std::array<std::string_view, 13> kNames{
    "none",         "ffn-l2",       "ffn-variance", "ffn-qr",      "ffn-block",    "residual-l2", "residual-variance",
    "residual-qr",  "residual-block", "all-l2",     "all-variance", "all-qr",      "all-block",
};

enum class Method { L2, Variance, Qr, Block };

constexpr uint64_t kBlockGroup = 64;
// Rows of the CountSketch the QR pivoting runs on: enough to tell a few hundred directions apart, cheap to pivot.
constexpr uint64_t kSketchRows = 128;
constexpr uint64_t kReadRows = 64;

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

uint64_t mix(uint64_t x)
{
    // splitmix64's finaliser: the sketch's bucket and sign of a row, the same on every run.
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

// Statistics of the columns of one or more tensors (all of the same row length), read row by row.
class ColumnStats
{
public:
    ColumnStats(uint64_t columns, Method method)
        : m_columns(columns)
        , m_method(method)
        , m_key(columns, 0.0)
        , m_l2(columns, 0.0)
        , m_sketch(method == Method::Qr ? kSketchRows * columns : 0, 0.0)
    {
    }

    void addTensor(const QuantSource &source, size_t index, std::vector<float> importance)
    {
        const QuantSource::Tensor &t = source.tensors()[index];
        if (importance.size() != m_columns) {
            importance.assign(m_columns, 1.0f);
        }
        std::vector<double> sum(m_columns, 0.0);
        std::vector<double> sumSquares(m_columns, 0.0);
        std::vector<float> rows(kReadRows * m_columns);
        std::vector<float> scale(m_columns);
        for (uint64_t c = 0; c < m_columns; ++c) {
            scale[c] = std::sqrt(std::max(importance[c], 0.0f));
        }
        for (uint64_t first = 0; first < t.rowCount(); first += kReadRows) {
            const uint64_t n = std::min(kReadRows, t.rowCount() - first);
            source.readRows(index, first, n, rows.data());
            for (uint64_t r = 0; r < n; ++r) {
                const float *row = rows.data() + r * m_columns;
                for (uint64_t c = 0; c < m_columns; ++c) {
                    sum[c] += row[c];
                    sumSquares[c] += double(row[c]) * row[c];
                }
                if (!m_sketch.empty()) {
                    const uint64_t h = mix((uint64_t(index) << 40) ^ (first + r));
                    const double sign = (h & 1) ? 1.0 : -1.0;
                    double *bucket = m_sketch.data() + ((h >> 1) % kSketchRows) * m_columns;
                    for (uint64_t c = 0; c < m_columns; ++c) {
                        bucket[c] += sign * scale[c] * row[c];
                    }
                }
            }
        }
        source.release(index);
        const double count = double(t.rowCount());
        for (uint64_t c = 0; c < m_columns; ++c) {
            const double mean = sum[c] / count;
            m_l2[c] += importance[c] * sumSquares[c];
            m_key[c] += importance[c] * (m_method == Method::Variance ? sumSquares[c] / count - mean * mean : sumSquares[c]);
        }
    }

    std::vector<uint32_t> order() const
    {
        std::vector<uint32_t> order(m_columns);
        std::iota(order.begin(), order.end(), 0u);
        const auto byKey = [&](uint32_t a, uint32_t b) {
            return m_key[a] < m_key[b];
        };
        switch (m_method) {
        case Method::L2:
        case Method::Variance:
            std::stable_sort(order.begin(), order.end(), byKey);
            break;
        case Method::Block:
            for (uint64_t g = 0; g < m_columns; g += kBlockGroup) {
                std::stable_sort(order.begin() + ptrdiff_t(g), order.begin() + ptrdiff_t(std::min(m_columns, g + kBlockGroup)), byKey);
            }
            break;
        case Method::Qr:
            order = qrPivots();
            break;
        }
        return order;
    }

private:
    // Column-pivoted modified Gram-Schmidt on the sketch: each step takes the column with the largest part
    // outside the span of those taken; the rest (numerically in that span) follow by decreasing L2 norm.
    std::vector<uint32_t> qrPivots() const
    {
        std::vector<double> s = m_sketch; // row-major, kSketchRows x m_columns
        std::vector<double> norms(m_columns, 0.0);
        for (uint64_t i = 0; i < kSketchRows; ++i) {
            for (uint64_t c = 0; c < m_columns; ++c) {
                norms[c] += s[i * m_columns + c] * s[i * m_columns + c];
            }
        }
        const double largest = *std::max_element(norms.begin(), norms.end());
        std::vector<uint32_t> order;
        std::vector<bool> taken(m_columns, false);
        std::vector<double> q(kSketchRows);
        std::vector<double> dots(m_columns);
        for (uint64_t step = 0; step < std::min(kSketchRows, m_columns); ++step) {
            uint64_t pivot = 0;
            double best = -1;
            for (uint64_t c = 0; c < m_columns; ++c) {
                if (!taken[c] && norms[c] > best) {
                    best = norms[c];
                    pivot = c;
                }
            }
            if (best <= 1e-12 * largest) {
                break;
            }
            taken[pivot] = true;
            order.push_back(uint32_t(pivot));
            double length = 0;
            for (uint64_t i = 0; i < kSketchRows; ++i) {
                q[i] = s[i * m_columns + pivot];
                length += q[i] * q[i];
            }
            length = std::sqrt(length);
            std::fill(dots.begin(), dots.end(), 0.0);
            for (uint64_t i = 0; i < kSketchRows; ++i) {
                q[i] /= length;
                for (uint64_t c = 0; c < m_columns; ++c) {
                    dots[c] += q[i] * s[i * m_columns + c];
                }
            }
            std::fill(norms.begin(), norms.end(), 0.0);
            for (uint64_t i = 0; i < kSketchRows; ++i) {
                for (uint64_t c = 0; c < m_columns; ++c) {
                    double &v = s[i * m_columns + c];
                    v -= dots[c] * q[i];
                    norms[c] += v * v;
                }
            }
        }
        std::vector<uint32_t> rest;
        for (uint64_t c = 0; c < m_columns; ++c) {
            if (!taken[c]) {
                rest.push_back(uint32_t(c));
            }
        }
        std::stable_sort(rest.begin(), rest.end(), [&](uint32_t a, uint32_t b) {
            return m_l2[a] > m_l2[b];
        });
        order.insert(order.end(), rest.begin(), rest.end());
        return order;
    }

    uint64_t m_columns;
    Method m_method;
    std::vector<double> m_key;
    std::vector<double> m_l2;
    std::vector<double> m_sketch;
};

std::vector<float> importanceOf(const ImportanceMatrix *imatrix, const std::string &name)
{
    return imatrix ? imatrix->importance(name) : std::vector<float>{};
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
    if (std::find(kNames.begin(), kNames.end(), name) == kNames.end()) {
        std::string known;
        for (const std::string_view n : kNames) {
            known += (known.empty() ? "" : ", ") + std::string(n);
        }
        throw Error("unknown permutation '" + name + "' (known: " + known + ")");
    }
    const std::string_view scope = std::string_view(name).substr(0, name.find('-'));
    const std::string_view methodName = std::string_view(name).substr(name.find('-') + 1);
    const Method method = methodName == "l2" ? Method::L2 : methodName == "variance" ? Method::Variance : methodName == "qr" ? Method::Qr : Method::Block;
    const bool ffn = scope != "residual";
    const bool residual = scope != "ffn";

    std::unique_ptr<QuantPermutation> permutation(new QuantPermutation(source));
    const auto &tensors = source.tensors();
    permutation->m_tensors.resize(tensors.size());

    if (ffn) {
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
            if (downOfLayer[layer] >= 0) {
                const size_t index = size_t(downOfLayer[layer]);
                ColumnStats stats(tensors[index].rowLength(), method);
                stats.addTensor(source, index, importanceOf(imatrix, tensors[index].name));
                permutation->m_layerOrders[layer] = stats.order();
            }
        }
    }
    const auto isResidualInput = [](const std::string &tensorName, std::string_view role) {
        return tensorName == "token_embd.weight" || tensorName == "output.weight" || role == "attn_q" || role == "attn_k"
            || role == "attn_v" || role == "ffn_gate" || role == "ffn_up";
    };
    if (residual) {
        uint64_t dim = 0;
        for (const QuantSource::Tensor &t : tensors) {
            if (t.name == "token_embd.weight") {
                dim = t.rowLength();
            }
        }
        if (dim == 0) {
            throw Error(source.path() + ": no token_embd.weight, so no residual dimension to permute");
        }
        ColumnStats stats(dim, method);
        for (size_t i = 0; i < tensors.size(); ++i) {
            if (isResidualInput(tensors[i].name, splitName(tensors[i].name).second)) {
                if (tensors[i].rowLength() != dim) {
                    throw Error(source.path() + ": " + tensors[i].name + " has rows of " + std::to_string(tensors[i].rowLength())
                                + ", the residual dimension is " + std::to_string(dim));
                }
                stats.addTensor(source, i, importanceOf(imatrix, tensors[i].name));
            }
        }
        permutation->m_residualOrder = stats.order();
    }

    const auto requireSize = [&](size_t i, uint64_t size, const std::vector<uint32_t> &order, const char *what) {
        if (size != order.size()) {
            throw Error(source.path() + ": " + tensors[i].name + " has " + std::to_string(size) + " " + what + ", the permuted dimension "
                        + std::to_string(order.size()));
        }
        return &order;
    };
    for (size_t i = 0; i < tensors.size(); ++i) {
        const QuantSource::Tensor &t = tensors[i];
        const auto [layer, role] = splitName(t.name);
        TensorPermutation &p = permutation->m_tensors[i];
        const std::vector<uint32_t> *ffnOrder = layer >= 0 && size_t(layer) < permutation->m_layerOrders.size()
                && !permutation->m_layerOrders[size_t(layer)].empty()
            ? &permutation->m_layerOrders[size_t(layer)]
            : nullptr;
        if (ffnOrder && (role == "ffn_gate" || role == "ffn_up")) {
            p.rows = requireSize(i, t.rowCount(), *ffnOrder, "rows");
        } else if (ffnOrder && role == "ffn_down") {
            p.columns = ffnOrder;
        }
        if (!residual) {
            continue;
        }
        const std::vector<uint32_t> &r = permutation->m_residualOrder;
        if (isResidualInput(t.name, role) || role == "attn_norm" || role == "ffn_norm" || t.name == "output_norm.weight") {
            p.columns = requireSize(i, t.rowLength(), r, "columns");
        } else if (role == "attn_output" || role == "ffn_down") {
            p.rows = requireSize(i, t.rowCount(), r, "rows");
        } else if (t.name != "rope_freqs.weight") {
            // Permuting the residual of a model with a tensor we do not know would change its function.
            throw Error(source.path() + ": cannot permute the residual dimension: unknown tensor " + t.name);
        }
    }
    return permutation;
}

bool QuantPermutation::affects(size_t index) const
{
    return m_tensors[index].rows || m_tensors[index].columns;
}

void QuantPermutation::readRows(size_t index, uint64_t firstRow, uint64_t rows, float *dst) const
{
    const TensorPermutation &p = m_tensors[index];
    const uint64_t rowLength = m_source.tensors()[index].rowLength();
    if (p.rows) {
        for (uint64_t r = 0; r < rows; ++r) {
            m_source.readRows(index, (*p.rows)[firstRow + r], 1, dst + r * rowLength);
        }
    } else {
        m_source.readRows(index, firstRow, rows, dst);
    }
    if (p.columns) {
        for (uint64_t r = 0; r < rows; ++r) {
            permuteColumns(index, dst + r * rowLength);
        }
    }
}

void QuantPermutation::permuteColumns(size_t index, float *values) const
{
    const TensorPermutation &p = m_tensors[index];
    if (!p.columns) {
        return;
    }
    std::vector<float> original(values, values + p.columns->size());
    for (size_t c = 0; c < original.size(); ++c) {
        values[c] = original[(*p.columns)[c]];
    }
}

} // namespace hearth
