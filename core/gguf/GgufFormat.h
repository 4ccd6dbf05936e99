// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "quant/GgmlType.h"

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

// File-format facts and checks shared by GgufFile (reading) and GgufWriter, so both accept exactly the same.
namespace hearth::gguf
{

static_assert(std::endian::native == std::endian::little, "GGUF is little-endian; the reader assumes a little-endian host");

inline constexpr uint32_t kMagic = 0x46554747; // "GGUF" read as a little-endian uint32
inline constexpr uint32_t kWriteVersion = 3;
inline constexpr uint32_t kDefaultAlignment = 32;
inline constexpr uint32_t kMaxDims = 4;
inline constexpr std::string_view kAlignmentKey = "general.alignment";
// llama.cpp refuses tensor names that do not fit ggml's 64-byte name field (with its NUL), so the writer does
// too; the reader accepts longer ones, Hearth has no such limit.
inline constexpr size_t kMaxWrittenTensorName = 63;
// Real files nest at most one level (arrays of arrays are rare); the limit keeps recursion off the stack's
// edge for hostile files.
inline constexpr int kMaxArrayDepth = 16;

inline bool isPowerOfTwo(uint64_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

// Strict UTF-8: no overlong forms, surrogates or code points above U+10FFFF.
bool isValidUtf8(std::string_view s);

// What is wrong with a key or tensor name, or "" when it is fine (non-empty, valid UTF-8).
std::string nameProblem(std::string_view name);

// What is wrong with a tensor shape (ne, innermost first) of `layout`'s type, or "" and the byte size in
// `nbytes`: 1 to 4 dims, each >= 1 and <= INT64_MAX (ggml's int64 ne), an element count that fits, a row length
// that is a multiple of the block size.
std::string tensorShapeProblem(const GgmlTypeLayout &layout, std::span<const uint64_t> ne, uint64_t &nbytes);

// "[64, 512]"
std::string shapeString(std::span<const uint64_t> ne);

} // namespace hearth::gguf
