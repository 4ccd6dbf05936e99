// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth
{

// Cuts text into words before byte-level BPE, with the regular expressions of the model's pre-tokenizer
// (tokenizer.ggml.pre). As in llama.cpp, a model may have several: each one in turn splits every piece so far
// into its matches and the text between them. The expressions are compiled once; split() is thread-safe.
class PreTokenizer
{
public:
    struct Config {
        std::vector<std::string_view> patterns; // PCRE2, matched with Unicode properties (\s, \p{L}, ...)
        bool ignoreMerges = false; // a word that is a whole token is taken as is (Llama 3)
        bool addBos = false; // the model's default for tokenizer.ggml.add_bos_token
    };

    // nullopt for a name we do not know; an empty name is llama.cpp's "default".
    static std::optional<Config> configFor(std::string_view pre);

    // Throws std::invalid_argument naming the pattern that does not compile.
    explicit PreTokenizer(const std::vector<std::string_view> &patterns);
    ~PreTokenizer();

    // Words as UTF-8; invalid input bytes come back as U+FFFD.
    std::vector<std::string> split(std::string_view text) const;

private:
    // The compiled expressions (QRegularExpression), out of this header so that the engine's headers need no Qt.
    struct Expressions;
    std::unique_ptr<const Expressions> m_expressions;
};

} // namespace hearth
