// SPDX-License-Identifier: GPL-3.0-or-later
#include "model/LlamaConfig.h"

#include "gguf/GgufFile.h"
#include "util/Error.h"

#include <cmath>
#include <string>

namespace hearth
{

namespace
{
// Far above any real model, low enough that every product the engine forms of these fits its integer types.
constexpr uint64_t maxDimension = uint64_t(1) << 20;
constexpr uint64_t maxContext = uint64_t(1) << 24;

uint32_t requireCount(const GgufFile &file, const char *key, uint64_t limit)
{
    const uint64_t value = file.requireUInt(key);
    if (value == 0 || value > limit) {
        throw Error(file.path() + ": " + key + " is " + std::to_string(value) + ", expected 1 to " + std::to_string(limit));
    }
    return uint32_t(value);
}

[[noreturn]] void fail(const GgufFile &file, const std::string &problem)
{
    throw Error(file.path() + ": " + problem);
}
}

LlamaConfig LlamaConfig::fromGguf(const GgufFile &file)
{
    const std::string &arch = file.requireString("general.architecture");
    if (arch != "llama") {
        fail(file, "general.architecture is '" + arch + "', only 'llama' is supported");
    }

    LlamaConfig c;
    c.contextLength = requireCount(file, "llama.context_length", maxContext);
    c.embedding = requireCount(file, "llama.embedding_length", maxDimension);
    c.layers = requireCount(file, "llama.block_count", 4096);
    c.feedForward = requireCount(file, "llama.feed_forward_length", maxDimension);
    c.heads = requireCount(file, "llama.attention.head_count", maxDimension);
    if (file.find("llama.attention.head_count_kv")) {
        c.kvHeads = requireCount(file, "llama.attention.head_count_kv", maxDimension);
    } else {
        c.kvHeads = c.heads; // multi-head attention, as llama.cpp assumes when the key is absent
    }
    if (c.embedding % c.heads != 0) {
        fail(file, "llama.attention.head_count (" + std::to_string(c.heads) + ") does not divide llama.embedding_length ("
                 + std::to_string(c.embedding) + ")");
    }
    if (c.heads % c.kvHeads != 0) {
        fail(file, "llama.attention.head_count_kv (" + std::to_string(c.kvHeads) + ") does not divide llama.attention.head_count ("
                 + std::to_string(c.heads) + ")");
    }
    c.headDim = c.embedding / c.heads;
    const uint64_t ropeDim = file.getUInt("llama.rope.dimension_count", c.headDim);
    if (ropeDim == 0 || ropeDim > c.headDim || ropeDim % 2 != 0) {
        fail(file, "llama.rope.dimension_count is " + std::to_string(ropeDim) + ", expected an even number from 2 to the head size "
                 + std::to_string(c.headDim));
    }
    c.ropeDim = uint32_t(ropeDim);

    const double base = file.getFloat("llama.rope.freq_base", 10000.0);
    if (!std::isfinite(base) || base <= 1.0) {
        fail(file, "llama.rope.freq_base is " + std::to_string(base) + ", expected a number above 1");
    }
    c.ropeBase = float(base);
    const double eps = file.requireFloat("llama.attention.layer_norm_rms_epsilon");
    if (!std::isfinite(eps) || eps < 0.0 || eps > 1.0) {
        fail(file, "llama.attention.layer_norm_rms_epsilon is " + std::to_string(eps) + ", expected 0 to 1");
    }
    c.rmsEps = float(eps);

    // Linear scaling stretches positions (freq_scale = 1/factor). Other context extension schemes change RoPE
    // in ways not implemented here; running such a model with plain RoPE would give wrong output.
    const std::string scaling = file.getString("llama.rope.scaling.type", "none");
    if (scaling == "linear") {
        const double factor = file.getFloat("llama.rope.scaling.factor", 1.0);
        if (!std::isfinite(factor) || factor < 1.0) {
            fail(file, "llama.rope.scaling.factor is " + std::to_string(factor) + ", expected a number >= 1");
        }
        c.ropeFreqScale = float(1.0 / factor);
    } else if (scaling != "none") {
        fail(file, "llama.rope.scaling.type '" + scaling + "' is not supported (only 'none' and 'linear')");
    }

    const GgufTensorInfo &embd = file.requireTensor("token_embd.weight");
    if (embd.nDims != 2) {
        fail(file, "tensor 'token_embd.weight' has " + std::to_string(embd.nDims) + " dimensions, expected 2");
    }
    if (embd.ne[1] > uint64_t(1) << 31) {
        fail(file, "tensor 'token_embd.weight' has " + std::to_string(embd.ne[1]) + " rows, too many for a vocabulary");
    }
    c.vocab = uint32_t(embd.ne[1]);
    if (file.find("llama.vocab_size") && file.requireUInt("llama.vocab_size") != c.vocab) {
        fail(file, "llama.vocab_size (" + std::to_string(file.requireUInt("llama.vocab_size"))
                 + ") differs from the rows of token_embd.weight (" + std::to_string(c.vocab) + ")");
    }
    return c;
}

} // namespace hearth
