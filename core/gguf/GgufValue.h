// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hearth
{

// Metadata value types with the numeric ids GGUF files use.
enum class GgufValueType : uint32_t {
    Uint8 = 0,
    Int8 = 1,
    Uint16 = 2,
    Int16 = 3,
    Uint32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    Uint64 = 10,
    Int64 = 11,
    Float64 = 12,
};

// "uint32", "string", "array", ...; "unknown" for ids no GGUF type has.
std::string_view ggufValueTypeName(GgufValueType type);
bool isValidGgufValueType(uint32_t rawType);

// One GGUF metadata value: a scalar, a string (bytes, not validated as UTF-8) or a homogeneous array whose
// elements are values themselves (arrays may nest). The accessors throw hearth::Error on a type mismatch or a
// value that does not fit; the message names the types, callers (GgufFile) add the file and the key.
class GgufValue
{
public:
    GgufValue(); // Uint8 0

    static GgufValue uint8(uint8_t v);
    static GgufValue int8(int8_t v);
    static GgufValue uint16(uint16_t v);
    static GgufValue int16(int16_t v);
    static GgufValue uint32(uint32_t v);
    static GgufValue int32(int32_t v);
    static GgufValue uint64(uint64_t v);
    static GgufValue int64(int64_t v);
    static GgufValue float32(float v);
    static GgufValue float64(double v);
    static GgufValue boolean(bool v);
    static GgufValue string(std::string v);
    // Throws when an element's type differs from elementType.
    static GgufValue array(GgufValueType elementType, std::vector<GgufValue> elements);
    static GgufValue stringArray(const std::vector<std::string> &values);
    static GgufValue float32Array(const std::vector<float> &values);
    static GgufValue int32Array(const std::vector<int32_t> &values);

    GgufValueType type() const
    {
        return m_type;
    }
    bool isInteger() const;
    bool isNumber() const; // integer or floating point (not Bool)
    bool isArray() const
    {
        return m_type == GgufValueType::Array;
    }

    uint64_t toUInt64() const; // any integer type; throws for a negative value
    int64_t toInt64() const; // any integer type; throws for a uint64 above INT64_MAX
    double toDouble() const; // any number
    bool toBool() const; // Bool only
    const std::string &toString() const; // String only
    // A scalar's bits as GGUF stores them (integers zero-extended, floats as IEEE bits); 0 for strings and
    // arrays. For writing values back unchanged.
    uint64_t rawBits() const
    {
        const auto *bits = std::get_if<uint64_t>(&m_value);
        return bits ? *bits : 0;
    }

    // Arrays only (throw otherwise).
    GgufValueType arrayType() const;
    size_t size() const;
    const GgufValue &at(size_t index) const; // throws when out of range
    const std::vector<GgufValue> &elements() const;
    std::vector<std::string> toStringList() const; // array of strings
    std::vector<float> toFloatList() const; // array of any numbers
    std::vector<int32_t> toInt32List() const; // array of any integers, each range-checked

    // Human-readable form: strings quoted, long arrays shortened: "[1, 2, 3, ... (32000 items)]".
    std::string toDisplayString(size_t maxArrayItems = 8) const;

    bool operator==(const GgufValue &other) const; // exact: same type and bits

private:
    static GgufValue scalar(GgufValueType type, uint64_t bits);
    // Unchecked access to the alternative m_type says is held.
    uint64_t bits() const
    {
        return *std::get_if<uint64_t>(&m_value);
    }
    const std::string &text() const
    {
        return *std::get_if<std::string>(&m_value);
    }
    const std::vector<GgufValue> &items() const
    {
        return *std::get_if<std::vector<GgufValue>>(&m_value);
    }
    [[noreturn]] void typeMismatch(std::string_view expected) const;

    GgufValueType m_type = GgufValueType::Uint8;
    GgufValueType m_arrayType = GgufValueType::Uint8; // element type, for arrays
    // Scalars are kept as their bits (sign-extended integers, IEEE floats), so floats compare and round-trip
    // bit-exactly, NaN payloads included. One variant rather than three members keeps 150k-item vocabularies
    // small (48 bytes an item).
    std::variant<uint64_t, std::string, std::vector<GgufValue>> m_value;
};

} // namespace hearth
