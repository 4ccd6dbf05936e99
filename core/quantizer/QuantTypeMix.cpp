// SPDX-License-Identifier: GPL-3.0-or-later
#include "quantizer/QuantTypeMix.h"

#include "quantizer/Quantizer.h"

#include <string>

namespace hearth
{

namespace
{
// llama.cpp's use_more_bits: the first and last eighth of the layers, and every third one in between.
bool useMoreBits(int layer, int layers)
{
    return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
}

// "blk.12.attn_v.weight" -> 12, or -1.
int layerOf(std::string_view name)
{
    if (!name.starts_with("blk.")) {
        return -1;
    }
    int layer = 0;
    size_t i = 4;
    for (; i < name.size() && name[i] >= '0' && name[i] <= '9'; ++i) {
        layer = layer * 10 + (name[i] - '0');
    }
    return i > 4 ? layer : -1;
}

bool isMixed(QuantTarget target)
{
    return target == QuantTarget::Q4_K_M || target == QuantTarget::Q5_K_M;
}

GgmlType preferredType(QuantTarget target, std::string_view name, uint64_t rowLength, const QuantModelFacts &facts)
{
    const GgmlType base = quantTargetBaseType(target);
    const bool quantized = base != GgmlType::F32 && base != GgmlType::F16 && base != GgmlType::BF16;
    // Q8_K is no llama.cpp file type: every weight gets it (as llama-quantize --pure would).
    if (!quantized || target == QuantTarget::Q8_K) {
        return base;
    }
    if (name == "output.weight" || (!facts.hasOutput && name == "token_embd.weight")) {
        if (rowLength % 256 != 0) {
            return GgmlType::Q8_0;
        }
        return base == GgmlType::Q8_0 ? GgmlType::Q8_0 : GgmlType::Q6_K;
    }
    if (isMixed(target) && (name.ends_with(".attn_v.weight") || name.ends_with(".ffn_down.weight"))) {
        const int layer = layerOf(name);
        if (layer >= 0 && useMoreBits(layer, int(facts.layers))) {
            return GgmlType::Q6_K;
        }
    }
    return base;
}

bool fits(GgmlType type, uint64_t rowLength)
{
    return rowLength % ggmlTypeLayout(type).blockSize == 0;
}
}

QuantTypeChoice chooseQuantType(QuantTarget target, std::string_view name, uint32_t nDims, uint64_t rowLength,
                                const QuantModelFacts &facts)
{
    if (nDims < 2) {
        return {GgmlType::F32, false};
    }
    const GgmlType preferred = preferredType(target, name, rowLength, facts);
    if (fits(preferred, rowLength)) {
        return {preferred, false};
    }
    // Nearest in bits per weight without going below: Q4_0 has Q4_K's 4.5 bits, Q8_0 is the only 32-block type
    // above that; F16 fits every row.
    const GgmlType candidates[] = {preferred == GgmlType::Q4_K ? GgmlType::Q4_0 : GgmlType::Q8_0, GgmlType::Q8_0};
    for (const GgmlType candidate : candidates) {
        if (candidate != preferred && fits(candidate, rowLength)) {
            return {candidate, true};
        }
    }
    return {GgmlType::F16, true};
}

} // namespace hearth
