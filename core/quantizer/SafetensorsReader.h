// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "quant/GgmlType.h"
#include "util/MappedFile.h"

#include <cstdint>
#include <string>
#include <vector>

namespace hearth
{

// A .safetensors file (8-byte little-endian header length, JSON header, raw row-major data), mapped
// read-only. Only the F32, F16 and BF16 tensors a Llama checkpoint holds are accepted; offsets and sizes
// are checked against the shapes and the file. Throws hearth::Error "PATH: problem".
class SafetensorsReader
{
public:
    struct Tensor {
        std::string name;
        GgmlType type;
        std::vector<uint64_t> shape; // as PyTorch: outermost first
        const uint8_t *data;
        uint64_t bytes;
    };

    explicit SafetensorsReader(const std::string &path);

    const std::string &path() const
    {
        return m_file.path();
    }
    const std::vector<Tensor> &tensors() const
    {
        return m_tensors;
    }
    const Tensor *find(const std::string &name) const; // nullptr if absent

private:
    MappedFile m_file;
    std::vector<Tensor> m_tensors;
};

} // namespace hearth
