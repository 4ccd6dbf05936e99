// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "gguf/GgufFile.h"
#include "tokenizer/Tokenizer.h"
#include "tokenizer/Utf8.h"
#include "util/Error.h"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

// Helpers shared by the libFuzzer targets. A target reports a broken property with abort() so that libFuzzer
// saves the input as a crasher.
namespace fuzz
{
inline std::string sharedDir()
{
    const char *fromEnv = std::getenv("HEARTH_SHARED_DIR");
    return fromEnv && *fromEnv ? fromEnv : HEARTH_SHARED_DIR_DEFAULT;
}

// A new folder for the files a target writes on every input: in memory (/dev/shm) when there is one, since
// the writers fsync.
inline std::string temporaryFolder(const std::string &name)
{
    std::string folder = (access("/dev/shm", W_OK) == 0 ? "/dev/shm/hearth-fuzz-" : "/tmp/hearth-fuzz-") + name + "-XXXXXX";
    if (!mkdtemp(folder.data())) {
        std::perror("fuzz: mkdtemp");
        std::abort();
    }
    return folder;
}

[[noreturn]] inline void violated(const char *property)
{
    std::fprintf(stderr, "fuzz property violated: %s\n", property);
    std::abort();
}

inline void require(bool holds, const char *property)
{
    if (!holds) {
        violated(property);
    }
}

inline bool isValidUtf8(std::string_view text)
{
    // decode() turns every invalid byte into U+FFFD, so only valid text survives the round trip.
    std::string again;
    for (const char32_t c : hearth::utf8::decode(text)) {
        hearth::utf8::append(again, c);
    }
    return again == text;
}

// A tiny SentencePiece vocabulary with byte fallback and ChatML control tokens.
inline hearth::VocabData builtInSpmVocab()
{
    hearth::VocabData v;
    v.source = "built-in SentencePiece vocabulary";
    v.model = "llama";
    v.tokens = {"<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"};
    v.types = {2, 3, 3, 3, 3};
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        v.tokens.emplace_back(name);
        v.types.push_back(int32_t(hearth::TokenType::Byte));
    }
    for (const char *piece : {"\xE2\x96\x81", "a", "b", "ab", "\xE2\x96\x81" "a", "\xE2\x96\x81" "the", "the", "e", "h", "t", "\xC3\xA9"}) {
        v.tokens.emplace_back(piece);
        v.types.push_back(int32_t(hearth::TokenType::Normal));
    }
    for (size_t i = 0; i < v.tokens.size(); ++i) {
        v.scores.push_back(-float(i));
    }
    return v;
}

// The ../shared tokenizer-suite vocabularies that exist, by name ("llama-spm", "gpt-2", ...). Missing ones are
// skipped with a note; `fallback` is used when none is found, so the targets also run without ../shared.
inline std::vector<std::unique_ptr<hearth::Tokenizer>> loadVocabularies(const std::vector<std::string> &names,
                                                                          const hearth::VocabData &fallback)
{
    std::vector<std::unique_ptr<hearth::Tokenizer>> out;
    for (const std::string &name : names) {
        const std::string path = sharedDir() + "/models/vocab/ggml-vocab-" + name + ".gguf";
        try {
            out.push_back(hearth::Tokenizer::fromGguf(*hearth::GgufFile::open(path)));
        } catch (const hearth::Error &e) {
            std::fprintf(stderr, "fuzz: skipping vocabulary %s\n", e.what());
        }
    }
    if (out.empty()) {
        std::fprintf(stderr, "fuzz: no shared vocabulary found, using the built-in one\n");
        out.push_back(hearth::Tokenizer::fromVocab(fallback));
    }
    return out;
}
}
