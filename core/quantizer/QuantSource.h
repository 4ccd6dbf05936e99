// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "gguf/GgufValue.h"
#include "quant/GgmlType.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace hearth
{

class GgufFile;

// A model the Quantizer reads tensor by tensor as floats, in GGUF naming and layout: a GGUF file, or a
// Hugging Face folder seen through HfConverter. Implementations map their files, so reading a tensor costs
// no copy, and release() lets the OS drop its pages again: memory stays bounded by the largest tensor.
class QuantSource
{
public:
    struct Tensor {
        std::string name;
        std::vector<uint64_t> shape; // ne, innermost (row length) first
        GgmlType type; // as stored in the input
        uint64_t bytes; // input bytes

        uint64_t rowLength() const
        {
            return shape.front();
        }
        uint64_t rowCount() const;
        uint64_t elementCount() const
        {
            return rowLength() * rowCount();
        }
    };

    virtual ~QuantSource() = default;

    virtual std::string path() const = 0;
    // The GGUF metadata of the model (architecture, hyperparameters, tokenizer), in writing order.
    virtual const std::vector<std::pair<std::string, GgufValue>> &metadata() const = 0;
    virtual const std::vector<Tensor> &tensors() const = 0;
    // Decodes rows [firstRow, firstRow + rows) of tensor `index` into dst. Safe to call from several threads.
    virtual void readRows(size_t index, uint64_t firstRow, uint64_t rows, float *dst) const = 0;
    // The tensor has been read: its pages may leave memory.
    virtual void release(size_t index) const = 0;

    // Opens a GGUF file whose tensors are F32, F16 or BF16; throws hearth::Error "PATH: problem".
    static std::unique_ptr<QuantSource> openGguf(const std::string &path);
};

// Decodes n elements of an F32/F16/BF16 tensor; throws for other types.
void decodeFloatElements(GgmlType type, const uint8_t *src, float *dst, uint64_t n);
// Tells the kernel that a mapped range will not be read again soon (its clean pages are dropped).
void releaseMappedRange(const void *data, uint64_t size);

} // namespace hearth
