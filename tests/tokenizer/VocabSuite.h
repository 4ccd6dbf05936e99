// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// llama.cpp's tokenizer suites (models/vocab/ggml-vocab-*.gguf.inp/.out), read the way its test-tokenizer-0 reads
// them: inputs separated by "\n__ggml_vocab_test__\n", one line of ids per input.

#include <QByteArrayList>
#include <QFile>

#include <cstdint>
#include <vector>

namespace VocabSuite
{
inline QByteArray readAll(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        qFatal("cannot read %s", qPrintable(path));
    }
    return file.readAll();
}

inline QByteArrayList splitInputs(const QByteArray &raw)
{
    const QByteArray separator = "\n__ggml_vocab_test__\n";
    QByteArrayList inputs;
    qsizetype pos = 0;
    while (pos < raw.size()) {
        const qsizetype next = raw.indexOf(separator, pos);
        if (next < 0) {
            inputs.append(raw.mid(pos));
            break;
        }
        inputs.append(raw.mid(pos, next - pos));
        pos = next + separator.size();
    }
    return inputs;
}

inline std::vector<int32_t> parseIds(const QByteArray &line)
{
    std::vector<int32_t> ids;
    for (const QByteArray &field : line.simplified().split(' ')) {
        if (!field.isEmpty()) {
            bool ok = false;
            ids.push_back(field.toInt(&ok));
            if (!ok) {
                qFatal("bad id '%s' in expected output", field.constData());
            }
        }
    }
    return ids;
}
}
