// SPDX-License-Identifier: GPL-3.0-or-later
#include "model/LlamaModel.h"

#include "gguf/GgufFile.h"
#include "quant/TypeTraits.h"
#include "tokenizer/Tokenizer.h"
#include "util/Error.h"

#include <cmath>

namespace hearth
{

namespace
{
std::string shapeText(const GgufTensorInfo &t)
{
    std::string s = "[";
    for (uint32_t i = 0; i < t.nDims; ++i) {
        s += (i ? ", " : "") + std::to_string(t.ne[i]);
    }
    return s + "]";
}

void requireShape(const GgufTensorInfo &t, const std::string &path, uint64_t ne0, uint64_t ne1)
{
    const bool matches = ne1 == 0 ? t.nDims == 1 && t.ne[0] == ne0 : t.nDims == 2 && t.ne[0] == ne0 && t.ne[1] == ne1;
    if (!matches) {
        const std::string expected = ne1 == 0 ? "[" + std::to_string(ne0) + "]" : "[" + std::to_string(ne0) + ", " + std::to_string(ne1) + "]";
        throw Error(path + ": tensor '" + t.name + "' has shape " + shapeText(t) + ", expected " + expected);
    }
}

// A NaN or Inf weight turns every later activation into NaN without an error. Tensors up to this many elements
// are checked on load: all of a small model, the small tensors of a large one (checking every weight of a
// multi-gigabyte model would read the whole file before the first reply).
constexpr uint64_t finiteCheckLimit = uint64_t(1) << 20;

void requireFinite(const GgufTensorInfo &t, const std::string &path)
{
    const TypeTraits *traits = typeTraits(t.type);
    if (t.elementCount() > finiteCheckLimit || !traits || !traits->toFloat) {
        return; // types the engine cannot compute with are reported by WeightMatrix
    }
    std::vector<float> row(t.rowLength());
    const uint64_t rowBytes = t.nbytes / t.rowCount();
    for (uint64_t r = 0; r < t.rowCount(); ++r) {
        traits->toFloat(t.data + r * rowBytes, row.data(), int64_t(row.size()));
        for (const float v : row) {
            if (!std::isfinite(v)) {
                throw Error(path + ": tensor '" + t.name + "' contains a value that is not a finite number (row " + std::to_string(r) + ")");
            }
        }
    }
}
}

std::unique_ptr<LlamaModel> LlamaModel::load(const std::string &path)
{
    return std::unique_ptr<LlamaModel>(new LlamaModel(GgufFile::open(path)));
}

LlamaModel::~LlamaModel() = default;

const std::string &LlamaModel::path() const
{
    return m_file->path();
}

WeightMatrix LlamaModel::matrix(const std::string &name, uint64_t cols, uint64_t rows) const
{
    const GgufTensorInfo &t = m_file->requireTensor(name);
    requireShape(t, path(), cols, rows);
    WeightMatrix matrix(t, path());
    requireFinite(t, path());
    return matrix;
}

std::vector<float> LlamaModel::vector(const std::string &name, uint64_t length) const
{
    const GgufTensorInfo &t = m_file->requireTensor(name);
    requireShape(t, path(), length, 0);
    const TypeTraits *traits = typeTraits(t.type);
    if (!traits || !traits->toFloat) {
        throw Error(path() + ": tensor '" + name + "' has type " + std::string(ggmlTypeName(t.type)) + ", which this engine cannot read");
    }
    // Decoded rather than used in place: they are tiny, and this works for any stored type and alignment.
    std::vector<float> values(length);
    traits->toFloat(t.data, values.data(), int64_t(length));
    for (float v : values) {
        if (!std::isfinite(v)) {
            throw Error(path() + ": tensor '" + name + "' contains a value that is not a finite number");
        }
    }
    return values;
}

LlamaModel::LlamaModel(std::unique_ptr<GgufFile> file)
    : m_file(std::move(file))
    , m_config(LlamaConfig::fromGguf(*m_file))
    , m_tokenizer(Tokenizer::fromGguf(*m_file))
{
    const LlamaConfig &c = m_config;
    if (uint32_t(m_tokenizer->vocabSize()) != c.vocab) {
        throw Error(path() + ": the vocabulary has " + std::to_string(m_tokenizer->vocabSize()) + " tokens but token_embd.weight has "
                    + std::to_string(c.vocab) + " rows");
    }
    m_tokenEmbedding = matrix("token_embd.weight", c.embedding, c.vocab);
    m_outputNorm = vector("output_norm.weight", c.embedding);
    // Models with tied embeddings reuse the input embedding as the output projection.
    m_output = m_file->findTensor("output.weight") ? matrix("output.weight", c.embedding, c.vocab) : m_tokenEmbedding;
    if (m_file->findTensor("rope_freqs.weight")) {
        m_ropeFreqFactors = vector("rope_freqs.weight", c.ropeDim / 2);
    }

    m_layers.reserve(c.layers);
    for (uint32_t i = 0; i < c.layers; ++i) {
        const std::string p = "blk." + std::to_string(i) + ".";
        Layer layer;
        layer.attnNorm = vector(p + "attn_norm.weight", c.embedding);
        layer.q = matrix(p + "attn_q.weight", c.embedding, uint64_t(c.heads) * c.headDim);
        layer.k = matrix(p + "attn_k.weight", c.embedding, c.kvDim());
        layer.v = matrix(p + "attn_v.weight", c.embedding, c.kvDim());
        layer.output = matrix(p + "attn_output.weight", uint64_t(c.heads) * c.headDim, c.embedding);
        layer.ffnNorm = vector(p + "ffn_norm.weight", c.embedding);
        layer.gate = matrix(p + "ffn_gate.weight", c.embedding, c.feedForward);
        layer.up = matrix(p + "ffn_up.weight", c.embedding, c.feedForward);
        layer.down = matrix(p + "ffn_down.weight", c.feedForward, c.embedding);
        m_layers.push_back(std::move(layer));
    }
}

} // namespace hearth
