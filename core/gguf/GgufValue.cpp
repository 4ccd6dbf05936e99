// SPDX-License-Identifier: GPL-3.0-or-later
#include "gguf/GgufValue.h"

#include "gguf/GgufFormat.h"
#include "util/Error.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <limits>

namespace hearth
{

std::string_view ggufValueTypeName(GgufValueType type)
{
    switch (type) {
    case GgufValueType::Uint8:
        return "uint8";
    case GgufValueType::Int8:
        return "int8";
    case GgufValueType::Uint16:
        return "uint16";
    case GgufValueType::Int16:
        return "int16";
    case GgufValueType::Uint32:
        return "uint32";
    case GgufValueType::Int32:
        return "int32";
    case GgufValueType::Float32:
        return "float32";
    case GgufValueType::Bool:
        return "bool";
    case GgufValueType::String:
        return "string";
    case GgufValueType::Array:
        return "array";
    case GgufValueType::Uint64:
        return "uint64";
    case GgufValueType::Int64:
        return "int64";
    case GgufValueType::Float64:
        return "float64";
    }
    return "unknown";
}

bool isValidGgufValueType(uint32_t rawType)
{
    return rawType <= uint32_t(GgufValueType::Float64);
}

namespace
{
bool isSignedType(GgufValueType type)
{
    return type == GgufValueType::Int8 || type == GgufValueType::Int16 || type == GgufValueType::Int32
        || type == GgufValueType::Int64;
}

bool isIntegerType(GgufValueType type)
{
    switch (type) {
    case GgufValueType::Uint8:
    case GgufValueType::Int8:
    case GgufValueType::Uint16:
    case GgufValueType::Int16:
    case GgufValueType::Uint32:
    case GgufValueType::Int32:
    case GgufValueType::Uint64:
    case GgufValueType::Int64:
        return true;
    default:
        return false;
    }
}

bool isNumberType(GgufValueType type)
{
    return isIntegerType(type) || type == GgufValueType::Float32 || type == GgufValueType::Float64;
}

std::string describe(const GgufValue &value)
{
    std::string s(ggufValueTypeName(value.type()));
    if (value.isArray()) {
        s += " of ";
        s += ggufValueTypeName(value.arrayType());
    }
    return s;
}

float floatBits(uint64_t bits)
{
    return std::bit_cast<float>(static_cast<uint32_t>(bits));
}

double doubleBits(uint64_t bits)
{
    return std::bit_cast<double>(bits);
}

// Shortest text that reads back as the same float/double.
template<typename T>
std::string formatFloat(T value)
{
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

// Quoted and escaped for a terminal; bytes that are not UTF-8 are shown as \xNN.
void appendQuoted(std::string &out, const std::string &s)
{
    const bool utf8 = gguf::isValidUtf8(s);
    out += '"';
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c == '\r') {
            out += "\\r";
        } else if (u < 0x20 || u == 0x7f || (u >= 0x80 && !utf8)) {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[u >> 4];
            out += hex[u & 15];
        } else {
            out += c;
        }
    }
    out += '"';
}
}

// Vocabularies hold hundreds of thousands of values; their size is most of a model's load time.
static_assert(sizeof(GgufValue) <= 48);

GgufValue::GgufValue() = default;

GgufValue GgufValue::scalar(GgufValueType type, uint64_t bits)
{
    GgufValue value;
    value.m_type = type;
    value.m_value = bits;
    return value;
}

// Signed values are kept sign-extended to 64 bits, so toInt64() is a plain cast.
GgufValue GgufValue::uint8(uint8_t v)
{
    return scalar(GgufValueType::Uint8, v);
}
GgufValue GgufValue::int8(int8_t v)
{
    return scalar(GgufValueType::Int8, static_cast<uint64_t>(int64_t(v)));
}
GgufValue GgufValue::uint16(uint16_t v)
{
    return scalar(GgufValueType::Uint16, v);
}
GgufValue GgufValue::int16(int16_t v)
{
    return scalar(GgufValueType::Int16, static_cast<uint64_t>(int64_t(v)));
}
GgufValue GgufValue::uint32(uint32_t v)
{
    return scalar(GgufValueType::Uint32, v);
}
GgufValue GgufValue::int32(int32_t v)
{
    return scalar(GgufValueType::Int32, static_cast<uint64_t>(int64_t(v)));
}
GgufValue GgufValue::uint64(uint64_t v)
{
    return scalar(GgufValueType::Uint64, v);
}
GgufValue GgufValue::int64(int64_t v)
{
    return scalar(GgufValueType::Int64, static_cast<uint64_t>(v));
}

GgufValue GgufValue::float32(float v)
{
    return scalar(GgufValueType::Float32, std::bit_cast<uint32_t>(v));
}

GgufValue GgufValue::float64(double v)
{
    return scalar(GgufValueType::Float64, std::bit_cast<uint64_t>(v));
}

GgufValue GgufValue::boolean(bool v)
{
    return scalar(GgufValueType::Bool, v ? 1 : 0);
}

GgufValue GgufValue::string(std::string v)
{
    GgufValue value;
    value.m_type = GgufValueType::String;
    value.m_value = std::move(v);
    return value;
}

GgufValue GgufValue::array(GgufValueType elementType, std::vector<GgufValue> elements)
{
    if (!isValidGgufValueType(uint32_t(elementType))) {
        throw Error("GGUF array: invalid element type " + std::to_string(uint32_t(elementType)));
    }
    for (size_t i = 0; i < elements.size(); ++i) {
        if (elements[i].type() != elementType) {
            throw Error("GGUF array of " + std::string(ggufValueTypeName(elementType)) + ": element " + std::to_string(i)
                        + " has type " + std::string(ggufValueTypeName(elements[i].type())));
        }
    }
    GgufValue value;
    value.m_type = GgufValueType::Array;
    value.m_arrayType = elementType;
    value.m_value = std::move(elements);
    return value;
}

GgufValue GgufValue::stringArray(const std::vector<std::string> &values)
{
    std::vector<GgufValue> elements;
    elements.reserve(values.size());
    for (const auto &s : values) {
        elements.push_back(string(s));
    }
    return array(GgufValueType::String, std::move(elements));
}

GgufValue GgufValue::float32Array(const std::vector<float> &values)
{
    std::vector<GgufValue> elements;
    elements.reserve(values.size());
    for (const float f : values) {
        elements.push_back(float32(f));
    }
    return array(GgufValueType::Float32, std::move(elements));
}

GgufValue GgufValue::int32Array(const std::vector<int32_t> &values)
{
    std::vector<GgufValue> elements;
    elements.reserve(values.size());
    for (const int32_t v : values) {
        elements.push_back(int32(v));
    }
    return array(GgufValueType::Int32, std::move(elements));
}

bool GgufValue::isInteger() const
{
    return isIntegerType(m_type);
}

bool GgufValue::isNumber() const
{
    return isNumberType(m_type);
}

void GgufValue::typeMismatch(std::string_view expected) const
{
    throw Error("value has type " + describe(*this) + ", expected " + std::string(expected));
}

uint64_t GgufValue::toUInt64() const
{
    if (!isInteger()) {
        typeMismatch("an integer");
    }
    if (isSignedType(m_type) && static_cast<int64_t>(bits()) < 0) {
        throw Error("value " + std::to_string(static_cast<int64_t>(bits())) + " is negative, expected an unsigned integer");
    }
    return bits();
}

int64_t GgufValue::toInt64() const
{
    if (!isInteger()) {
        typeMismatch("an integer");
    }
    if (!isSignedType(m_type) && bits() > uint64_t(std::numeric_limits<int64_t>::max())) {
        throw Error("value " + std::to_string(bits()) + " does not fit a signed 64-bit integer");
    }
    return static_cast<int64_t>(bits());
}

double GgufValue::toDouble() const
{
    if (m_type == GgufValueType::Float32) {
        return floatBits(bits());
    }
    if (m_type == GgufValueType::Float64) {
        return doubleBits(bits());
    }
    if (!isInteger()) {
        typeMismatch("a number");
    }
    return isSignedType(m_type) ? double(static_cast<int64_t>(bits())) : double(bits());
}

bool GgufValue::toBool() const
{
    if (m_type != GgufValueType::Bool) {
        typeMismatch("bool");
    }
    return bits() != 0;
}

const std::string &GgufValue::toString() const
{
    if (m_type != GgufValueType::String) {
        typeMismatch("string");
    }
    return text();
}

GgufValueType GgufValue::arrayType() const
{
    if (m_type != GgufValueType::Array) {
        typeMismatch("array");
    }
    return m_arrayType;
}

size_t GgufValue::size() const
{
    return elements().size();
}

const std::vector<GgufValue> &GgufValue::elements() const
{
    if (m_type != GgufValueType::Array) {
        typeMismatch("array");
    }
    return items();
}

const GgufValue &GgufValue::at(size_t index) const
{
    const auto &items = elements();
    if (index >= items.size()) {
        throw Error("array index " + std::to_string(index) + " out of range (" + std::to_string(items.size()) + " items)");
    }
    return items[index];
}

std::vector<std::string> GgufValue::toStringList() const
{
    if (arrayType() != GgufValueType::String) {
        typeMismatch("array of string");
    }
    std::vector<std::string> out;
    out.reserve(items().size());
    for (const auto &e : items()) {
        out.push_back(e.text());
    }
    return out;
}

std::vector<float> GgufValue::toFloatList() const
{
    if (!isNumberType(arrayType())) {
        typeMismatch("array of numbers");
    }
    std::vector<float> out;
    out.reserve(items().size());
    for (const auto &e : items()) {
        out.push_back(static_cast<float>(e.toDouble()));
    }
    return out;
}

std::vector<int32_t> GgufValue::toInt32List() const
{
    if (!isIntegerType(arrayType())) {
        typeMismatch("array of integers");
    }
    std::vector<int32_t> out;
    out.reserve(items().size());
    for (size_t i = 0; i < items().size(); ++i) {
        const auto &e = items()[i];
        const bool negative = isSignedType(e.m_type) && static_cast<int64_t>(e.bits()) < 0;
        const bool fits = negative ? static_cast<int64_t>(e.bits()) >= std::numeric_limits<int32_t>::min()
                                   : e.bits() <= uint64_t(std::numeric_limits<int32_t>::max());
        if (!fits) {
            throw Error("array element " + std::to_string(i) + " (" + e.toDisplayString() + ") does not fit a 32-bit integer");
        }
        out.push_back(static_cast<int32_t>(static_cast<int64_t>(e.bits())));
    }
    return out;
}

std::string GgufValue::toDisplayString(size_t maxArrayItems) const
{
    switch (m_type) {
    case GgufValueType::Float32:
        return formatFloat(floatBits(bits()));
    case GgufValueType::Float64:
        return formatFloat(doubleBits(bits()));
    case GgufValueType::Bool:
        return bits() ? "true" : "false";
    case GgufValueType::String: {
        std::string out;
        appendQuoted(out, text());
        return out;
    }
    case GgufValueType::Array: {
        std::string out = "[";
        const size_t shown = std::min(maxArrayItems, items().size());
        for (size_t i = 0; i < shown; ++i) {
            if (i > 0) {
                out += ", ";
            }
            out += items()[i].toDisplayString(maxArrayItems);
        }
        if (shown < items().size()) {
            out += shown > 0 ? ", ... (" : "... (";
            out += std::to_string(items().size());
            out += " items)";
        }
        out += ']';
        return out;
    }
    default:
        return isSignedType(m_type) ? std::to_string(static_cast<int64_t>(bits())) : std::to_string(bits());
    }
}

bool GgufValue::operator==(const GgufValue &other) const
{
    if (m_type != other.m_type) {
        return false;
    }
    switch (m_type) {
    case GgufValueType::String:
        return text() == other.text();
    case GgufValueType::Array:
        return m_arrayType == other.m_arrayType && items() == other.items();
    default:
        return bits() == other.bits();
    }
}

} // namespace hearth
