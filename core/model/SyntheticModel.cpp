// SPDX-License-Identifier: GPL-3.0-or-later
#include "model/SyntheticModel.h"

#include "gguf/GgufWriter.h"
#include "quant/TypeTraits.h"
#include "util/Error.h"
#include "util/ThreadPool.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>

namespace hearth
{

namespace
{
constexpr std::array kShapes{
    SyntheticShape{"tinyllama-1.1b", 2048, 22, 32, 4, 5632, 32000, 2048, 10000.0f, 1e-5f},
    // Every row length a multiple of 256, so all K-quants fit; 8 heads of 32 sharing 2 KV heads (GQA).
    SyntheticShape{"tiny", 256, 2, 8, 2, 768, 1000, 512, 10000.0f, 1e-5f},
};

// file_type values are llama.cpp's llama_ftype: the pure K-quant files carry the ftype of the *_S
// variant, as llama-quantize --pure writes them; Q8_K has none.
constexpr std::array kFormats{
    SyntheticFormat{"F32", GgmlType::F32, false, 0},
    SyntheticFormat{"F16", GgmlType::F16, false, 1},
    SyntheticFormat{"BF16", GgmlType::BF16, false, 32},
    SyntheticFormat{"Q8_0", GgmlType::Q8_0, false, 7},
    SyntheticFormat{"Q4_0", GgmlType::Q4_0, false, 2},
    SyntheticFormat{"Q8_K", GgmlType::Q8_K, false, std::nullopt},
    SyntheticFormat{"Q4_K", GgmlType::Q4_K, false, 14},
    SyntheticFormat{"Q5_K", GgmlType::Q5_K, false, 16},
    SyntheticFormat{"Q6_K", GgmlType::Q6_K, false, 18},
    SyntheticFormat{"Q4_K_M", GgmlType::Q4_K, true, 15},
};

constexpr uint32_t kFirstFillerToken = 3 + 256;

bool equalsIgnoringCase(std::string_view a, std::string_view b)
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
    });
}

uint64_t splitMix64(uint64_t &state)
{
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// Standard normal quantiles at (i + 0.5) / 65536: indexing it with 16 random bits draws from a normal
// distribution (tails cut at 4.3 sigma), several times faster than Box-Muller - generating a 1.1B model
// needs 10^9 draws.
const std::array<float, 65536> &normalTable()
{
    static const auto table = [] {
        std::array<float, 65536> t{};
        for (size_t i = 0; i < t.size(); ++i) {
            const double p = (double(i) + 0.5) / double(t.size());
            double lo = -10.0;
            double hi = 10.0;
            for (int step = 0; step < 60; ++step) { // bisection on the CDF: exact to float precision
                const double mid = 0.5 * (lo + hi);
                (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
            }
            t[i] = float(0.5 * (lo + hi));
        }
        return t;
    }();
    return table;
}

// Fills a row with mean + std * N(0, 1), from a generator seeded by (model seed, tensor, row) so the
// values do not depend on which thread makes the row.
void gaussianRow(uint64_t seed, size_t tensor, uint64_t row, float mean, float stddev, std::span<float> out)
{
    const auto &table = normalTable();
    uint64_t state = seed ^ (uint64_t(tensor) << 40) ^ (row * 0xD1B54A32D192ED03ull);
    splitMix64(state);
    for (size_t i = 0; i < out.size(); i += 4) {
        uint64_t bits = splitMix64(state);
        for (size_t j = i; j < std::min(i + 4, out.size()); ++j, bits >>= 16) {
            out[j] = mean + stddev * table[bits & 0xFFFF];
        }
    }
}

// Bijective base 26: 0 -> "a", 25 -> "z", 26 -> "aa", ...
std::string fillerWord(uint32_t n)
{
    std::string word;
    for (uint64_t v = uint64_t(n) + 1; v > 0; v = (v - 1) / 26) {
        word.insert(word.begin(), char('a' + (v - 1) % 26));
    }
    return word;
}

// Minimal SentencePiece vocabulary: ids 0-2 are <unk> <s> </s> (SentencePiece's defaults), then the byte
// fallback tokens and filler pieces, every other one a word start ("\u2581" + word).
void setVocabulary(GgufWriter &writer, uint32_t size)
{
    std::vector<std::string> tokens{"<unk>", "<s>", "</s>"};
    std::vector<float> scores(3, 0.0f);
    std::vector<int32_t> types{2, 3, 3}; // unknown, control, control
    for (int byte = 0; byte < 256; ++byte) {
        char piece[8];
        std::snprintf(piece, sizeof piece, "<0x%02X>", byte);
        tokens.emplace_back(piece);
        scores.push_back(0.0f);
        types.push_back(6); // byte
    }
    for (uint32_t id = kFirstFillerToken; id < size; ++id) {
        const uint32_t n = id - kFirstFillerToken;
        tokens.push_back((n % 2 == 0 ? std::string("\xE2\x96\x81") : std::string()) + fillerWord(n / 2));
        scores.push_back(-float(n)); // earlier (shorter) pieces merge first
        types.push_back(1); // normal
    }
    writer.set("tokenizer.ggml.model", GgufValue::string("llama"));
    writer.set("tokenizer.ggml.tokens", GgufValue::stringArray(tokens));
    writer.set("tokenizer.ggml.scores", GgufValue::float32Array(scores));
    writer.set("tokenizer.ggml.token_type", GgufValue::int32Array(types));
    writer.set("tokenizer.ggml.unknown_token_id", GgufValue::uint32(0));
    writer.set("tokenizer.ggml.bos_token_id", GgufValue::uint32(1));
    writer.set("tokenizer.ggml.eos_token_id", GgufValue::uint32(2));
    writer.set("tokenizer.ggml.add_bos_token", GgufValue::boolean(true));
    writer.set("tokenizer.ggml.add_eos_token", GgufValue::boolean(false));
}

// llama.cpp's rule for spending more bits on some layers in the *_M mixes: the first and last eighth,
// and every third layer in between.
bool useMoreBits(uint32_t layer, uint32_t layers)
{
    const int i = int(layer);
    const int n = int(layers);
    return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}
}

std::span<const SyntheticShape> SyntheticModel::shapes()
{
    return kShapes;
}

const SyntheticShape *SyntheticModel::findShape(std::string_view name)
{
    const auto it = std::find_if(kShapes.begin(), kShapes.end(), [name](const SyntheticShape &s) {
        return equalsIgnoringCase(s.name, name);
    });
    return it == kShapes.end() ? nullptr : &*it;
}

std::span<const SyntheticFormat> SyntheticModel::formats()
{
    return kFormats;
}

const SyntheticFormat *SyntheticModel::findFormat(std::string_view name)
{
    const auto it = std::find_if(kFormats.begin(), kFormats.end(), [name](const SyntheticFormat &f) {
        return equalsIgnoringCase(f.name, name);
    });
    return it == kFormats.end() ? nullptr : &*it;
}

GgmlType SyntheticModel::weightType(std::string_view role, uint32_t layer) const
{
    if (!m_format.q4kmMix) {
        return m_format.type;
    }
    // llama.cpp's llama_tensor_get_type for LLAMA_FTYPE_MOSTLY_Q4_K_M (non-Falcon, no experts).
    if (role == "output") {
        return m_shape.embedding % 256 == 0 ? GgmlType::Q6_K : GgmlType::Q8_0;
    }
    if ((role == "attn_v" || role == "ffn_down") && useMoreBits(layer, m_shape.layers)) {
        return GgmlType::Q6_K;
    }
    return GgmlType::Q4_K;
}

SyntheticModel::SyntheticModel(const SyntheticShape &shape, const SyntheticFormat &format, uint64_t seed)
    : m_shape(shape)
    , m_format(format)
    , m_seed(seed)
{
    const std::string what = "synthetic model " + std::string(shape.name) + " " + std::string(format.name);
    if (shape.heads == 0 || shape.kvHeads == 0 || shape.embedding % shape.heads != 0 || shape.heads % shape.kvHeads != 0
        || (shape.embedding / shape.heads) % 2 != 0) {
        throw Error(what + ": the heads do not divide the width into even head sizes");
    }
    if (shape.vocab <= kFirstFillerToken) {
        throw Error(what + ": the vocabulary needs more than " + std::to_string(kFirstFillerToken) + " tokens");
    }
    const uint64_t embd = shape.embedding;
    const uint64_t kv = uint64_t(shape.embedding / shape.heads) * shape.kvHeads;
    const auto weight = [&](std::string name, std::string_view role, uint32_t layer, uint64_t in, uint64_t out) {
        const GgmlType type = weightType(role, layer);
        if (!typeTraits(type)) {
            throw Error(what + ": the engine cannot quantize to " + std::string(ggmlTypeName(type)));
        }
        const uint32_t block = ggmlTypeLayout(type).blockSize;
        if (in % block != 0) {
            throw Error(what + ": " + name + " has rows of " + std::to_string(in) + ", not a multiple of " + std::string(ggmlTypeName(type))
                        + "'s block of " + std::to_string(block));
        }
        m_tensors.push_back({std::move(name), type, {in, out}});
    };
    const auto norm = [&](std::string name) {
        m_tensors.push_back({std::move(name), GgmlType::F32, {embd}});
    };

    weight("token_embd.weight", "token_embd", 0, embd, shape.vocab);
    for (uint32_t l = 0; l < shape.layers; ++l) {
        const std::string blk = "blk." + std::to_string(l) + ".";
        norm(blk + "attn_norm.weight");
        weight(blk + "attn_q.weight", "attn_q", l, embd, embd);
        weight(blk + "attn_k.weight", "attn_k", l, embd, kv);
        weight(blk + "attn_v.weight", "attn_v", l, embd, kv);
        weight(blk + "attn_output.weight", "attn_output", l, embd, embd);
        norm(blk + "ffn_norm.weight");
        weight(blk + "ffn_gate.weight", "ffn_gate", l, embd, shape.feedForward);
        weight(blk + "ffn_up.weight", "ffn_up", l, embd, shape.feedForward);
        weight(blk + "ffn_down.weight", "ffn_down", l, shape.feedForward, embd);
    }
    norm("output_norm.weight");
    weight("output.weight", "output", 0, embd, shape.vocab);
}

uint64_t SyntheticModel::parameterCount() const
{
    uint64_t count = 0;
    for (const Tensor &t : m_tensors) {
        uint64_t n = 1;
        for (const uint64_t d : t.shape) {
            n *= d;
        }
        count += n;
    }
    return count;
}

void SyntheticModel::write(const std::string &path, unsigned threads) const
{
    GgufWriter writer;
    writer.set("general.architecture", GgufValue::string("llama"));
    writer.set("general.name", GgufValue::string("synthetic " + std::string(m_shape.name) + " " + std::string(m_format.name)));
    if (m_format.fileType) {
        writer.set("general.file_type", GgufValue::uint32(*m_format.fileType));
    }
    writer.set("llama.vocab_size", GgufValue::uint32(m_shape.vocab));
    writer.set("llama.context_length", GgufValue::uint32(m_shape.context));
    writer.set("llama.embedding_length", GgufValue::uint32(m_shape.embedding));
    writer.set("llama.block_count", GgufValue::uint32(m_shape.layers));
    writer.set("llama.feed_forward_length", GgufValue::uint32(m_shape.feedForward));
    writer.set("llama.rope.dimension_count", GgufValue::uint32(m_shape.embedding / m_shape.heads));
    writer.set("llama.attention.head_count", GgufValue::uint32(m_shape.heads));
    writer.set("llama.attention.head_count_kv", GgufValue::uint32(m_shape.kvHeads));
    writer.set("llama.attention.layer_norm_rms_epsilon", GgufValue::float32(m_shape.rmsEps));
    writer.set("llama.rope.freq_base", GgufValue::float32(m_shape.ropeBase));
    setVocabulary(writer, m_shape.vocab);
    for (const Tensor &t : m_tensors) {
        writer.addTensor(t.name, t.type, t.shape);
    }

    ThreadPool pool(std::max(1u, threads));
    std::vector<uint8_t> data;
    writer.begin(path);
    for (size_t index = 0; index < m_tensors.size(); ++index) {
        const Tensor &tensor = m_tensors[index];
        const uint64_t rowLength = tensor.shape[0];
        const uint64_t rows = tensor.shape.size() > 1 ? tensor.shape[1] : 1;
        const uint64_t rowSize = rowBytes(tensor.type, rowLength);
        const TypeTraits *traits = typeTraits(tensor.type);
        data.resize(writer.tensorBytes(index));
        // Norm weights vary around 1 rather than being exactly 1, so a forward pass that skips one differs.
        const bool isNorm = tensor.shape.size() == 1;
        const float mean = isNorm ? 1.0f : 0.0f;
        const float stddev = isNorm ? 0.1f : 0.02f;
        pool.parallelFor(rows, [&](size_t firstRow, size_t endRow) {
            std::vector<float> row(rowLength);
            for (size_t r = firstRow; r < endRow; ++r) {
                gaussianRow(m_seed, index, r, mean, stddev, row);
                traits->fromFloat(row.data(), data.data() + r * rowSize, int64_t(rowLength));
            }
        });
        writer.writeTensorData(index, data);
    }
    writer.commit();
}

} // namespace hearth
