// SPDX-License-Identifier: GPL-3.0-or-later
#include "quantizer/ImportanceMatrix.h"

#include "model/LlamaContext.h"
#include "model/LlamaModel.h"
#include "tokenizer/Tokenizer.h"
#include "util/Error.h"

#include <QFile>
#include <QSaveFile>

#include <algorithm>
#include <cstring>

namespace hearth
{

void ImportanceMatrix::add(const std::string &name, const float *x, uint64_t rows, uint64_t columns)
{
    Entry &entry = m_entries[name];
    if (entry.sums.empty()) {
        entry.sums.assign(columns, 0.0);
    } else if (entry.sums.size() != columns) {
        throw Error("importance matrix: '" + name + "' seen with " + std::to_string(columns) + " columns, before with "
                    + std::to_string(entry.sums.size()));
    }
    for (uint64_t r = 0; r < rows; ++r) {
        const float *row = x + r * columns;
        for (uint64_t c = 0; c < columns; ++c) {
            entry.sums[c] += double(row[c]) * double(row[c]);
        }
    }
    entry.rows += rows;
    ++entry.calls;
}

ImportanceMatrix ImportanceMatrix::compute(const LlamaModel &model, std::span<const int32_t> tokens, int contextSize, int maxChunks,
                                           int threads, const std::function<void(int, int)> &progress)
{
    if (contextSize < 2) {
        throw Error("importance matrix: the context size must be at least 2 tokens");
    }
    int chunks = int(tokens.size() / size_t(contextSize));
    if (maxChunks > 0) {
        chunks = std::min(chunks, maxChunks);
    }
    if (chunks == 0) {
        throw Error("importance matrix: the text has " + std::to_string(tokens.size()) + " tokens, fewer than one chunk of "
                    + std::to_string(contextSize));
    }
    ImportanceMatrix matrix;
    LlamaContext context(model, {.nCtx = contextSize, .nThreads = threads, .kvType = GgmlType::F16});
    context.setActivationObserver([&matrix](const std::string &tensor, const float *x, size_t nTokens, size_t columns) {
        matrix.add(tensor, x, nTokens, columns);
    });
    const Tokenizer &tokenizer = model.tokenizer();
    for (int c = 0; c < chunks; ++c) {
        if (progress) {
            progress(c, chunks);
        }
        std::vector<int32_t> chunk(tokens.begin() + ptrdiff_t(c) * contextSize, tokens.begin() + ptrdiff_t(c + 1) * contextSize);
        if (tokenizer.addBos() && tokenizer.bos() >= 0) {
            chunk[0] = tokenizer.bos();
        }
        context.truncate(0);
        context.eval(chunk);
    }
    if (progress) {
        progress(chunks, chunks);
    }
    matrix.m_chunks = chunks;
    return matrix;
}

std::vector<float> ImportanceMatrix::importance(const std::string &name) const
{
    const auto it = m_entries.find(name);
    if (it == m_entries.end() || it->second.rows == 0) {
        return {};
    }
    std::vector<float> mean(it->second.sums.size());
    for (size_t c = 0; c < mean.size(); ++c) {
        mean[c] = float(it->second.sums[c] / double(it->second.rows));
    }
    return mean;
}

std::vector<std::string> ImportanceMatrix::names() const
{
    std::vector<std::string> names;
    for (const auto &[name, entry] : m_entries) {
        names.push_back(name);
    }
    return names;
}

namespace
{
class Reader
{
public:
    Reader(const QByteArray &bytes, const std::string &path)
        : m_bytes(bytes)
        , m_path(path)
    {
    }
    int32_t int32()
    {
        int32_t v = 0;
        take(&v, sizeof v);
        return v;
    }
    void take(void *dst, size_t n)
    {
        need(n);
        std::memcpy(dst, m_bytes.constData() + m_pos, n);
        m_pos += n;
    }
    // Before allocating for what the file announces: a few bytes must not make it reserve 64 MiB.
    void need(size_t n) const
    {
        if (n > size_t(m_bytes.size()) - m_pos) {
            throw Error(m_path + ": truncated importance matrix (needs " + std::to_string(n) + " bytes at offset " + std::to_string(m_pos) + ")");
        }
    }
    bool atEnd() const
    {
        return m_pos == size_t(m_bytes.size());
    }

private:
    const QByteArray &m_bytes;
    const std::string &m_path;
    size_t m_pos = 0;
};

void append(QByteArray &out, const void *data, size_t n)
{
    out.append(static_cast<const char *>(data), qsizetype(n));
}

void appendInt32(QByteArray &out, int32_t v)
{
    append(out, &v, sizeof v);
}
}

ImportanceMatrix ImportanceMatrix::load(const std::string &path)
{
    QFile file(QString::fromStdString(path));
    if (!file.open(QIODevice::ReadOnly)) {
        throw Error(path + ": cannot open the importance matrix: " + file.errorString().toStdString());
    }
    const QByteArray bytes = file.readAll();
    Reader in(bytes, path);
    ImportanceMatrix matrix;
    const int32_t count = in.int32();
    if (count <= 0) {
        throw Error(path + ": not an importance matrix (" + std::to_string(count) + " entries)");
    }
    for (int32_t i = 0; i < count; ++i) {
        const int32_t nameLength = in.int32();
        if (nameLength <= 0 || nameLength > 4096) {
            throw Error(path + ": not an importance matrix (entry " + std::to_string(i) + " has a name of " + std::to_string(nameLength) + " bytes)");
        }
        std::string name(size_t(nameLength), '\0');
        in.take(name.data(), name.size());
        const int32_t calls = in.int32();
        const int32_t values = in.int32();
        if (calls < 0 || values <= 0 || values > (1 << 24)) {
            throw Error(path + ": entry '" + name + "' has " + std::to_string(values) + " values from " + std::to_string(calls) + " calls");
        }
        in.need(size_t(values) * sizeof(float));
        std::vector<float> stored(static_cast<size_t>(values));
        in.take(stored.data(), stored.size() * sizeof(float));
        // The file keeps mean * calls (llama.cpp's convention): one row per call restores the means.
        Entry &entry = matrix.m_entries[name];
        entry.calls = std::max(calls, 1);
        entry.rows = uint64_t(entry.calls);
        entry.sums.assign(stored.begin(), stored.end());
    }
    if (!in.atEnd()) {
        matrix.m_chunks = in.int32();
        const int32_t datasetLength = in.int32();
        if (datasetLength > 0 && datasetLength < (1 << 20)) {
            matrix.m_dataset.resize(size_t(datasetLength));
            in.take(matrix.m_dataset.data(), matrix.m_dataset.size());
        }
    }
    return matrix;
}

void ImportanceMatrix::save(const std::string &path) const
{
    QByteArray out;
    appendInt32(out, int32_t(m_entries.size()));
    for (const auto &[name, entry] : m_entries) {
        appendInt32(out, int32_t(name.size()));
        append(out, name.data(), name.size());
        appendInt32(out, entry.calls);
        appendInt32(out, int32_t(entry.sums.size()));
        for (const double sum : entry.sums) {
            const float stored = float(sum / double(std::max<uint64_t>(entry.rows, 1)) * entry.calls);
            append(out, &stored, sizeof stored);
        }
    }
    appendInt32(out, m_chunks);
    appendInt32(out, int32_t(m_dataset.size()));
    append(out, m_dataset.data(), m_dataset.size());

    QSaveFile file(QString::fromStdString(path));
    if (!file.open(QIODevice::WriteOnly) || file.write(out) != out.size() || !file.commit()) {
        throw Error(path + ": cannot write the importance matrix: " + file.errorString().toStdString());
    }
}

} // namespace hearth
