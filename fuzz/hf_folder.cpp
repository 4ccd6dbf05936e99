// SPDX-License-Identifier: GPL-3.0-or-later
// A Hugging Face model folder from any bytes, as hearth-quantize converts it: the input is split at its first
// three NUL bytes into config.json, tokenizer.json and tokenizer_config.json, the rest is model.safetensors (an
// empty part: no such file). HfConverter::tokenizerMetadata and HfConverter::open accept the folder or throw
// hearth::Error. Accepted: one token type (and score) per token, every tensor's rows readable (with the Q/K
// row permutation), and the tokenizer metadata written as GGUF loads in Tokenizer::fromGguf or is refused
// with an Error.
#include "FuzzSupport.h"

#include "gguf/GgufWriter.h"
#include "quantizer/HfConverter.h"
#include "quantizer/QuantSource.h"

#include <fstream>
#include <unistd.h>

namespace
{
std::string g_folder;
const char *const g_files[] = {"config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors"};

void writeFile(const std::string &name, std::string_view content)
{
    const std::string path = g_folder + "/" + name;
    ::unlink(path.c_str());
    if (content.empty()) {
        return; // absent
    }
    std::ofstream out(path, std::ios::binary);
    out.write(content.data(), std::streamsize(content.size()));
    fuzz::require(bool(out), "the part is written");
}

void checkTokenizer(const hearth::HfConverter::Metadata &metadata)
{
    size_t tokens = 0;
    std::optional<size_t> types;
    std::optional<size_t> scores;
    hearth::GgufWriter writer;
    for (const auto &[key, value] : metadata) {
        if (key == "tokenizer.ggml.tokens") {
            tokens = value.size();
        } else if (key == "tokenizer.ggml.token_type") {
            types = value.size();
        } else if (key == "tokenizer.ggml.scores") {
            scores = value.size();
        }
        writer.set(key, value);
    }
    fuzz::require(tokens > 0 && types == tokens && (!scores || scores == tokens), "one type and score per token");
    const std::string gguf = g_folder + "/vocab.gguf";
    writer.write(gguf, {});
    try {
        const auto tokenizer = hearth::Tokenizer::fromGguf(*hearth::GgufFile::open(gguf));
        const std::vector<int32_t> ids = tokenizer->encode("Hello world", true, true);
        for (const int32_t id : ids) {
            fuzz::require(id >= 0 && id < tokenizer->vocabSize(), "token ids inside the vocabulary");
        }
    } catch (const hearth::Error &) {
    }
}
}

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    g_folder = fuzz::temporaryFolder("hf");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    std::string_view rest(reinterpret_cast<const char *>(data), size);
    for (size_t i = 0; i < 4; ++i) {
        const size_t end = i < 3 ? rest.find('\0') : std::string_view::npos;
        writeFile(g_files[i], rest.substr(0, end));
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    }
    try {
        checkTokenizer(hearth::HfConverter::tokenizerMetadata(g_folder, 0));
    } catch (const hearth::Error &) {
    }
    try {
        const std::unique_ptr<hearth::QuantSource> source = hearth::HfConverter::open(g_folder);
        std::vector<float> rows;
        for (size_t i = 0; i < source->tensors().size(); ++i) {
            const auto &tensor = source->tensors()[i];
            fuzz::require(tensor.rowCount() > 0 && tensor.bytes % tensor.rowCount() == 0, "whole rows");
            rows.resize(tensor.rowCount() * tensor.rowLength());
            source->readRows(i, 0, tensor.rowCount(), rows.data());
        }
    } catch (const hearth::Error &) {
    }
    return 0;
}
