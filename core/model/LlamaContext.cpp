// SPDX-License-Identifier: GPL-3.0-or-later
#include "model/LlamaContext.h"

#include "model/LlamaModel.h"
#include "model/Ops.h"
#include "quant/Half.h"
#include "quant/TypeTraits.h"
#include "quant/kernels/Kernels.h"
#include "util/Error.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace hearth
{

namespace
{
// Bounds the work buffers; longer prompts are evaluated in several batches.
constexpr uint32_t maxBatchTokens = 512;
constexpr int maxContextSize = 1 << 24;

uint32_t contextSize(const LlamaModel &model, int requested)
{
    if (requested < 0 || requested > maxContextSize) {
        throw Error(model.path() + ": context size " + std::to_string(requested) + " is out of range (0 to "
                    + std::to_string(maxContextSize) + ")");
    }
    return requested == 0 ? model.config().contextLength : uint32_t(requested);
}

unsigned threadCount(const LlamaModel &model, int requested)
{
    if (requested < 0 || requested > 1024) {
        throw Error(model.path() + ": thread count " + std::to_string(requested) + " is out of range (0 to 1024)");
    }
    return unsigned(requested);
}

}

LlamaContext::LlamaContext(const LlamaModel &model, ContextParams params)
    : m_model(model)
    , m_cache(model.config().layers, contextSize(model, params.nCtx), model.config().kvHeads, model.config().headDim, params.kvType)
    , m_rope(model.config().headDim, model.config().ropeDim, model.config().ropeBase, model.config().ropeFreqScale, model.ropeFreqFactors())
    , m_pool(threadCount(model, params.nThreads))
    , m_maxBatch(std::min(maxBatchTokens, m_cache.size()))
{
    const LlamaConfig &c = model.config();
    const size_t rows = m_maxBatch;
    const size_t qDim = size_t(c.heads) * c.headDim;
    m_x.resize(rows * c.embedding);
    m_norm.resize(rows * std::max<size_t>(c.embedding, qDim));
    m_q.resize(rows * qDim);
    m_k.resize(rows * c.kvDim());
    m_v.resize(rows * c.kvDim());
    m_attn.resize(rows * qDim);
    m_proj.resize(rows * c.embedding);
    m_gate.resize(rows * c.feedForward);
    m_up.resize(rows * c.feedForward);
    m_ropeAngles.resize(rows * m_rope.anglesSize());
    if (m_cache.type() == GgmlType::Q8_0) { // decoded for attention; F16 and F32 are read in place
        m_cachedKeys.resize(size_t(m_cache.size()) * c.kvDim());
        m_cachedValues.resize(size_t(m_cache.size()) * c.kvDim());
    }
    m_logits.resize(c.vocab);
}

void LlamaContext::truncate(int position)
{
    if (position < 0 || uint32_t(position) > m_position) {
        throw Error(m_model.path() + ": cannot truncate the context to position " + std::to_string(position) + ", it holds "
                    + std::to_string(m_position) + " positions");
    }
    m_position = uint32_t(position);
}

void LlamaContext::shift(int begin, int end)
{
    if (begin < 0 || begin > end || uint32_t(end) > m_position) {
        throw Error(m_model.path() + ": cannot remove positions " + std::to_string(begin) + " to " + std::to_string(end)
                    + " from the context, it holds " + std::to_string(m_position) + " positions");
    }
    const uint32_t distance = uint32_t(end - begin);
    if (distance == 0) {
        return;
    }
    const LlamaConfig &c = m_model.config();
    const size_t kvDim = c.kvDim();
    std::vector<float> keys((m_position - uint32_t(end)) * kvDim);
    std::vector<float> values(keys.size());
    for (uint32_t l = 0; l < c.layers; ++l) {
        m_cache.load(l, uint32_t(end), m_position, keys.data(), values.data());
        for (uint32_t pos = uint32_t(end); pos < m_position; ++pos) {
            float *key = keys.data() + (pos - uint32_t(end)) * kvDim;
            m_rope.apply(key, c.kvHeads, -int64_t(distance));
            m_cache.store(l, pos - distance, key, values.data() + (pos - uint32_t(end)) * kvDim);
        }
    }
    m_position -= distance;
}

void LlamaContext::check(std::span<const int32_t> tokens) const
{
    if (tokens.empty()) {
        throw Error(m_model.path() + ": nothing to evaluate (no tokens)");
    }
    if (tokens.size() > m_cache.size() - m_position) {
        throw Error(m_model.path() + ": " + std::to_string(tokens.size()) + " tokens at position " + std::to_string(m_position)
                    + " do not fit into the context of " + std::to_string(m_cache.size()) + " tokens");
    }
    for (const int32_t id : tokens) {
        if (id < 0 || uint32_t(id) >= m_model.config().vocab) {
            throw Error(m_model.path() + ": token id " + std::to_string(id) + " is outside the vocabulary of "
                        + std::to_string(m_model.config().vocab) + " tokens");
        }
    }
}

std::span<const float> LlamaContext::eval(std::span<const int32_t> tokens)
{
    check(tokens);
    for (size_t done = 0; done < tokens.size(); done += m_maxBatch) {
        evalBatch(tokens.data() + done, uint32_t(std::min<size_t>(m_maxBatch, tokens.size() - done)));
    }
    return m_logits;
}

std::span<const float> LlamaContext::evalAll(std::span<const int32_t> tokens)
{
    check(tokens);
    const size_t vocab = m_model.config().vocab;
    m_allLogits.resize(tokens.size() * vocab);
    for (size_t done = 0; done < tokens.size(); done += m_maxBatch) {
        evalBatch(tokens.data() + done, uint32_t(std::min<size_t>(m_maxBatch, tokens.size() - done)), m_allLogits.data() + done * vocab);
    }
    return m_allLogits;
}

void LlamaContext::evalBatch(const int32_t *tokens, uint32_t n, float *allLogits)
{
    const LlamaConfig &c = m_model.config();
    const size_t dim = c.embedding;
    const size_t qDim = size_t(c.heads) * c.headDim;
    const size_t kvDim = c.kvDim();
    const size_t ff = c.feedForward;

    // The element-wise steps run token by token across the pool (for one token, inline).
    const auto eachToken = [&](const auto &step) {
        m_pool.parallelFor(n, [&](size_t begin, size_t end) {
            for (size_t t = begin; t < end; ++t) {
                step(t);
            }
        });
    };
    const size_t angles = m_rope.anglesSize();
    eachToken([&](size_t t) {
        m_model.tokenEmbedding().row(uint64_t(tokens[t]), m_x.data() + t * dim);
        m_rope.angles(m_position + int64_t(t), m_ropeAngles.data() + t * angles);
    });
    const auto addProjection = [&](size_t t) {
        float *x = m_x.data() + t * dim;
        const float *proj = m_proj.data() + t * dim;
        for (size_t i = 0; i < dim; ++i) {
            x[i] += proj[i];
        }
    };
    const auto normalize = [&](size_t t, const std::vector<float> &weight) {
        ops::rmsNorm(m_x.data() + t * dim, weight.data(), m_norm.data() + t * dim, dim, c.rmsEps);
    };
    const quant::VectorKernels &vector = quant::vectorKernels();

    for (uint32_t l = 0; l < c.layers; ++l) {
        const LlamaModel::Layer &layer = m_model.layers()[l];
        const auto observe = [&](const char *role, const std::vector<float> &x, size_t columns) {
            if (m_observer) {
                m_observer("blk." + std::to_string(l) + "." + role + ".weight", x.data(), n, columns);
            }
        };

        eachToken([&](size_t t) {
            normalize(t, layer.attnNorm);
        });
        const WeightMatrix::Product qkv[] = {{&layer.q, m_q.data()}, {&layer.k, m_k.data()}, {&layer.v, m_v.data()}};
        observe("attn_q", m_norm, dim);
        observe("attn_k", m_norm, dim);
        observe("attn_v", m_norm, dim);
        WeightMatrix::multiplyAll(qkv, m_norm.data(), n, m_quantized, m_pool);
        eachToken([&](size_t t) {
            m_rope.rotate(m_q.data() + t * qDim, c.heads, m_ropeAngles.data() + t * angles);
            m_rope.rotate(m_k.data() + t * kvDim, c.kvHeads, m_ropeAngles.data() + t * angles);
            m_cache.store(l, m_position + uint32_t(t), m_k.data() + t * kvDim, m_v.data() + t * kvDim);
        });
        attention(l, n);
        observe("attn_output", m_attn, qDim);
        layer.output.multiply(m_attn.data(), n, m_proj.data(), m_quantized, m_pool);
        eachToken([&](size_t t) {
            addProjection(t);
            normalize(t, layer.ffnNorm);
        });
        const WeightMatrix::Product gateUp[] = {{&layer.gate, m_gate.data()}, {&layer.up, m_up.data()}};
        observe("ffn_gate", m_norm, dim);
        observe("ffn_up", m_norm, dim);
        WeightMatrix::multiplyAll(gateUp, m_norm.data(), n, m_quantized, m_pool);
        eachToken([&](size_t t) {
            vector.swiglu(m_gate.data() + t * ff, m_up.data() + t * ff, int64_t(ff));
        });
        observe("ffn_down", m_gate, ff);
        layer.down.multiply(m_gate.data(), n, m_proj.data(), m_quantized, m_pool);
        eachToken(addProjection);
    }
    m_position += n;

    if (allLogits) {
        eachToken([&](size_t t) {
            normalize(t, m_model.outputNorm());
        });
        m_model.output().multiply(m_norm.data(), n, allLogits, m_quantized, m_pool);
        return;
    }
    // Only the last token's logits are returned, so only its output projection is computed.
    const float *last = m_x.data() + (n - 1) * dim;
    ops::rmsNorm(last, m_model.outputNorm().data(), m_norm.data(), dim, c.rmsEps);
    m_model.output().multiply(m_norm.data(), 1, m_logits.data(), m_quantized, m_pool);
}

void LlamaContext::attention(uint32_t layer, uint32_t n)
{
    const LlamaConfig &c = m_model.config();
    const uint32_t headDim = c.headDim;
    const size_t kvDim = c.kvDim();
    const size_t qDim = size_t(c.heads) * headDim;
    const uint32_t group = c.heads / c.kvHeads; // query heads sharing one KV head
    const uint32_t positions = m_position + n;
    const float scale = 1.0f / std::sqrt(float(headDim));

    // F16 and F32 caches are read in place by the type's dot product kernel. A Q8_0 cache is first decoded to
    // float, every position so far at once for all heads, so a batch reads what later single steps will read.
    const GgmlType type = m_cache.type();
    const bool inPlace = type == GgmlType::F16 || type == GgmlType::F32;
    const GgmlType rowType = inPlace ? type : GgmlType::F32;
    if (!inPlace) {
        m_pool.parallelFor(positions, [&](size_t begin, size_t end) {
            m_cache.load(layer, uint32_t(begin), uint32_t(end), m_cachedKeys.data() + begin * kvDim, m_cachedValues.data() + begin * kvDim);
        });
    }
    struct HeadRows {
        const uint8_t *keys;
        const uint8_t *values;
        size_t stride;
    };
    const auto headRows = [&](uint32_t kvHead) -> HeadRows {
        if (inPlace) {
            return {m_cache.keys(layer, kvHead), m_cache.values(layer, kvHead), m_cache.rowStride()};
        }
        const size_t first = size_t(kvHead) * headDim;
        return {reinterpret_cast<const uint8_t *>(m_cachedKeys.data() + first), reinterpret_cast<const uint8_t *>(m_cachedValues.data() + first),
                kvDim * sizeof(float)};
    };
    const TypeTraits *rowTraits = typeTraits(rowType);
    const size_t elementBytes = rowType == GgmlType::F16 ? 2 : 4;

    // llama.cpp multiplies an F16 cache in F16: the query and the attention weights are rounded to F16 on the
    // way in (the query by converting it to the cache type). Doing the same keeps the default configuration's
    // logits within 1e-3 of llama.cpp's (not rounding is more exact, but differs by up to 1e-2 on stories260K).
    const bool halfInputs = type == GgmlType::F16;
    const quant::VectorKernels &vector = quant::vectorKernels();

    // Per pool thread and kept between calls: a fresh block of this size would be page-faulted in every time.
    const auto scratchFloats = [](size_t floats) {
        thread_local std::vector<float> scratch;
        scratch.resize(std::max(scratch.size(), floats));
        return scratch.data();
    };

    // A prefill batch: one item per few tokens and KV head, whose queries all read each key and value once.
    if (n > 1 && halfInputs && vector.attendBatchF16 && headDim % 8 == 0) {
        const uint32_t batch = quant::attendBatchTokens(group);
        const size_t blocks = (n + batch - 1) / batch;
        const size_t headsBytes = size_t(group) * headDim * elementBytes;
        m_pool.parallelFor(blocks * c.kvHeads, [&](size_t begin, size_t end) {
            std::vector<uint8_t> q(batch * headsBytes);
            for (size_t item = begin; item < end; ++item) {
                const uint32_t first = uint32_t(item / c.kvHeads) * batch;
                const uint32_t tokens = std::min(batch, n - first);
                const uint32_t kvHead = uint32_t(item % c.kvHeads);
                const HeadRows rows = headRows(kvHead);
                const size_t firstHead = size_t(kvHead) * group;
                for (uint32_t i = 0; i < tokens; ++i) {
                    rowTraits->quantizeRow(m_q.data() + (first + i) * qDim + firstHead * headDim, q.data() + i * headsBytes, int64_t(group) * headDim);
                }
                const uint32_t visible = m_position + first + 1;
                float *scratch = scratchFloats(quant::attendBatchScratchFloats(visible + tokens - 1, headDim, tokens * group));
                vector.attendBatchF16(q.data(), tokens, group, rows.keys, rows.values, rows.stride, visible, headDim, scale, scratch,
                                      m_attn.data() + first * qDim + firstHead * headDim, qDim);
            }
        }, 1);
        return;
    }

    // One item per token and KV head: the query heads of a group read the same rows.
    m_pool.parallelFor(size_t(n) * c.kvHeads, [&](size_t begin, size_t end) {
        std::vector<uint8_t> q(size_t(group) * headDim * elementBytes);
        for (size_t item = begin; item < end; ++item) {
            const size_t t = item / c.kvHeads;
            const uint32_t kvHead = uint32_t(item % c.kvHeads);
            const HeadRows rows = headRows(kvHead);
            const size_t firstHead = size_t(kvHead) * group;
            rowTraits->quantizeRow(m_q.data() + t * qDim + firstHead * headDim, q.data(), int64_t(group) * headDim);
            // Causal: token t sees the cached positions and the batch up to itself.
            const uint32_t visible = m_position + uint32_t(t) + 1;
            float *out = m_attn.data() + t * qDim + firstHead * headDim;
            if (halfInputs && vector.attendF16 && headDim % 8 == 0) {
                vector.attendF16(q.data(), group, rows.keys, rows.values, rows.stride, visible, headDim, scale,
                                 scratchFloats(quant::attendScratchFloats(visible, headDim, group)), out);
                continue;
            }
            float *scores = scratchFloats(visible);
            for (uint32_t h = 0; h < group; ++h, out += headDim) {
                const uint8_t *query = q.data() + size_t(h) * headDim * elementBytes;
                for (uint32_t p = 0; p < visible; ++p) {
                    scores[p] = rowTraits->vecDot(headDim, query, rows.keys + p * rows.stride) * scale;
                }
                ops::softmax(scores, visible);
                std::fill(out, out + headDim, 0.0f);
                for (uint32_t p = 0; p < visible; ++p) {
                    const uint8_t *value = rows.values + p * rows.stride;
                    if (halfInputs) {
                        vector.addScaledF16(out, value, halfToFloat(floatToHalf(scores[p])), headDim);
                    } else {
                        ops::addScaled(out, reinterpret_cast<const float *>(value), scores[p], headDim);
                    }
                }
            }
        }
    }, 1);
}

} // namespace hearth
