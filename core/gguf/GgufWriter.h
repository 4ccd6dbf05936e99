// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "gguf/GgufValue.h"
#include "quant/GgmlType.h"
#include "util/RegionWriter.h"

#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace hearth
{

// Writes GGUF version 3 files that llama.cpp reads. The file is written to "PATH.tmp-PID-XXXXXX" beside the
// target (util/TemporaryFiles.h; begin() first removes the ones killed writers left in that folder) and
// renamed over it only when complete, so a failure (full disk, unwritable directory) never leaves a partial
// or clobbered model. Tensors are laid out in declaration order, each aligned to alignment().
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
    // The same in parts written from several threads at once (no buffer for the whole tensor): writeTensorPart()
    // puts bytes at `offset` inside the tensor in turn, then finishTensor() checks the parts added up to the
    // tensor and moves to the next. After an error in writeTensorPart() the temp file is removed when the
    // writer is destroyed (other threads may still be writing to it).
    void writeTensorPart(size_t index, uint64_t offset, std::span<const uint8_t> bytes);
    void finishTensor(size_t index);
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
    void writeAt(uint64_t offset, std::span<const uint8_t> bytes) const; // the regions' sink: pwrite, throws
    void writePadding();
    void requireCurrent(size_t index, const char *function);
    void startWriteback(uint64_t offset, uint64_t size) const noexcept;
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
    // Every write goes through here, so the page cache holds the file in huge-page folios (util/RegionWriter.h).
    std::optional<RegionWriter> m_regions;
    uint64_t m_written = 0;
    size_t m_nextTensor = 0;
    std::atomic<uint64_t> m_partBytes = 0; // of tensor m_nextTensor, by writeTensorPart()
};

} // namespace hearth
