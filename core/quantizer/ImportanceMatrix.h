// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace hearth
{

class LlamaModel;

// Per weight matrix, the mean square of each input column over a calibration text: how much each column
// of the weight matters to the outputs. The K-quants and Q4_0 weight their rounding error with it.
// Stored in llama.cpp's imatrix.dat layout (entries of name, call count and the per-column sums), so files
// from either tool work in both.
class ImportanceMatrix
{
public:
    // Accumulates the activations `x` (rows of `columns` floats) multiplied by the weight `name`.
    void add(const std::string &name, const float *x, uint64_t rows, uint64_t columns);
    // Mean square per column; empty when the matrix never saw the tensor.
    std::vector<float> importance(const std::string &name) const;
    size_t size() const
    {
        return m_entries.size();
    }
    bool empty() const
    {
        return m_entries.empty();
    }
    std::vector<std::string> names() const;

    void setDataset(std::string dataset, int32_t chunks)
    {
        m_dataset = std::move(dataset);
        m_chunks = chunks;
    }

    // Runs the model over `tokens` in chunks of contextSize (each from an empty context, at most maxChunks when
    // > 0) and collects the input of every layer weight. progress(chunk, chunks) between chunks.
    static ImportanceMatrix compute(const LlamaModel &model, std::span<const int32_t> tokens, int contextSize, int maxChunks, int threads,
                                    const std::function<void(int, int)> &progress = {});

    // Both throw hearth::Error "PATH: problem"; save() writes a temporary file and renames it.
    static ImportanceMatrix load(const std::string &path);
    void save(const std::string &path) const;

private:
    struct Entry {
        std::vector<double> sums; // of x^2 per column
        uint64_t rows = 0;
        int32_t calls = 0;
    };
    std::map<std::string, Entry> m_entries;
    std::string m_dataset;
    int32_t m_chunks = 0;
};

} // namespace hearth
