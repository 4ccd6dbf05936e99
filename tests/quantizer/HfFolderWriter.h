// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Writes a Hugging Face Llama folder from a GGUF model: the inverse of HfConverter, written independently of
// it (names, shapes, the rotate-half row order of Q and K, safetensors, tokenizer files), so converting the
// folder back must give the original model.

#include "gguf/GgufFile.h"
#include "model/LlamaConfig.h"
#include "quant/Half.h"
#include "quant/TypeTraits.h"
#include "quantizer/SentencePieceModel.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace HfFolderWriter
{
using namespace hearth;

// HF tensor name for a GGUF one.
inline std::string hfName(const std::string &gguf)
{
    static const std::map<std::string, std::string> roles{
        {"attn_norm", "input_layernorm"}, {"attn_q", "self_attn.q_proj"}, {"attn_k", "self_attn.k_proj"},
        {"attn_v", "self_attn.v_proj"}, {"attn_output", "self_attn.o_proj"}, {"ffn_norm", "post_attention_layernorm"},
        {"ffn_gate", "mlp.gate_proj"}, {"ffn_up", "mlp.up_proj"}, {"ffn_down", "mlp.down_proj"},
    };
    if (gguf == "token_embd.weight") {
        return "model.embed_tokens.weight";
    }
    if (gguf == "output_norm.weight") {
        return "model.norm.weight";
    }
    if (gguf == "output.weight") {
        return "lm_head.weight";
    }
    const size_t first = gguf.find('.');
    const size_t second = gguf.find('.', first + 1);
    const std::string layer = gguf.substr(first + 1, second - first - 1);
    const std::string role = gguf.substr(second + 1, gguf.size() - second - 1 - 7);
    return "model.layers." + layer + "." + roles.at(role) + ".weight";
}

struct Options {
    bool f16 = false; // store F16 instead of F32
    int shards = 1; // > 1: model-0000i-of-0000n.safetensors and an index
};

inline bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

// tokenizer.json and tokenizer_config.json of a GGUF BPE vocabulary: normal tokens in model.vocab, the others in
// added_tokens (control ones special), merges as "a b" strings, the ByteLevel pre-tokenizer GPT-2 uses.
inline bool writeBpeTokenizer(const GgufFile &gguf, const QString &folder)
{
    const std::vector<std::string> tokens = gguf.require("tokenizer.ggml.tokens").toStringList();
    const std::vector<int32_t> types = gguf.require("tokenizer.ggml.token_type").toInt32List();
    QJsonObject vocab;
    QJsonArray added;
    for (size_t i = 0; i < tokens.size(); ++i) {
        const QString text = QString::fromStdString(tokens[i]);
        if (types[i] == 1) {
            vocab.insert(text, qint64(i));
        } else {
            added.append(QJsonObject{{QStringLiteral("id"), qint64(i)}, {QStringLiteral("content"), text}, {QStringLiteral("special"), types[i] == 3}});
        }
    }
    QJsonArray merges;
    for (const std::string &merge : gguf.require("tokenizer.ggml.merges").toStringList()) {
        merges.append(QString::fromStdString(merge));
    }
    const QJsonObject json{
        {QStringLiteral("version"), QStringLiteral("1.0")},
        {QStringLiteral("added_tokens"), added},
        {QStringLiteral("pre_tokenizer"),
         QJsonObject{{QStringLiteral("type"), QStringLiteral("ByteLevel")}, {QStringLiteral("add_prefix_space"), false}, {QStringLiteral("use_regex"), true}}},
        {QStringLiteral("model"), QJsonObject{{QStringLiteral("type"), QStringLiteral("BPE")}, {QStringLiteral("vocab"), vocab}, {QStringLiteral("merges"), merges}}},
    };
    QDir().mkpath(folder);
    const QString eos = QString::fromStdString(tokens.at(gguf.requireUInt("tokenizer.ggml.eos_token_id")));
    const QJsonObject tokenizerConfig{{QStringLiteral("bos_token"), QString::fromStdString(tokens.at(gguf.requireUInt("tokenizer.ggml.bos_token_id")))},
                                      {QStringLiteral("eos_token"), eos}};
    return writeFile(folder + QStringLiteral("/tokenizer.json"), QJsonDocument(json).toJson(QJsonDocument::Compact))
        && writeFile(folder + QStringLiteral("/tokenizer_config.json"), QJsonDocument(tokenizerConfig).toJson());
}

// Returns false when a file cannot be written.
inline bool write(const GgufFile &gguf, const QString &folder, const Options &options)
{
    const LlamaConfig config = LlamaConfig::fromGguf(gguf);
    QDir().mkpath(folder);

    QJsonObject json{
        {QStringLiteral("architectures"), QJsonArray{QStringLiteral("LlamaForCausalLM")}},
        {QStringLiteral("model_type"), QStringLiteral("llama")},
        {QStringLiteral("hidden_size"), int(config.embedding)},
        {QStringLiteral("intermediate_size"), int(config.feedForward)},
        {QStringLiteral("num_hidden_layers"), int(config.layers)},
        {QStringLiteral("num_attention_heads"), int(config.heads)},
        {QStringLiteral("num_key_value_heads"), int(config.kvHeads)},
        {QStringLiteral("max_position_embeddings"), int(config.contextLength)},
        {QStringLiteral("rms_norm_eps"), double(config.rmsEps)},
        {QStringLiteral("rope_theta"), double(config.ropeBase)},
        {QStringLiteral("vocab_size"), int(config.vocab)},
        {QStringLiteral("tie_word_embeddings"), gguf.findTensor("output.weight") == nullptr},
    };
    if (!writeFile(folder + QStringLiteral("/config.json"), QJsonDocument(json).toJson())) {
        return false;
    }

    // Tensors, split round-robin over the shards.
    std::vector<QJsonObject> headers(size_t(options.shards));
    std::vector<QByteArray> datas(size_t(options.shards));
    QJsonObject weightMap;
    const auto shardName = [&](int i) {
        return options.shards == 1 ? QStringLiteral("model.safetensors")
                                   : QStringLiteral("model-%1-of-%2.safetensors").arg(i + 1, 5, 10, QLatin1Char('0')).arg(options.shards, 5, 10, QLatin1Char('0'));
    };
    for (size_t i = 0; i < gguf.tensors().size(); ++i) {
        const GgufTensorInfo &t = gguf.tensors()[i];
        const size_t shard = i % size_t(options.shards);
        std::vector<float> values(t.elementCount());
        typeTraits(t.type)->toFloat(t.data, values.data(), int64_t(values.size()));
        const uint64_t rows = t.rowCount();
        const uint64_t cols = t.rowLength();
        const bool isQ = t.name.ends_with(".attn_q.weight");
        const bool isK = t.name.ends_with(".attn_k.weight");
        if (isQ || isK) {
            // GGUF keeps the rotated pairs of a head adjacent (2i, 2i+1); Hugging Face half a head apart (i, i+d/2).
            const uint64_t heads = isQ ? config.heads : config.kvHeads;
            const uint64_t headDim = rows / heads;
            std::vector<float> hf(values.size());
            for (uint64_t h = 0; h < heads; ++h) {
                for (uint64_t i2 = 0; i2 < headDim / 2; ++i2) {
                    for (uint64_t j = 0; j < 2; ++j) {
                        const uint64_t ggufRow = h * headDim + 2 * i2 + j;
                        const uint64_t hfRow = h * headDim + j * (headDim / 2) + i2;
                        std::memcpy(hf.data() + hfRow * cols, values.data() + ggufRow * cols, cols * sizeof(float));
                    }
                }
            }
            values = std::move(hf);
        }
        QByteArray bytes;
        if (options.f16) {
            bytes.resize(qsizetype(values.size() * 2));
            for (size_t k = 0; k < values.size(); ++k) {
                const uint16_t h = floatToHalf(values[k]);
                std::memcpy(bytes.data() + 2 * k, &h, 2);
            }
        } else {
            bytes = QByteArray(reinterpret_cast<const char *>(values.data()), qsizetype(values.size() * sizeof(float)));
        }
        QJsonArray shape;
        for (uint32_t d = t.nDims; d > 0; --d) {
            shape.append(qint64(t.ne[d - 1]));
        }
        const qint64 begin = datas[shard].size();
        datas[shard] += bytes;
        const std::string name = hfName(t.name);
        headers[shard].insert(QString::fromStdString(name),
                              QJsonObject{{QStringLiteral("dtype"), options.f16 ? QStringLiteral("F16") : QStringLiteral("F32")},
                                          {QStringLiteral("shape"), shape},
                                          {QStringLiteral("data_offsets"), QJsonArray{begin, datas[shard].size()}}});
        weightMap.insert(QString::fromStdString(name), shardName(int(shard)));
    }
    for (int s = 0; s < options.shards; ++s) {
        headers[size_t(s)].insert(QStringLiteral("__metadata__"), QJsonObject{{QStringLiteral("format"), QStringLiteral("pt")}});
        QByteArray header = QJsonDocument(headers[size_t(s)]).toJson(QJsonDocument::Compact);
        while (header.size() % 8 != 0) {
            header += ' ';
        }
        const uint64_t length = uint64_t(header.size());
        QByteArray file(reinterpret_cast<const char *>(&length), 8);
        file += header;
        file += datas[size_t(s)];
        if (!writeFile(folder + QLatin1Char('/') + shardName(s), file)) {
            return false;
        }
    }
    if (options.shards > 1) {
        const QJsonObject index{{QStringLiteral("metadata"), QJsonObject{}}, {QStringLiteral("weight_map"), weightMap}};
        if (!writeFile(folder + QStringLiteral("/model.safetensors.index.json"), QJsonDocument(index).toJson())) {
            return false;
        }
    }

    SentencePieceModel spm;
    spm.pieces = gguf.require("tokenizer.ggml.tokens").toStringList();
    spm.scores = gguf.require("tokenizer.ggml.scores").toFloatList();
    spm.types = gguf.require("tokenizer.ggml.token_type").toInt32List();
    spm.unkId = int32_t(gguf.getUInt("tokenizer.ggml.unknown_token_id", 0));
    spm.bosId = int32_t(gguf.getUInt("tokenizer.ggml.bos_token_id", 1));
    spm.eosId = int32_t(gguf.getUInt("tokenizer.ggml.eos_token_id", 2));
    const std::string model = spm.serialize();
    if (!writeFile(folder + QStringLiteral("/tokenizer.model"), QByteArray::fromStdString(model))) {
        return false;
    }
    const QJsonObject tokenizerConfig{
        {QStringLiteral("add_bos_token"), true},
        {QStringLiteral("add_eos_token"), false},
        {QStringLiteral("bos_token"), QString::fromStdString(spm.pieces[size_t(spm.bosId)])},
        {QStringLiteral("eos_token"), QJsonObject{{QStringLiteral("content"), QString::fromStdString(spm.pieces[size_t(spm.eosId)])}}},
        {QStringLiteral("chat_template"), QStringLiteral("{% for m in messages %}{{ m['content'] }}{% endfor %}")},
    };
    return writeFile(folder + QStringLiteral("/tokenizer_config.json"), QJsonDocument(tokenizerConfig).toJson());
}
}
