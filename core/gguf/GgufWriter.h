// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "gguf/GgufValue.h"
#include "quant/GgmlType.h"

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace hearth
{

// Writes GGUF version 3 files that llama.cpp reads. The file is written to "PATH.tmp-XXXXXX" beside the
// target and renamed over it only when complete, so a failure (full disk, unwritable directory) never leaves
// a partial or clobbered model. Tensors are laid out in declaration order, each aligned to alignment().
// Invalid input (bad shape, wrong data size, empty or non-UTF-8 names, tensor names over 63 bytes, duplicate
// tensors) throws hearth::Error.
class GgufWriter
{
public:
    GgufWriter() = default;
    ~GgufWriter(); // without commit(): removes the temp file
    GgufWriter(const GgufWriter &) = delete;
    GgufWriter &operator=(const GgufWriter &) = delete;

    // Power of two, default 32; also written as general.alignment (uint32) when != 32. Setting the key
    // "general.alignment" through set() is the same as calling this.
    void setAlignment(uint32_t alignment);
    uint32_t alignment() const
    {
        return m_alignment;
    }
    // Keeps insertion order; replaces the value of an existing key in place.
    void set(std::string key, GgufValue value);
    const std::vector<std::pair<std::string, GgufValue>> &metadata() const
    {
        return m_metadata;
    }

    // Declares a tensor; shape = ne (innermost first), 1 to 4 dims each >= 1, the row length a multiple of
    // the type's block size. Returns its index.
    size_t addTensor(std::string name, GgmlType type, std::vector<uint64_t> shape);
    size_t tensorCount() const
    {
        return m_tensors.size();
    }
    uint64_t tensorBytes(size_t index) const;

    // Whole-file form: exactly one span per tensor, each of tensorBytes(i) bytes.
    void write(const std::string &path, const std::vector<std::span<const uint8_t>> &tensorData);

    // Streaming form: begin(), then writeTensorData() for every tensor in index order, then commit().
    // After an error in writeTensorData() or commit() the temp file is already removed; begin() again to retry.
    void begin(const std::string &path);
    void writeTensorData(size_t index, std::span<const uint8_t> bytes);
    void commit(); // fsync, rename to the target path

private:
    struct Tensor {
        std::string name;
        GgmlType type;
        std::vector<uint64_t> shape;
        uint64_t nbytes;
        uint64_t offset;
    };

    void requireIdle() const;
    void writeAll(const void *bytes, size_t size);
    void writePadding();
    [[noreturn]] void fail(const std::string &message);
    void discard() noexcept;
    void syncDirectory() const noexcept;

    uint32_t m_alignment = 32;
    std::vector<std::pair<std::string, GgufValue>> m_metadata;
    std::vector<Tensor> m_tensors;

    // State of a write in progress.
    std::string m_path;
    std::string m_tempPath;
    int m_fd = -1;
    uint64_t m_written = 0;
    size_t m_nextTensor = 0;
};

} // namespace hearth
