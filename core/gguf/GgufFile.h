// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "gguf/GgufValue.h"
#include "quant/GgmlType.h"
#include "util/MappedFile.h"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace hearth
{

// One entry of a GGUF tensor directory, validated: the type is known, 1 to 4 dimensions each >= 1 (a zero
// dimension or nDims == 0 is rejected: ggml never writes them and every consumer would need a special case),
// the row length is a multiple of the type's block size, the data is aligned, inside the file and does not
// overlap another tensor's.
struct GgufTensorInfo {
    std::string name;
    GgmlType type;
    uint32_t nDims;
    std::array<uint64_t, 4> ne; // element counts, innermost (row length) first; unused dims are 1
    uint64_t offset; // relative to the start of the data section
    uint64_t nbytes;
    const uint8_t *data; // points into the mapping (or the fromMemory() buffer)

    uint64_t elementCount() const
    {
        return ne[0] * ne[1] * ne[2] * ne[3]; // cannot overflow: checked when the file was read
    }
    uint64_t rowLength() const
    {
        return ne[0];
    }
    uint64_t rowCount() const
    {
        return ne[1] * ne[2] * ne[3];
    }
};

// A parsed GGUF file (versions 2 and 3), metadata and tensor directory fully validated on open; the tensor
// data stays in the read-only mapping and is used in place. Every problem is a hearth::Error
// "PATH: problem". Keys and tensor names must be valid UTF-8 (they are printed in messages and the UI);
// string values are bytes and are not checked.
class GgufFile
{
public:
    static std::unique_ptr<GgufFile> open(const std::string &path);
    // Parses bytes the caller keeps alive (no copy); `name` stands for the path in messages.
    static std::unique_ptr<GgufFile> fromMemory(const uint8_t *data, size_t size, std::string name);

    const std::string &path() const
    {
        return m_path;
    }
    uint32_t version() const
    {
        return m_version;
    }
    uint64_t alignment() const
    {
        return m_alignment;
    }
    // Where the tensor data section starts (aligned); for a file without tensors (a vocabulary) it may lie
    // past the end, as such files need not be padded.
    uint64_t dataOffset() const
    {
        return m_dataOffset;
    }
    uint64_t fileSize() const
    {
        return m_size;
    }

    const std::vector<std::pair<std::string, GgufValue>> &metadata() const
    {
        return m_metadata;
    }
    const GgufValue *find(std::string_view key) const; // nullptr if absent

    // The "get" forms return the fallback only when the key is absent; a present key of the wrong type is an
    // error too, so a corrupt file is not silently read with defaults. Errors:
    // "PATH: metadata key 'K' is missing" / "PATH: metadata key 'K' has type X, expected Y".
    std::string getString(std::string_view key, std::string fallback) const;
    const std::string &requireString(std::string_view key) const;
    uint64_t getUInt(std::string_view key, uint64_t fallback) const; // any non-negative integer
    uint64_t requireUInt(std::string_view key) const;
    double getFloat(std::string_view key, double fallback) const; // any number
    double requireFloat(std::string_view key) const;
    bool getBool(std::string_view key, bool fallback) const;
    const GgufValue &require(std::string_view key) const;

    const std::vector<GgufTensorInfo> &tensors() const
    {
        return m_tensors;
    }
    uint64_t tensorDataBytes() const; // sum of all tensors' nbytes
    const GgufTensorInfo *findTensor(std::string_view name) const; // nullptr if absent
    const GgufTensorInfo &requireTensor(std::string_view name) const; // "PATH: tensor 'NAME' is missing"

    // For a file opened with open(): throws hearth::Error when the file was truncated since (see MappedFile),
    // so the engine can refuse to run on it before a read of a lost page stops the process.
    void checkIntact() const;
    // Of a file opened with open(): see MappedFile::hugePageBytes().
    size_t hugePageBytes() const
    {
        return m_mapping ? m_mapping->hugePageBytes() : 0;
    }

private:
    struct StringHash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const noexcept
        {
            return std::hash<std::string_view>{}(s);
        }
    };
    using Index = std::unordered_map<std::string, size_t, StringHash, std::equal_to<>>;

    GgufFile(std::string path, const uint8_t *data, size_t size);
    void parse();
    [[noreturn]] void wrongType(std::string_view key, const GgufValue &value, std::string_view expected) const;

    std::optional<MappedFile> m_mapping;
    std::string m_path;
    const uint8_t *m_data;
    uint64_t m_size;
    uint32_t m_version = 0;
    uint64_t m_alignment = 32;
    uint64_t m_dataOffset = 0;
    std::vector<std::pair<std::string, GgufValue>> m_metadata;
    Index m_metadataIndex;
    std::vector<GgufTensorInfo> m_tensors;
    Index m_tensorIndex;
};

} // namespace hearth
