// SPDX-License-Identifier: GPL-3.0-or-later
// Any bytes as a GGUF file: the reader, then everything that reads a model's metadata (configuration,
// tokenizer, chat template) either accepts them or throws hearth::Error. Accepted tensors lie inside the input.
#include "FuzzSupport.h"

#include "chat/ModelChatTemplate.h"
#include "model/LlamaConfig.h"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    std::unique_ptr<hearth::GgufFile> file;
    try {
        file = hearth::GgufFile::fromMemory(data, size, "fuzz.gguf");
    } catch (const hearth::Error &) {
        return 0;
    }
    for (const auto &tensor : file->tensors()) {
        fuzz::require(tensor.data >= data && tensor.nbytes <= size && tensor.data - data <= std::ptrdiff_t(size - tensor.nbytes),
                      "an accepted tensor lies inside the file");
        fuzz::require(file->findTensor(tensor.name) == &tensor, "tensor lookup finds the entry");
    }
    for (const auto &[key, value] : file->metadata()) {
        fuzz::require(file->find(key) == &value, "metadata lookup finds the entry");
    }
    try {
        hearth::LlamaConfig::fromGguf(*file);
    } catch (const hearth::Error &) {
    }
    try {
        const auto tokenizer = hearth::Tokenizer::fromGguf(*file);
        // A little text through whatever vocabulary the file holds.
        const auto ids = tokenizer->encode("Hello <s> world\xff", true, true);
        tokenizer->decode(ids);
    } catch (const hearth::Error &) {
    }
    try {
        hearth::ModelChatTemplate::read(*file);
    } catch (const hearth::Error &) {
    }
    return 0;
}
