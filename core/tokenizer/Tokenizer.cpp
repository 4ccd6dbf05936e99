// SPDX-License-Identifier: GPL-3.0-or-later
#include "tokenizer/Tokenizer.h"

#include "chat/PromptBuilder.h"
#include "gguf/GgufFile.h"
#include "tokenizer/BpeTokenizer.h"
#include "tokenizer/SpmTokenizer.h"
#include "util/Error.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace hearth
{

namespace
{
// Tokens that end a turn, found by their text as llama.cpp does (GGUF rarely names them all).
constexpr std::array<std::string_view, 11> EndOfTurnTexts{
    "<|eot_id|>",
    "<|im_end|>",
    "<|end|>",
    "<end_of_turn>",
    "<|endoftext|>",
    "<|end_of_text|>",
    "<|eom_id|>",
    "<EOT>",
    "_<EOT>",
    "<end_of_utterance>",
    "<\xEF\xBD\x9C" "end\xE2\x96\x81" "of\xE2\x96\x81" "sentence\xEF\xBD\x9C>", // DeepSeek
};

// The byte a "<0xAB>" byte token stands for.
std::optional<unsigned char> byteOf(TokenType type, const std::string &text)
{
    if (type != TokenType::Byte || text.size() != 6 || !text.starts_with("<0x") || text[5] != '>') {
        return std::nullopt;
    }
    unsigned value = 0;
    const auto [end, error] = std::from_chars(text.data() + 3, text.data() + 5, value, 16);
    if (error != std::errc() || end != text.data() + 5) {
        return std::nullopt;
    }
    return static_cast<unsigned char>(value);
}

bool isAsciiSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

std::string lowercase(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
        return static_cast<char>(std::tolower(c));
    });
    return s;
}
}

Tokenizer::Tokenizer(const VocabData &vocab, Defaults defaults)
    : m_source(vocab.source)
{
    const size_t count = vocab.tokens.size();
    if (count == 0) {
        fail("the vocabulary (tokenizer.ggml.tokens) is empty");
    }
    if (count > size_t(INT32_MAX)) {
        fail("the vocabulary has too many tokens");
    }
    // Longer arrays are tolerated, as llama.cpp does.
    if (!vocab.scores.empty() && vocab.scores.size() < count) {
        fail("tokenizer.ggml.scores has " + std::to_string(vocab.scores.size()) + " entries for " + std::to_string(count) + " tokens");
    }
    if (!vocab.types.empty() && vocab.types.size() < count) {
        fail("tokenizer.ggml.token_type has " + std::to_string(vocab.types.size()) + " entries for " + std::to_string(count) + " tokens");
    }

    m_tokens.resize(count);
    m_ids.reserve(count);
    for (size_t i = 0; i < count; ++i) {
        TokenInfo &info = m_tokens[i];
        info.text = vocab.tokens[i];
        info.score = vocab.scores.empty() ? 0.0f : vocab.scores[i];
        if (!vocab.types.empty()) {
            const int32_t type = vocab.types[i];
            info.type = type >= 0 && type <= int32_t(TokenType::Byte) ? TokenType(type) : TokenType::Undefined;
        }
        if (info.text.empty()) {
            continue; // cannot be matched or looked up
        }
        if (!m_ids.emplace(info.text, int32_t(i)).second) {
            fail("the vocabulary lists the token '" + info.text + "' twice (ids " + std::to_string(m_ids.at(info.text)) + " and " + std::to_string(i) + ")");
        }
    }

    const auto specialId = [&](const std::optional<uint64_t> &stored, int32_t fallback) {
        if (stored && *stored < count) {
            return int32_t(*stored);
        }
        return fallback >= 0 && size_t(fallback) < count ? fallback : -1;
    };
    m_bos = specialId(vocab.bos, defaults.spm ? 1 : -1);
    m_eos = specialId(vocab.eos, defaults.spm ? 2 : -1);
    m_unk = specialId(vocab.unk, defaults.spm ? 0 : -1);
    m_eot = specialId(vocab.eot, -1);
    const int32_t eom = specialId(vocab.eom, -1);

    m_addBos = vocab.addBos.value_or(defaults.addBos);
    m_addEos = vocab.addEos.value_or(false);
    m_addSpacePrefix = defaults.spm && vocab.addSpacePrefix.value_or(true);
    if (m_addBos && m_bos < 0) {
        fail("tokenizer.ggml.add_bos_token is set but there is no BOS token");
    }
    if (m_addEos && m_eos < 0) {
        fail("tokenizer.ggml.add_eos_token is set but there is no EOS token");
    }

    // End-of-generation tokens; like llama.cpp, treat them as control tokens even if the file says otherwise
    // (so they are never matched in user text, and are hidden in output).
    m_eog.assign(count, false);
    for (const std::string_view text : EndOfTurnTexts) {
        if (const auto id = lookup(text)) {
            m_eog[*id] = true;
            if (m_eot < 0 && text != "<|eom_id|>") {
                m_eot = *id;
            }
        }
    }
    for (const int32_t id : {m_eos, m_eot, eom}) {
        if (id >= 0) {
            m_eog[id] = true;
        }
    }
    for (size_t i = 0; i < count; ++i) {
        if (m_eog[i]) {
            m_tokens[i].type = TokenType::Control;
        }
    }

    for (size_t i = 0; i < count; ++i) {
        const TokenType type = m_tokens[i].type;
        if (!m_tokens[i].text.empty() && (type == TokenType::Control || type == TokenType::UserDefined || type == TokenType::Unknown)) {
            m_specialTokens.push_back(int32_t(i));
        }
    }
    // Longest first, so "<|im_start|>" wins over a shorter token it contains.
    std::stable_sort(m_specialTokens.begin(), m_specialTokens.end(), [this](int32_t a, int32_t b) {
        return m_tokens[a].text.size() > m_tokens[b].text.size();
    });

    // Phi-3's added tokens swallow the whitespace after them (its tokenizer.json says rstrip); GGUF does not
    // record this, llama.cpp recognises the model by name.
    const std::string name = lowercase(vocab.name);
    if (name.find("phi-3") != std::string::npos || name.find("phi3") != std::string::npos) {
        for (const int32_t id : m_specialTokens) {
            m_tokens[id].stripRight = true;
        }
        for (const std::string_view text : {"<unk>", "<s>", "<|endoftext|>"}) {
            if (const auto id = lookup(text)) {
                m_tokens[*id].stripRight = false;
            }
        }
        if (const auto id = lookup("</s>")) {
            m_tokens[*id].stripRight = true;
        }
    }
}

Tokenizer::~Tokenizer() = default;

std::unique_ptr<Tokenizer> Tokenizer::fromVocab(const VocabData &vocab)
{
    if (vocab.model == "llama") {
        return std::make_unique<SpmTokenizer>(vocab);
    }
    if (vocab.model == "gpt2") {
        return std::make_unique<BpeTokenizer>(vocab);
    }
    throw Error(vocab.source + ": tokenizer model '" + vocab.model + "' is not supported (supported: llama, gpt2)");
}

std::unique_ptr<Tokenizer> Tokenizer::fromGguf(const GgufFile &file)
{
    VocabData vocab;
    vocab.source = file.path();
    // GgufFile's errors name the file and key; GgufValue's conversions name neither.
    const auto withKey = [&](std::string_view key, auto read) {
        try {
            return read();
        } catch (const Error &e) {
            const std::string what = e.what();
            throw Error(what.starts_with(vocab.source) ? what : vocab.source + ": metadata key '" + std::string(key) + "': " + what);
        }
    };
    const auto stringList = [&](std::string_view key) {
        return withKey(key, [&] {
            const GgufValue *value = file.find(key);
            return value ? value->toStringList() : std::vector<std::string>{};
        });
    };
    const auto optionalId = [&](std::string_view key) {
        return withKey(key, [&]() -> std::optional<uint64_t> {
            const GgufValue *value = file.find(key);
            if (!value) {
                return std::nullopt;
            }
            // Some converters write -1 for "none"; like 0xFFFFFFFF it is out of range and ignored.
            if (value->isInteger() && value->type() != GgufValueType::Uint64 && value->toInt64() < 0) {
                return UINT64_MAX;
            }
            return file.getUInt(key, 0);
        });
    };
    const auto optionalBool = [&](std::string_view key) {
        return withKey(key, [&]() -> std::optional<bool> {
            return file.find(key) ? std::optional<bool>(file.getBool(key, false)) : std::nullopt;
        });
    };

    vocab.model = file.requireString("tokenizer.ggml.model");
    vocab.pre = file.getString("tokenizer.ggml.pre", {});
    vocab.name = file.getString("general.name", {});
    file.require("tokenizer.ggml.tokens");
    vocab.tokens = stringList("tokenizer.ggml.tokens");
    vocab.merges = stringList("tokenizer.ggml.merges");
    vocab.scores = withKey("tokenizer.ggml.scores", [&] {
        const GgufValue *value = file.find("tokenizer.ggml.scores");
        return value ? value->toFloatList() : std::vector<float>{};
    });
    vocab.types = withKey("tokenizer.ggml.token_type", [&] {
        const GgufValue *value = file.find("tokenizer.ggml.token_type");
        return value ? value->toInt32List() : std::vector<int32_t>{};
    });
    vocab.bos = optionalId("tokenizer.ggml.bos_token_id");
    vocab.eos = optionalId("tokenizer.ggml.eos_token_id");
    vocab.eot = optionalId("tokenizer.ggml.eot_token_id");
    vocab.eom = optionalId("tokenizer.ggml.eom_token_id");
    vocab.unk = optionalId("tokenizer.ggml.unknown_token_id");
    vocab.addBos = optionalBool("tokenizer.ggml.add_bos_token");
    vocab.addEos = optionalBool("tokenizer.ggml.add_eos_token");
    vocab.addSpacePrefix = optionalBool("tokenizer.ggml.add_space_prefix");
    return fromVocab(vocab);
}

void Tokenizer::fail(const std::string &problem) const
{
    throw Error(m_source + ": " + problem);
}

void Tokenizer::checkId(int32_t id) const
{
    if (id < 0 || id >= vocabSize()) {
        throw Error("token id " + std::to_string(id) + " is outside the vocabulary (" + std::to_string(vocabSize()) + " tokens) of " + m_source);
    }
}

void Tokenizer::buildPieces()
{
    m_pieces.resize(m_tokens.size());
    for (size_t i = 0; i < m_tokens.size(); ++i) {
        const TokenInfo &info = m_tokens[i];
        if (info.type == TokenType::Normal) {
            m_pieces[i] = normalPiece(info.text);
        } else if (const auto byte = byteOf(info.type, info.text)) {
            m_pieces[i] = std::string(1, char(*byte));
        } else {
            m_pieces[i] = info.text;
        }
    }
}

std::optional<int32_t> Tokenizer::byteToken(unsigned char byte) const
{
    static constexpr char Hex[] = "0123456789ABCDEF";
    const char name[6] = {'<', '0', 'x', Hex[byte >> 4], Hex[byte & 15], '>'};
    return lookup(std::string_view(name, sizeof name));
}

std::vector<Tokenizer::Fragment> Tokenizer::partition(std::string_view text, bool parseSpecial) const
{
    std::vector<Fragment> fragments;
    if (text.empty()) {
        return fragments;
    }
    fragments.push_back({-1, 0, text.size()});
    std::vector<Fragment> next;
    for (const int32_t id : m_specialTokens) {
        const TokenInfo &token = m_tokens[id];
        if (!parseSpecial && token.type != TokenType::UserDefined) {
            continue;
        }
        if (text.find(token.text) == std::string_view::npos) {
            continue;
        }
        next.clear();
        for (const Fragment &fragment : fragments) {
            if (fragment.token >= 0) {
                next.push_back(fragment);
                continue;
            }
            size_t begin = fragment.begin;
            const std::string_view window = text.substr(0, fragment.end);
            for (size_t match = window.find(token.text, begin); match != std::string_view::npos; match = window.find(token.text, begin)) {
                if (match > begin) {
                    next.push_back({-1, begin, match});
                }
                next.push_back({id, match, match + token.text.size()});
                begin = match + token.text.size();
                while (token.stripRight && begin < fragment.end && isAsciiSpace(text[begin])) {
                    ++begin;
                }
            }
            if (begin < fragment.end) {
                next.push_back({-1, begin, fragment.end});
            }
        }
        fragments.swap(next);
    }
    return fragments;
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool addSpecial, bool parseSpecial) const
{
    return encodeFragments(text, partition(text, parseSpecial), addSpecial);
}

std::vector<int32_t> Tokenizer::encodePrompt(std::span<const PromptSegment> segments, bool addSpecial) const
{
    std::string text;
    std::vector<Fragment> fragments;
    for (const PromptSegment &segment : segments) {
        const size_t offset = text.size();
        text += segment.text;
        for (Fragment fragment : partition(segment.text, segment.trusted)) {
            fragment.begin += offset;
            fragment.end += offset;
            if (fragment.token < 0 && !fragments.empty() && fragments.back().token < 0 && fragments.back().end == fragment.begin) {
                fragments.back().end = fragment.end; // one piece of text across the segment boundary
            } else {
                fragments.push_back(fragment);
            }
        }
    }
    return encodeFragments(text, fragments, addSpecial);
}

std::vector<int32_t> Tokenizer::encodeFragments(std::string_view text, const std::vector<Fragment> &fragments, bool addSpecial) const
{
    std::vector<int32_t> out;
    out.reserve(text.size() / 3 + 2);
    if (addSpecial && m_addBos) {
        out.push_back(m_bos);
    }
    bool afterSpecial = true;
    for (const Fragment &fragment : fragments) {
        if (fragment.token >= 0) {
            out.push_back(fragment.token);
            afterSpecial = true;
        } else {
            encodeText(text.substr(fragment.begin, fragment.end - fragment.begin), afterSpecial, out);
            afterSpecial = false;
        }
    }
    if (addSpecial && m_addEos) {
        out.push_back(m_eos);
    }
    return out;
}

std::string Tokenizer::tokenToPiece(int32_t id) const
{
    checkId(id);
    return m_pieces[id];
}

std::string Tokenizer::decode(std::span<const int32_t> ids) const
{
    std::string out;
    bool first = true;
    for (const int32_t id : ids) {
        checkId(id);
        if (isHidden(id)) {
            continue;
        }
        std::string_view piece = m_pieces[id];
        if (first && m_addSpacePrefix && piece.starts_with(' ')) {
            piece.remove_prefix(1);
        }
        first = false;
        out += piece;
    }
    return out;
}

bool Tokenizer::isEog(int32_t id) const
{
    return id >= 0 && id < vocabSize() && m_eog[id];
}

bool Tokenizer::isControl(int32_t id) const
{
    return id >= 0 && id < vocabSize() && m_tokens[id].type == TokenType::Control;
}

bool Tokenizer::isHidden(int32_t id) const
{
    return id >= 0 && id < vocabSize() && (m_tokens[id].type == TokenType::Control || m_tokens[id].type == TokenType::Unknown);
}

std::optional<int32_t> Tokenizer::findToken(std::string_view text) const
{
    return lookup(text);
}

const std::string &Tokenizer::tokenText(int32_t id) const
{
    checkId(id);
    return m_tokens[id].text;
}

TokenType Tokenizer::tokenType(int32_t id) const
{
    checkId(id);
    return m_tokens[id].type;
}

} // namespace hearth
