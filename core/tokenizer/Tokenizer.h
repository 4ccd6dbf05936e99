// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "tokenizer/VocabData.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hearth
{

class GgufFile;
struct PromptSegment;

// Text <-> token ids for a model's vocabulary, matching llama.cpp (and so the Hugging Face tokenizers the
// models were trained with): SentencePiece ("llama") and byte-level BPE ("gpt2") vocabularies.
// Immutable after construction; the const methods may be called from several threads.
class Tokenizer
{
public:
    virtual ~Tokenizer();
    Tokenizer(const Tokenizer &) = delete;
    Tokenizer &operator=(const Tokenizer &) = delete;

    // Reads tokenizer.ggml.* (and general.name); throws hearth::Error "PATH: problem".
    static std::unique_ptr<Tokenizer> fromGguf(const GgufFile &file);
    // Throws hearth::Error naming vocab.source.
    static std::unique_ptr<Tokenizer> fromVocab(const VocabData &vocab);

    // addSpecial adds BOS/EOS as the model asks (addBos()/addEos()). Control and unknown tokens written in the
    // text ("<|im_start|>") become those tokens only with parseSpecial (chat templates), never in user text;
    // user-defined tokens are always matched first, as Hugging Face tokenizers and llama.cpp do (GPT-NeoX's
    // runs of spaces, for instance). Invalid UTF-8 is accepted: SentencePiece falls back to byte tokens, BPE
    // reads each invalid byte as U+FFFD, as llama.cpp does.
    std::vector<int32_t> encode(std::string_view text, bool addSpecial, bool parseSpecial = false) const;
    // A rendered chat prompt: control-token text becomes those tokens only inside trusted segments (template
    // text), never in message content. Text on both sides of a segment boundary is encoded as one piece, so a
    // prompt without control-token text in its content gives what encode(whole text, addSpecial, true) gives.
    std::vector<int32_t> encodePrompt(std::span<const PromptSegment> segments, bool addSpecial) const;

    // The token's bytes: byte tokens give their byte, SentencePiece's U+2581 becomes ' ', byte-level BPE
    // characters become their bytes; control and user-defined tokens give their text. Throws hearth::Error for
    // an id outside the vocabulary.
    std::string tokenToPiece(int32_t id) const;
    // Concatenated pieces, without control and unknown tokens, and without the space SentencePiece put in
    // front of the text, so decode(encode(text, ...)) == text for these vocabularies (no Hugging Face
    // "clean_up_tokenization_spaces"). Bytes, not necessarily valid UTF-8 if the ids end mid-character.
    std::string decode(std::span<const int32_t> ids) const;

    int32_t vocabSize() const
    {
        return static_cast<int32_t>(m_tokens.size());
    }
    int32_t bos() const // -1 when absent
    {
        return m_bos;
    }
    int32_t eos() const
    {
        return m_eos;
    }
    int32_t eot() const // end of turn ("<|eot_id|>", "<|im_end|>", ...), -1 when absent
    {
        return m_eot;
    }
    bool addBos() const
    {
        return m_addBos;
    }
    bool addEos() const
    {
        return m_addEos;
    }
    // Ends generation: EOS, EOT, EOM and the usual end-of-turn tokens found by their text.
    bool isEog(int32_t id) const;
    bool isControl(int32_t id) const;
    // Control and unknown tokens: they render as nothing in decode() and StreamDecoder.
    bool isHidden(int32_t id) const;
    std::optional<int32_t> findToken(std::string_view text) const; // exact vocabulary entry
    const std::string &tokenText(int32_t id) const; // the entry as stored in the vocabulary
    TokenType tokenType(int32_t id) const;

protected:
    struct TokenInfo {
        std::string text;
        float score = 0.0f;
        TokenType type = TokenType::Normal;
        bool stripRight = false; // whitespace after the token in text is absorbed when it is matched
    };

    struct StringHash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const noexcept
        {
            return std::hash<std::string_view>{}(s);
        }
    };
    using StringMap = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;

    // Model-type defaults that the metadata may override.
    struct Defaults {
        bool spm = false; // SentencePiece ids (BOS 1, EOS 2, UNK 0) and the leading-space rule
        bool addBos = false;
    };

    Tokenizer(const VocabData &vocab, Defaults defaults);

    // Encodes one piece of text between special tokens; afterSpecial: it starts the text or follows a token.
    virtual void encodeText(std::string_view text, bool afterSpecial, std::vector<int32_t> &out) const = 0;
    // The piece of a Normal token (other types are handled here).
    virtual std::string normalPiece(const std::string &text) const = 0;
    // Subclasses call this at the end of their constructor, once normalPiece() works.
    void buildPieces();

    std::optional<int32_t> lookup(std::string_view text) const
    {
        const auto it = m_ids.find(text);
        return it == m_ids.end() ? std::nullopt : std::optional<int32_t>(it->second);
    }
    // <0xAB> tokens (SentencePiece byte fallback).
    std::optional<int32_t> byteToken(unsigned char byte) const;
    [[noreturn]] void fail(const std::string &problem) const;

    std::string m_source;
    std::vector<TokenInfo> m_tokens;
    StringMap m_ids;
    int32_t m_unk = -1;
    bool m_addSpacePrefix = false;

private:
    struct Fragment {
        int32_t token; // -1: text
        size_t begin;
        size_t end;
    };
    std::vector<Fragment> partition(std::string_view text, bool parseSpecial) const;
    std::vector<int32_t> encodeFragments(std::string_view text, const std::vector<Fragment> &fragments, bool addSpecial) const;
    void checkId(int32_t id) const;

    int32_t m_bos = -1;
    int32_t m_eos = -1;
    int32_t m_eot = -1;
    bool m_addBos = false;
    bool m_addEos = false;
    std::vector<int32_t> m_specialTokens; // matched in text before encoding, longest first
    std::vector<bool> m_eog;
    std::vector<std::string> m_pieces;
};

} // namespace hearth
