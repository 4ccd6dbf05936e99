// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "quant/GgmlType.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hearth
{

// The hyperparameters of a Llama model.
struct SyntheticShape {
    std::string_view name;
    uint32_t embedding;
    uint32_t layers;
    uint32_t heads;
    uint32_t kvHeads;
    uint32_t feedForward;
    uint32_t vocab;
    uint32_t context;
    float ropeBase;
    float rmsEps;
};

// How the 2-D weights are stored: one type for all ("pure", like llama-quantize --pure) or llama.cpp's
// Q4_K_M mix. 1-D norm weights are always F32.
struct SyntheticFormat {
    std::string_view name;
    GgmlType type;
    bool q4kmMix;
    std::optional<uint32_t> fileType; // general.file_type (llama_ftype) where one describes the format
};

// A random-weight Llama model in GGUF, for benchmarks and tests at real model sizes without downloading
// one: Gaussian weights (std 0.02, norms near 1) from a seeded generator, so a (shape, format, seed) always
// gives the same file, and a minimal SentencePiece vocabulary (<unk> <s> </s>, the 256 byte tokens, then
// filler pieces) that the tokenizer loads.
class SyntheticModel
{
public:
    struct Tensor {
        std::string name;
        GgmlType type;
        std::vector<uint64_t> shape; // ne, innermost first
    };

    // Throws hearth::Error for a shape the format cannot store (a row length that is not a multiple of the
    // type's block size, heads that do not divide the width).
    SyntheticModel(const SyntheticShape &shape, const SyntheticFormat &format, uint64_t seed = 1);

    // "tinyllama-1.1b" (TinyLlama-1.1B's exact shape), "tiny" (256 wide, 2 layers: fast tests).
    static std::span<const SyntheticShape> shapes();
    static const SyntheticShape *findShape(std::string_view name); // nullptr when unknown
    // F32 F16 BF16 Q8_0 Q4_0 Q8_K Q4_K Q5_K Q6_K Q4_K_M (case-insensitive lookup).
    static std::span<const SyntheticFormat> formats();
    static const SyntheticFormat *findFormat(std::string_view name);

    const std::vector<Tensor> &tensors() const
    {
        return m_tensors;
    }
    uint64_t parameterCount() const;

    // Writes the model, tensor by tensor (at most one tensor in memory), quantizing rows on `threads`
    // threads. The result does not depend on the thread count. Throws hearth::Error "PATH: problem".
    void write(const std::string &path, unsigned threads = 2) const;

private:
    GgmlType weightType(std::string_view role, uint32_t layer) const;

    SyntheticShape m_shape;
    SyntheticFormat m_format;
    uint64_t m_seed;
    std::vector<Tensor> m_tensors;
};

} // namespace hearth
