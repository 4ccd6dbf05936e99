// SPDX-License-Identifier: GPL-3.0-or-later
#include "gguf/GgufFile.h"

#include "gguf/GgufFormat.h"
#include "util/CheckedMath.h"
#include "util/Error.h"

#include <algorithm>
#include <cstring>
#include <numeric>

namespace hearth
{

namespace
{
// Bytes the smallest encoding of one element of each type needs: the bound for counts read from the file.
uint64_t minimumEncodedSize(GgufValueType type)
{
    switch (type) {
    case GgufValueType::Uint8:
    case GgufValueType::Int8:
    case GgufValueType::Bool:
        return 1;
    case GgufValueType::Uint16:
    case GgufValueType::Int16:
        return 2;
    case GgufValueType::Uint32:
    case GgufValueType::Int32:
    case GgufValueType::Float32:
        return 4;
    case GgufValueType::String: // the length
    case GgufValueType::Uint64:
    case GgufValueType::Int64:
    case GgufValueType::Float64:
        return 8;
    case GgufValueType::Array: // element type and count
        return 12;
    }
    return 1;
}

// Sequential little-endian reads that never step past the end. Every failure names what was being read as
// `prefix + what`; the message is only built on failure, so 150k-item vocabularies load without allocations
// for it.
class Reader
{
public:
    Reader(const std::string &path, const uint8_t *data, uint64_t size)
        : m_path(path)
        , m_data(data)
        , m_size(size)
    {
    }

    uint64_t position() const
    {
        return m_pos;
    }
    uint64_t remaining() const
    {
        return m_size - m_pos;
    }

    [[noreturn]] void fail(const std::string &problem) const
    {
        throw Error(m_path + ": " + problem);
    }

    template<typename T>
    T read(const char *prefix, const std::string &what)
    {
        if (sizeof(T) > remaining()) {
            fail("truncated: the file ends at byte " + std::to_string(m_size) + " inside " + prefix + what);
        }
        T value;
        std::memcpy(&value, m_data + m_pos, sizeof(T));
        m_pos += sizeof(T);
        return value;
    }

    std::string readString(const char *prefix, const std::string &what)
    {
        if (remaining() < sizeof(uint64_t)) {
            fail("truncated: the file ends at byte " + std::to_string(m_size) + " inside the length of " + prefix + what);
        }
        const auto length = read<uint64_t>("", what);
        if (length > remaining()) {
            fail(prefix + what + " claims a length of " + std::to_string(length) + " bytes, more than the "
                 + std::to_string(remaining()) + " bytes left in the file");
        }
        std::string s(reinterpret_cast<const char *>(m_data + m_pos), static_cast<size_t>(length));
        m_pos += length;
        return s;
    }

    GgufValueType readValueType(const char *prefix, const std::string &what)
    {
        const auto raw = read<uint32_t>(prefix, what);
        if (!isValidGgufValueType(raw)) {
            fail(prefix + what + " is unknown value type " + std::to_string(raw));
        }
        return static_cast<GgufValueType>(raw);
    }

    GgufValue readValue(GgufValueType type, const std::string &what, int depth)
    {
        switch (type) {
        case GgufValueType::Uint8:
            return GgufValue::uint8(read<uint8_t>("", what));
        case GgufValueType::Int8:
            return GgufValue::int8(read<int8_t>("", what));
        case GgufValueType::Uint16:
            return GgufValue::uint16(read<uint16_t>("", what));
        case GgufValueType::Int16:
            return GgufValue::int16(read<int16_t>("", what));
        case GgufValueType::Uint32:
            return GgufValue::uint32(read<uint32_t>("", what));
        case GgufValueType::Int32:
            return GgufValue::int32(read<int32_t>("", what));
        case GgufValueType::Uint64:
            return GgufValue::uint64(read<uint64_t>("", what));
        case GgufValueType::Int64:
            return GgufValue::int64(read<int64_t>("", what));
        case GgufValueType::Float32:
            return GgufValue::float32(read<float>("", what));
        case GgufValueType::Float64:
            return GgufValue::float64(read<double>("", what));
        case GgufValueType::Bool: {
            const auto b = read<uint8_t>("", what);
            if (b > 1) {
                fail(what + " holds a bool of value " + std::to_string(b) + " (must be 0 or 1)");
            }
            return GgufValue::boolean(b != 0);
        }
        case GgufValueType::String:
            return GgufValue::string(readString("", what));
        case GgufValueType::Array:
            return readArray(what, depth);
        }
        fail(what + " has unknown value type " + std::to_string(uint32_t(type)));
    }

private:
    GgufValue readArray(const std::string &what, int depth)
    {
        if (depth >= gguf::kMaxArrayDepth) {
            fail(what + " nests arrays deeper than " + std::to_string(gguf::kMaxArrayDepth) + " levels");
        }
        const auto elementType = readValueType("the element type of ", what);
        const auto count = read<uint64_t>("the item count of ", what);
        if (count > remaining() / minimumEncodedSize(elementType)) {
            fail(what + " claims " + std::to_string(count) + " array items, more than the " + std::to_string(remaining())
                 + " bytes left in the file can hold");
        }
        std::vector<GgufValue> elements;
        elements.reserve(static_cast<size_t>(count));
        for (uint64_t i = 0; i < count; ++i) {
            elements.push_back(readValue(elementType, what, depth + 1));
        }
        return GgufValue::array(elementType, std::move(elements));
    }

    const std::string &m_path;
    const uint8_t *m_data;
    uint64_t m_size;
    uint64_t m_pos = 0;
};

std::string quoted(std::string_view s)
{
    return "'" + std::string(s) + "'";
}
}

GgufFile::GgufFile(std::string path, const uint8_t *data, size_t size)
    : m_path(std::move(path))
    , m_data(data)
    , m_size(size)
{
}

std::unique_ptr<GgufFile> GgufFile::open(const std::string &path)
{
    MappedFile mapping(path);
    std::unique_ptr<GgufFile> file(new GgufFile(path, mapping.data(), mapping.size()));
    file->m_mapping.emplace(std::move(mapping));
    file->parse();
    return file;
}

std::unique_ptr<GgufFile> GgufFile::fromMemory(const uint8_t *data, size_t size, std::string name)
{
    std::unique_ptr<GgufFile> file(new GgufFile(std::move(name), data, size));
    file->parse();
    return file;
}

void GgufFile::parse()
{
    Reader in(m_path, m_data, m_size);
    if (m_size < 4) {
        in.fail("not a GGUF file (only " + std::to_string(m_size) + " bytes long)");
    }
    if (in.read<uint32_t>("", "the magic") != gguf::kMagic) {
        in.fail("not a GGUF file (wrong magic bytes)");
    }
    m_version = in.read<uint32_t>("", "the version");
    if (m_version == 1) {
        in.fail("GGUF version 1 is not supported (only versions 2 and 3); convert the model again with a current tool");
    }
    if (m_version == 0x02000000 || m_version == 0x03000000) {
        in.fail("big-endian GGUF files are not supported");
    }
    if (m_version != 2 && m_version != 3) {
        in.fail("unsupported GGUF version " + std::to_string(m_version) + " (only versions 2 and 3)");
    }
    const auto tensorCount = in.read<uint64_t>("", "the tensor count");
    const auto kvCount = in.read<uint64_t>("", "the metadata count");

    // Smallest encodings: a key/name length (8) + type (4) + one byte of value; a name length + nDims + one
    // dimension + type + offset.
    constexpr uint64_t minimumKvBytes = 8 + 4 + 1;
    constexpr uint64_t minimumTensorBytes = 8 + 4 + 8 + 4 + 8;
    if (kvCount > in.remaining() / minimumKvBytes) {
        in.fail("claims " + std::to_string(kvCount) + " metadata entries, more than the file can hold");
    }
    if (tensorCount > in.remaining() / minimumTensorBytes) {
        in.fail("claims " + std::to_string(tensorCount) + " tensors, more than the file can hold");
    }

    m_metadata.reserve(static_cast<size_t>(kvCount));
    for (uint64_t i = 0; i < kvCount; ++i) {
        const std::string entry = "metadata entry " + std::to_string(i);
        std::string key = in.readString("the key of ", entry);
        if (const auto problem = gguf::nameProblem(key); !problem.empty()) {
            in.fail("the key of " + entry + " " + problem);
        }
        if (m_metadataIndex.contains(key)) {
            in.fail("metadata key " + quoted(key) + " appears twice");
        }
        const std::string what = "metadata key " + quoted(key);
        const auto type = in.readValueType("the value type of ", what);
        GgufValue value = in.readValue(type, what, 0);
        m_metadataIndex.emplace(key, m_metadata.size());
        m_metadata.emplace_back(std::move(key), std::move(value));
    }

    if (const GgufValue *alignment = find(gguf::kAlignmentKey)) {
        if (!alignment->isInteger()) {
            wrongType(gguf::kAlignmentKey, *alignment, "an integer");
        }
        const bool negative = alignment->toDouble() < 0;
        if (negative || !gguf::isPowerOfTwo(alignment->toUInt64())) {
            in.fail("general.alignment is " + alignment->toDisplayString() + ", not a power of two");
        }
        m_alignment = alignment->toUInt64();
    }

    m_tensors.reserve(static_cast<size_t>(tensorCount));
    for (uint64_t i = 0; i < tensorCount; ++i) {
        const std::string entry = "tensor " + std::to_string(i);
        std::string name = in.readString("the name of ", entry);
        if (const auto problem = gguf::nameProblem(name); !problem.empty()) {
            in.fail("the name of " + entry + " " + problem);
        }
        if (m_tensorIndex.contains(name)) {
            in.fail("tensor " + quoted(name) + " appears twice");
        }
        const std::string what = "tensor " + quoted(name);
        GgufTensorInfo info{};
        info.nDims = in.read<uint32_t>("the dimension count of ", what);
        if (info.nDims == 0 || info.nDims > gguf::kMaxDims) {
            in.fail(what + " has " + std::to_string(info.nDims) + " dimensions (1 to 4 are supported)");
        }
        info.ne.fill(1);
        for (uint32_t d = 0; d < info.nDims; ++d) {
            info.ne[d] = in.read<uint64_t>("the shape of ", what);
        }
        const auto rawType = in.read<uint32_t>("the type of ", what);
        const auto layout = ggmlTypeLayout(rawType);
        if (!layout) {
            in.fail(what + " has unknown type " + std::to_string(rawType));
        }
        info.type = layout->type;
        if (const auto problem = gguf::tensorShapeProblem(*layout, std::span(info.ne.data(), info.nDims), info.nbytes);
            !problem.empty()) {
            in.fail(what + " " + problem);
        }
        info.offset = in.read<uint64_t>("the data offset of ", what);
        info.name = std::move(name);
        m_tensorIndex.emplace(info.name, m_tensors.size());
        m_tensors.push_back(std::move(info));
    }

    const auto dataOffset = checkedAlignUp(in.position(), m_alignment);
    if (!dataOffset || (*dataOffset > m_size && !m_tensors.empty())) {
        in.fail("truncated: the tensor data section would start past the end of the file (byte " + std::to_string(m_size) + ")");
    }
    m_dataOffset = *dataOffset;
    const uint64_t dataSize = m_size - std::min(m_dataOffset, m_size);

    for (auto &tensor : m_tensors) {
        if (tensor.offset % m_alignment != 0) {
            in.fail("tensor " + quoted(tensor.name) + " has data offset " + std::to_string(tensor.offset) + ", not a multiple of the alignment "
                    + std::to_string(m_alignment));
        }
        const auto end = checkedAdd(tensor.offset, tensor.nbytes);
        if (!end || *end > dataSize) {
            in.fail("tensor " + quoted(tensor.name) + " (" + std::to_string(tensor.nbytes) + " bytes at data offset " + std::to_string(tensor.offset)
                    + ") extends past the end of the file");
        }
        tensor.data = m_data + m_dataOffset + tensor.offset;
    }

    std::vector<size_t> byOffset(m_tensors.size());
    std::iota(byOffset.begin(), byOffset.end(), size_t(0));
    std::ranges::sort(byOffset, {}, [this](size_t i) { return m_tensors[i].offset; });
    for (size_t k = 1; k < byOffset.size(); ++k) {
        const auto &previous = m_tensors[byOffset[k - 1]];
        const auto &current = m_tensors[byOffset[k]];
        if (current.offset < previous.offset + previous.nbytes) {
            in.fail("the data of tensors " + quoted(previous.name) + " and " + quoted(current.name) + " overlap");
        }
    }
}

const GgufValue *GgufFile::find(std::string_view key) const
{
    const auto it = m_metadataIndex.find(key);
    return it == m_metadataIndex.end() ? nullptr : &m_metadata[it->second].second;
}

const GgufValue &GgufFile::require(std::string_view key) const
{
    const GgufValue *value = find(key);
    if (!value) {
        throw Error(m_path + ": metadata key " + quoted(key) + " is missing");
    }
    return *value;
}

void GgufFile::wrongType(std::string_view key, const GgufValue &value, std::string_view expected) const
{
    std::string actual(ggufValueTypeName(value.type()));
    if (value.isArray()) {
        actual += " of " + std::string(ggufValueTypeName(value.arrayType()));
    }
    throw Error(m_path + ": metadata key " + quoted(key) + " has type " + actual + ", expected " + std::string(expected));
}

std::string GgufFile::getString(std::string_view key, std::string fallback) const
{
    return find(key) ? requireString(key) : std::move(fallback);
}

const std::string &GgufFile::requireString(std::string_view key) const
{
    const GgufValue &value = require(key);
    if (value.type() != GgufValueType::String) {
        wrongType(key, value, "string");
    }
    return value.toString();
}

uint64_t GgufFile::getUInt(std::string_view key, uint64_t fallback) const
{
    return find(key) ? requireUInt(key) : fallback;
}

uint64_t GgufFile::requireUInt(std::string_view key) const
{
    const GgufValue &value = require(key);
    if (!value.isInteger()) {
        wrongType(key, value, "an unsigned integer");
    }
    try {
        return value.toUInt64();
    } catch (const Error &e) {
        throw Error(m_path + ": metadata key " + quoted(key) + ": " + e.what());
    }
}

double GgufFile::getFloat(std::string_view key, double fallback) const
{
    return find(key) ? requireFloat(key) : fallback;
}

double GgufFile::requireFloat(std::string_view key) const
{
    const GgufValue &value = require(key);
    if (!value.isNumber()) {
        wrongType(key, value, "a number");
    }
    return value.toDouble();
}

bool GgufFile::getBool(std::string_view key, bool fallback) const
{
    const GgufValue *value = find(key);
    if (!value) {
        return fallback;
    }
    if (value->type() != GgufValueType::Bool) {
        wrongType(key, *value, "bool");
    }
    return value->toBool();
}

uint64_t GgufFile::tensorDataBytes() const
{
    // Cannot overflow: the tensors lie inside the file without overlapping.
    uint64_t total = 0;
    for (const auto &tensor : m_tensors) {
        total += tensor.nbytes;
    }
    return total;
}

const GgufTensorInfo *GgufFile::findTensor(std::string_view name) const
{
    const auto it = m_tensorIndex.find(name);
    return it == m_tensorIndex.end() ? nullptr : &m_tensors[it->second];
}

const GgufTensorInfo &GgufFile::requireTensor(std::string_view name) const
{
    const GgufTensorInfo *tensor = findTensor(name);
    if (!tensor) {
        throw Error(m_path + ": tensor " + quoted(name) + " is missing");
    }
    return *tensor;
}

void GgufFile::checkIntact() const
{
    if (m_mapping) {
        m_mapping->checkIntact();
    }
}

} // namespace hearth
