// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Model files the Models and Quantize tests need, written on the spot with the engine's own writers.

#include "gguf/GgufWriter.h"
#include "model/SyntheticModel.h"

#include <QByteArray>
#include <QFile>
#include <QString>

#include <cstring>
#include <vector>

namespace ModelFixtures
{
// The "tiny" synthetic Llama (256 wide, 2 layers, context 512) in `format` ("F32", "Q8_0", ...).
inline hearth::SyntheticModel tinyModel(const char *format)
{
    return hearth::SyntheticModel(*hearth::SyntheticModel::findShape("tiny"), *hearth::SyntheticModel::findFormat(format));
}

inline void writeTiny(const QString &path, const char *format)
{
    tinyModel(format).write(path.toStdString(), 2);
}

// A minimal GGUF with one F32 tensor and the given chat template: enough for what the Models page reads.
inline void writeWithTemplate(const QString &path, const QByteArray &jinja)
{
    hearth::GgufWriter writer;
    writer.set("general.architecture", hearth::GgufValue::string("llama"));
    writer.set("llama.context_length", hearth::GgufValue::uint32(8192));
    writer.set("tokenizer.ggml.tokens", hearth::GgufValue::stringArray({"<s>", "</s>", "a"}));
    writer.set("tokenizer.ggml.bos_token_id", hearth::GgufValue::uint32(0));
    writer.set("tokenizer.ggml.eos_token_id", hearth::GgufValue::uint32(1));
    writer.set("tokenizer.chat_template", hearth::GgufValue::string(jinja.toStdString()));
    writer.addTensor("token_embd.weight", hearth::GgmlType::F32, {32, 3});
    const std::vector<uint8_t> data(32 * 3 * sizeof(float), 0);
    writer.write(path.toStdString(), {data});
}

inline bool writeBytes(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

// The first `keep` bytes of `source` as `path`: a download or copy cut short.
inline bool writeTruncated(const QString &source, const QString &path, qint64 keep)
{
    QFile in(source);
    return in.open(QIODevice::ReadOnly) && writeBytes(path, in.read(keep));
}
}
