// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "model/LlamaConfig.h"
#include "model/WeightMatrix.h"

#include <memory>
#include <string>
#include <vector>

namespace hearth
{

class GgufFile;
class Tokenizer;

// A Llama-architecture model loaded from GGUF: configuration, tokenizer and weights. The weight matrices
// are used in place from the file's read-only mapping; only the small norm vectors are decoded to floats.
// Immutable after load(), so any number of LlamaContexts may share it.
class LlamaModel
{
public:
    struct Layer {
        std::vector<float> attnNorm;
        WeightMatrix q, k, v, output;
        std::vector<float> ffnNorm;
        WeightMatrix gate, up, down;
    };

    // Throws hearth::Error "PATH: problem" for an unreadable file, missing or inconsistent metadata, missing
    // tensors, tensors whose shape does not match the configuration and types the engine cannot compute with.
    static std::unique_ptr<LlamaModel> load(const std::string &path);
    ~LlamaModel();
    LlamaModel(const LlamaModel &) = delete;
    LlamaModel &operator=(const LlamaModel &) = delete;

    const std::string &path() const;
    const GgufFile &file() const
    {
        return *m_file;
    }
    const LlamaConfig &config() const
    {
        return m_config;
    }
    const Tokenizer &tokenizer() const
    {
        return *m_tokenizer;
    }

    const WeightMatrix &tokenEmbedding() const
    {
        return m_tokenEmbedding;
    }
    const std::vector<Layer> &layers() const
    {
        return m_layers;
    }
    const std::vector<float> &outputNorm() const
    {
        return m_outputNorm;
    }
    // output.weight, or token_embd.weight when the model ties them.
    const WeightMatrix &output() const
    {
        return m_output;
    }
    // Divisors of the RoPE frequencies (rope_freqs.weight), empty when the model has none.
    const std::vector<float> &ropeFreqFactors() const
    {
        return m_ropeFreqFactors;
    }

private:
    explicit LlamaModel(std::unique_ptr<GgufFile> file);
    WeightMatrix matrix(const std::string &name, uint64_t cols, uint64_t rows) const;
    std::vector<float> vector(const std::string &name, uint64_t length) const;

    std::unique_ptr<GgufFile> m_file;
    LlamaConfig m_config;
    std::unique_ptr<Tokenizer> m_tokenizer;
    WeightMatrix m_tokenEmbedding;
    std::vector<Layer> m_layers;
    std::vector<float> m_outputNorm;
    WeightMatrix m_output;
    std::vector<float> m_ropeFreqFactors;
};

} // namespace hearth
