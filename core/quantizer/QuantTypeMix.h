// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "quant/GgmlType.h"

#include <cstdint>
#include <string_view>

namespace hearth
{

enum class QuantTarget;

// What the llama.cpp rules need to know about the model as a whole.
struct QuantModelFacts {
    uint32_t layers = 0;
    bool hasOutput = true; // false when the output projection is tied to token_embd.weight
};

struct QuantTypeChoice {
    GgmlType type;
    bool fallback; // the preferred type's block does not divide the row length
};

// The type of one tensor for a target: 1-D tensors stay F32; 2-D weights follow llama.cpp's
// llama_tensor_get_type for the target's file type (output projection Q6_K, attn_v and ffn_down in the
// "more bits" layers Q6_K for the _M mixes, ...). When the chosen type's block does not divide the row length,
// the nearest type with no fewer bits per weight that fits is used (Q4_K -> Q4_0, other K-quants -> Q8_0,
// then F16), where llama.cpp would stop.
QuantTypeChoice chooseQuantType(QuantTarget target, std::string_view name, uint32_t nDims, uint64_t rowLength,
                                const QuantModelFacts &facts);

} // namespace hearth
