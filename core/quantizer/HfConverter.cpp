// SPDX-License-Identifier: GPL-3.0-or-later
#include "quantizer/HfConverter.h"

#include "quant/TypeTraits.h"
#include "quantizer/QuantSource.h"
#include "quantizer/SafetensorsReader.h"
#include "quantizer/SentencePieceModel.h"
#include "util/Error.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

namespace hearth
{

namespace
{
namespace fs = std::filesystem;

// GGUF token types (SentencePiece's numbering).
constexpr int32_t kTokenNormal = 1;
constexpr int32_t kTokenControl = 3;
constexpr int32_t kTokenUserDefined = 4;
constexpr int32_t kTokenUnused = 5;

std::string join(const std::string &folder, const char *file)
{
    return (fs::path(folder) / file).string();
}

std::optional<QJsonObject> readJsonObject(const std::string &path, bool required)
{
    QFile file(QString::fromStdString(path));
    if (!file.exists() && !required) {
        return std::nullopt;
    }
    if (!file.open(QIODevice::ReadOnly)) {
        throw Error(path + ": cannot open: " + file.errorString().toStdString());
    }
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &error);
    if (!document.isObject()) {
        throw Error(path + ": malformed JSON: " + error.errorString().toStdString());
    }
    return document.object();
}

uint32_t requireCount(const QJsonObject &config, const char *key, const std::string &path)
{
    const double v = config.value(QLatin1String(key)).toDouble(-1);
    if (!(v >= 1 && v < 4294967296.0) || v != double(uint64_t(v))) {
        throw Error(path + ": '" + key + "' is missing or not a positive integer");
    }
    return uint32_t(v);
}

// A special token in tokenizer_config.json: "<s>" or {"content": "<s>", ...}.
std::string tokenText(const QJsonValue &value)
{
    return (value.isObject() ? value.toObject().value(QStringLiteral("content")) : value).toString().toStdString();
}

struct Vocabulary {
    std::vector<std::string> tokens;
    std::vector<float> scores; // empty for BPE
    std::vector<int32_t> types;
    std::vector<std::string> merges;
    std::string model; // "llama" or "gpt2"
    std::string pre;
    std::optional<int32_t> unk, bos, eos, pad;
    std::optional<bool> addSpacePrefix;
};

Vocabulary sentencePieceVocabulary(const std::string &path)
{
    const SentencePieceModel spm = SentencePieceModel::load(path);
    Vocabulary v;
    v.model = "llama";
    v.tokens = spm.pieces;
    v.scores = spm.scores;
    v.types = spm.types;
    const auto id = [&](int32_t value) -> std::optional<int32_t> {
        return value >= 0 && size_t(value) < spm.pieces.size() ? std::optional(value) : std::nullopt;
    };
    v.unk = id(spm.unkId);
    v.bos = id(spm.bosId);
    v.eos = id(spm.eosId);
    v.pad = id(spm.padId);
    v.addSpacePrefix = spm.addDummyPrefix;
    return v;
}

// A token id in tokenizer.json: a whole number below 2^31, else -1 (then refused: the ids are not 0 to N-1).
// Checked before the conversion: a double outside int64_t's range does not convert (found by fuzzing).
int64_t tokenId(const QJsonValue &value)
{
    const double id = value.toDouble(-1);
    return id >= 0 && id < 2147483648.0 && id == std::floor(id) ? int64_t(id) : -1;
}

// The Llama 3 pre-tokenizer expression, as tokenizer.json spells it (llama.cpp's "llama-bpe").
constexpr std::string_view kLlama3Split = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}";

Vocabulary bpeVocabulary(const std::string &path)
{
    const QJsonObject root = *readJsonObject(path, true);
    const QJsonObject model = root.value(QStringLiteral("model")).toObject();
    if (model.value(QStringLiteral("type")).toString() != QStringLiteral("BPE")) {
        throw Error(path + ": tokenizer model '" + model.value(QStringLiteral("type")).toString().toStdString() + "' is not supported (only BPE)");
    }
    Vocabulary v;
    v.model = "gpt2";
    std::map<int64_t, std::string> byId;
    const QJsonObject vocab = model.value(QStringLiteral("vocab")).toObject();
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
        byId[tokenId(it.value())] = it.key().toStdString();
    }
    std::map<int64_t, bool> added; // id -> special
    for (const QJsonValue token : root.value(QStringLiteral("added_tokens")).toArray()) {
        const QJsonObject o = token.toObject();
        const int64_t id = tokenId(o.value(QStringLiteral("id")));
        byId[id] = o.value(QStringLiteral("content")).toString().toStdString();
        added[id] = o.value(QStringLiteral("special")).toBool();
    }
    if (byId.empty() || byId.begin()->first != 0 || byId.rbegin()->first != int64_t(byId.size()) - 1) {
        throw Error(path + ": token ids are not 0 to N-1");
    }
    for (const auto &[id, text] : byId) {
        v.tokens.push_back(text);
        const auto it = added.find(id);
        v.types.push_back(it == added.end() ? kTokenNormal : (it->second ? kTokenControl : kTokenUserDefined));
    }
    for (const QJsonValue merge : model.value(QStringLiteral("merges")).toArray()) {
        if (merge.isArray()) { // newer tokenizers: ["a", "b"]
            const QJsonArray pair = merge.toArray();
            v.merges.push_back(pair.at(0).toString().toStdString() + " " + pair.at(1).toString().toStdString());
        } else {
            v.merges.push_back(merge.toString().toStdString());
        }
    }
    const QJsonObject preTokenizer = root.value(QStringLiteral("pre_tokenizer")).toObject();
    const QByteArray pre = QJsonDocument(preTokenizer).toJson(QJsonDocument::Compact);
    if (pre.contains(QByteArray(kLlama3Split.data(), qsizetype(kLlama3Split.size())))) {
        v.pre = "llama-bpe";
    } else if (preTokenizer.value(QStringLiteral("type")).toString() == QStringLiteral("ByteLevel")
               && preTokenizer.value(QStringLiteral("use_regex")).toBool(true)) {
        v.pre = "gpt-2"; // ByteLevel alone splits with GPT-2's own expression
    } else {
        v.pre = "default";
    }
    return v;
}

void padVocabulary(Vocabulary &v, uint32_t vocabSize)
{
    for (uint32_t i = 0; v.tokens.size() < vocabSize; ++i) {
        v.tokens.push_back("[PAD" + std::to_string(i) + "]");
        if (!v.scores.empty()) {
            v.scores.push_back(-1000.0f);
        }
        v.types.push_back(kTokenUnused);
    }
}

// Special token ids from tokenizer_config.json (by their text) and config.json (by id).
void applySpecialTokens(Vocabulary &v, const QJsonObject &tokenizerConfig, const QJsonObject &config)
{
    std::map<std::string, int32_t> idOf;
    for (size_t i = 0; i < v.tokens.size(); ++i) {
        idOf.emplace(v.tokens[i], int32_t(i));
    }
    const auto resolve = [&](std::optional<int32_t> &slot, const char *tokenKey, const char *idKey) {
        if (const std::string text = tokenText(tokenizerConfig.value(QLatin1String(tokenKey))); !text.empty()) {
            if (const auto it = idOf.find(text); it != idOf.end()) {
                slot = it->second;
                return;
            }
        }
        const double id = config.value(QLatin1String(idKey)).toDouble(-1);
        if (!slot && id >= 0 && id < double(v.tokens.size())) {
            slot = int32_t(id);
        }
    };
    resolve(v.bos, "bos_token", "bos_token_id");
    resolve(v.eos, "eos_token", "eos_token_id");
    resolve(v.unk, "unk_token", "unk_token_id");
    resolve(v.pad, "pad_token", "pad_token_id");
}
}

uint64_t HfConverter::hfRowForGgufRow(uint64_t r, uint64_t rows, uint32_t heads)
{
    // Hugging Face keeps each head's rotated pairs half a head apart (i, i + d/2); GGUF keeps them adjacent.
    const uint64_t headDim = rows / heads;
    const uint64_t head = r / headDim;
    const uint64_t k = r % headDim;
    return head * headDim + (k % 2) * (headDim / 2) + k / 2;
}

uint64_t HfConverter::ggufRowForHfRow(uint64_t r, uint64_t rows, uint32_t heads)
{
    const uint64_t headDim = rows / heads;
    const uint64_t head = r / headDim;
    const uint64_t k = r % headDim;
    return head * headDim + (k % (headDim / 2)) * 2 + k / (headDim / 2);
}

HfConverter::Metadata HfConverter::tokenizerMetadata(const std::string &folder, uint32_t vocabSize)
{
    const std::string spmPath = join(folder, "tokenizer.model");
    const std::string jsonPath = join(folder, "tokenizer.json");
    Vocabulary v;
    if (fs::exists(spmPath)) {
        v = sentencePieceVocabulary(spmPath);
    } else if (fs::exists(jsonPath)) {
        v = bpeVocabulary(jsonPath);
    } else {
        throw Error(folder + ": no tokenizer.model or tokenizer.json");
    }
    const QJsonObject tokenizerConfig = readJsonObject(join(folder, "tokenizer_config.json"), false).value_or(QJsonObject{});
    const QJsonObject config = readJsonObject(join(folder, "config.json"), false).value_or(QJsonObject{});
    padVocabulary(v, vocabSize);
    applySpecialTokens(v, tokenizerConfig, config);

    Metadata m;
    m.emplace_back("tokenizer.ggml.model", GgufValue::string(v.model));
    if (!v.pre.empty()) {
        m.emplace_back("tokenizer.ggml.pre", GgufValue::string(v.pre));
    }
    m.emplace_back("tokenizer.ggml.tokens", GgufValue::stringArray(v.tokens));
    if (!v.scores.empty()) {
        m.emplace_back("tokenizer.ggml.scores", GgufValue::float32Array(v.scores));
    }
    m.emplace_back("tokenizer.ggml.token_type", GgufValue::int32Array(v.types));
    if (!v.merges.empty()) {
        m.emplace_back("tokenizer.ggml.merges", GgufValue::stringArray(v.merges));
    }
    const auto id = [&](const char *key, const std::optional<int32_t> &value) {
        if (value) {
            m.emplace_back(key, GgufValue::uint32(uint32_t(*value)));
        }
    };
    id("tokenizer.ggml.bos_token_id", v.bos);
    id("tokenizer.ggml.eos_token_id", v.eos);
    id("tokenizer.ggml.unknown_token_id", v.unk);
    id("tokenizer.ggml.padding_token_id", v.pad);
    const auto flag = [&](const char *key, const char *configKey, std::optional<bool> fallback) {
        const QJsonValue value = tokenizerConfig.value(QLatin1String(configKey));
        if (value.isBool()) {
            m.emplace_back(key, GgufValue::boolean(value.toBool()));
        } else if (fallback) {
            m.emplace_back(key, GgufValue::boolean(*fallback));
        }
    };
    // SentencePiece Llama tokenizers add BOS unless told otherwise.
    flag("tokenizer.ggml.add_bos_token", "add_bos_token", v.model == "llama" ? std::optional(true) : std::nullopt);
    flag("tokenizer.ggml.add_eos_token", "add_eos_token", v.model == "llama" ? std::optional(false) : std::nullopt);
    if (v.addSpacePrefix) {
        m.emplace_back("tokenizer.ggml.add_space_prefix", GgufValue::boolean(*v.addSpacePrefix));
    }
    const QJsonValue chatTemplate = tokenizerConfig.value(QStringLiteral("chat_template"));
    if (chatTemplate.isString()) {
        m.emplace_back("tokenizer.chat_template", GgufValue::string(chatTemplate.toString().toStdString()));
    } else if (chatTemplate.isArray()) { // named templates: the default one
        for (const QJsonValue t : chatTemplate.toArray()) {
            if (t.toObject().value(QStringLiteral("name")).toString() == QStringLiteral("default")) {
                m.emplace_back("tokenizer.chat_template", GgufValue::string(t.toObject().value(QStringLiteral("template")).toString().toStdString()));
            }
        }
    }
    return m;
}

namespace
{
class HfSource final : public QuantSource
{
public:
    explicit HfSource(const std::string &folder)
        : m_folder(folder)
    {
        const std::string configPath = join(folder, "config.json");
        const QJsonObject config = *readJsonObject(configPath, true);
        const QJsonArray architectures = config.value(QStringLiteral("architectures")).toArray();
        const QString modelType = config.value(QStringLiteral("model_type")).toString();
        if (modelType != QStringLiteral("llama") && !architectures.contains(QStringLiteral("LlamaForCausalLM"))) {
            throw Error(configPath + ": model type '" + modelType.toStdString() + "' is not supported (only Llama)");
        }
        const uint32_t embedding = requireCount(config, "hidden_size", configPath);
        const uint32_t layers = requireCount(config, "num_hidden_layers", configPath);
        const uint32_t heads = requireCount(config, "num_attention_heads", configPath);
        const uint32_t kvHeads = config.contains(QStringLiteral("num_key_value_heads")) ? requireCount(config, "num_key_value_heads", configPath) : heads;
        const uint32_t feedForward = requireCount(config, "intermediate_size", configPath);
        const uint32_t headDim = config.contains(QStringLiteral("head_dim")) ? requireCount(config, "head_dim", configPath) : embedding / heads;
        if (heads * headDim != embedding || heads % kvHeads != 0 || headDim % 2 != 0) {
            throw Error(configPath + ": the heads do not divide hidden_size into even head sizes");
        }

        openShards();
        mapTensors(layers, heads, kvHeads);
        const Tensor *embd = findMapped("token_embd.weight");
        if (!embd || embd->shape.size() != 2) {
            throw Error(folder + ": model.embed_tokens.weight is missing");
        }
        const auto vocab = uint32_t(embd->shape[1]);

        const auto u32 = [&](const char *key, uint32_t v) {
            m_metadata.emplace_back(key, GgufValue::uint32(v));
        };
        m_metadata.emplace_back("general.architecture", GgufValue::string("llama"));
        m_metadata.emplace_back("general.name", GgufValue::string(fs::path(folder).filename().string()));
        u32("llama.vocab_size", vocab);
        u32("llama.context_length", config.contains(QStringLiteral("max_position_embeddings"))
                ? requireCount(config, "max_position_embeddings", configPath)
                : 2048);
        u32("llama.embedding_length", embedding);
        u32("llama.block_count", layers);
        u32("llama.feed_forward_length", feedForward);
        u32("llama.rope.dimension_count", headDim);
        u32("llama.attention.head_count", heads);
        u32("llama.attention.head_count_kv", kvHeads);
        m_metadata.emplace_back("llama.attention.layer_norm_rms_epsilon",
                                GgufValue::float32(float(config.value(QStringLiteral("rms_norm_eps")).toDouble(1e-6))));
        m_metadata.emplace_back("llama.rope.freq_base", GgufValue::float32(float(config.value(QStringLiteral("rope_theta")).toDouble(10000.0))));
        const QJsonObject scaling = config.value(QStringLiteral("rope_scaling")).toObject();
        if (!scaling.isEmpty()) {
            const QString type = scaling.value(QStringLiteral("type")).toString(scaling.value(QStringLiteral("rope_type")).toString());
            if (type != QStringLiteral("linear")) {
                throw Error(configPath + ": rope_scaling type '" + type.toStdString() + "' is not supported (only linear)");
            }
            m_metadata.emplace_back("llama.rope.scaling.type", GgufValue::string("linear"));
            m_metadata.emplace_back("llama.rope.scaling.factor", GgufValue::float32(float(scaling.value(QStringLiteral("factor")).toDouble(1.0))));
        }
        for (auto &entry : HfConverter::tokenizerMetadata(folder, vocab)) {
            m_metadata.push_back(std::move(entry));
        }
    }

    std::string path() const override
    {
        return m_folder;
    }
    const std::vector<std::pair<std::string, GgufValue>> &metadata() const override
    {
        return m_metadata;
    }
    const std::vector<Tensor> &tensors() const override
    {
        return m_tensors;
    }
    void readRows(size_t index, uint64_t firstRow, uint64_t rows, float *dst) const override
    {
        const Mapping &m = m_mappings[index];
        const Tensor &t = m_tensors[index];
        const uint64_t rowBytes = t.bytes / t.rowCount();
        if (m.ropeHeads == 0) {
            decodeFloatElements(t.type, m.tensor->data + firstRow * rowBytes, dst, rows * t.rowLength());
            return;
        }
        for (uint64_t r = 0; r < rows; ++r) {
            const uint64_t source = HfConverter::hfRowForGgufRow(firstRow + r, t.rowCount(), m.ropeHeads);
            decodeFloatElements(t.type, m.tensor->data + source * rowBytes, dst + r * t.rowLength(), t.rowLength());
        }
    }
    void release(size_t index) const override
    {
        releaseMappedRange(m_mappings[index].tensor->data, m_mappings[index].tensor->bytes);
    }

private:
    struct Mapping {
        const SafetensorsReader::Tensor *tensor;
        uint32_t ropeHeads; // 0: rows in order
    };

    void openShards()
    {
        const std::string single = join(m_folder, "model.safetensors");
        const std::string indexPath = join(m_folder, "model.safetensors.index.json");
        std::set<std::string> shardNames;
        if (fs::exists(indexPath)) {
            const QJsonObject weightMap = readJsonObject(indexPath, true)->value(QStringLiteral("weight_map")).toObject();
            for (auto it = weightMap.begin(); it != weightMap.end(); ++it) {
                const std::string shard = it.value().toString().toStdString();
                if (shard.empty() || shard.find('/') != std::string::npos) {
                    throw Error(indexPath + ": invalid shard name for '" + it.key().toStdString() + "'");
                }
                shardNames.insert(shard);
            }
            if (shardNames.empty()) {
                throw Error(indexPath + ": the weight_map is empty");
            }
        } else if (fs::exists(single)) {
            shardNames.insert("model.safetensors");
        } else {
            throw Error(m_folder + ": no model.safetensors or model.safetensors.index.json");
        }
        for (const std::string &name : shardNames) {
            m_shards.push_back(std::make_unique<SafetensorsReader>((fs::path(m_folder) / name).string()));
        }
    }

    // GGUF names in the order llama.cpp writes them; every Hugging Face tensor must be one of them.
    void mapTensors(uint32_t layers, uint32_t heads, uint32_t kvHeads)
    {
        std::map<std::string, const SafetensorsReader::Tensor *> byName;
        for (const auto &shard : m_shards) {
            for (const auto &t : shard->tensors()) {
                if (t.name.ends_with(".rotary_emb.inv_freq")) {
                    continue; // recomputed from rope_theta
                }
                if (!byName.emplace(t.name, &t).second) {
                    throw Error(shard->path() + ": tensor '" + t.name + "' is also in another shard");
                }
            }
        }
        const auto take = [&](const std::string &hfName, std::string ggufName, uint32_t ropeHeads, bool required) {
            const auto it = byName.find(hfName);
            if (it == byName.end()) {
                if (required) {
                    throw Error(m_folder + ": tensor '" + hfName + "' is missing");
                }
                return;
            }
            const SafetensorsReader::Tensor &t = *it->second;
            std::vector<uint64_t> shape(t.shape.rbegin(), t.shape.rend()); // row-major -> ne, innermost first
            // Q and K are permuted by rows, so they need rows: a 1-D one was read past its shape (found by fuzzing).
            if (shape.empty() || shape.size() > 2 || (ropeHeads && (shape.size() != 2 || shape[1] % (2 * ropeHeads) != 0))) {
                throw Error(m_folder + ": tensor '" + hfName + "' has an unexpected shape");
            }
            m_tensors.push_back({std::move(ggufName), std::move(shape), t.type, t.bytes});
            m_mappings.push_back({&t, ropeHeads});
            byName.erase(it);
        };
        take("model.embed_tokens.weight", "token_embd.weight", 0, true);
        for (uint32_t l = 0; l < layers; ++l) {
            const std::string hf = "model.layers." + std::to_string(l) + ".";
            const std::string gg = "blk." + std::to_string(l) + ".";
            take(hf + "input_layernorm.weight", gg + "attn_norm.weight", 0, true);
            take(hf + "self_attn.q_proj.weight", gg + "attn_q.weight", heads, true);
            take(hf + "self_attn.k_proj.weight", gg + "attn_k.weight", kvHeads, true);
            take(hf + "self_attn.v_proj.weight", gg + "attn_v.weight", 0, true);
            take(hf + "self_attn.o_proj.weight", gg + "attn_output.weight", 0, true);
            take(hf + "post_attention_layernorm.weight", gg + "ffn_norm.weight", 0, true);
            take(hf + "mlp.gate_proj.weight", gg + "ffn_gate.weight", 0, true);
            take(hf + "mlp.up_proj.weight", gg + "ffn_up.weight", 0, true);
            take(hf + "mlp.down_proj.weight", gg + "ffn_down.weight", 0, true);
        }
        take("model.norm.weight", "output_norm.weight", 0, true);
        take("lm_head.weight", "output.weight", 0, false); // absent when tied to the embedding
        if (!byName.empty()) {
            throw Error(m_folder + ": tensor '" + byName.begin()->first + "' is not part of a Llama model");
        }
    }

    const Tensor *findMapped(const std::string &name) const
    {
        const auto it = std::find_if(m_tensors.begin(), m_tensors.end(), [&](const Tensor &t) {
            return t.name == name;
        });
        return it == m_tensors.end() ? nullptr : &*it;
    }

    std::string m_folder;
    std::vector<std::unique_ptr<SafetensorsReader>> m_shards;
    std::vector<std::pair<std::string, GgufValue>> m_metadata;
    std::vector<Tensor> m_tensors;
    std::vector<Mapping> m_mappings;
};
}

std::unique_ptr<QuantSource> HfConverter::open(const std::string &folder)
{
    return std::make_unique<HfSource>(folder);
}

} // namespace hearth
