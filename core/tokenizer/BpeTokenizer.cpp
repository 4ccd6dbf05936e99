// SPDX-License-Identifier: GPL-3.0-or-later
#include "tokenizer/BpeTokenizer.h"

#include "tokenizer/ByteUnicode.h"
#include "tokenizer/Utf8.h"
#include "util/Error.h"

#include <queue>
#include <stdexcept>

namespace hearth
{

namespace
{
PreTokenizer::Config configOrFail(const VocabData &vocab)
{
    if (auto config = PreTokenizer::configFor(vocab.pre)) {
        return *config;
    }
    throw Error(vocab.source + ": pre-tokenizer '" + vocab.pre + "' (tokenizer.ggml.pre) is not supported");
}

struct Symbol {
    int prev;
    int next;
    size_t begin;
    size_t length; // 0 once merged into its left neighbour
};

struct Bigram {
    int left;
    int right;
    int32_t rank;
    size_t leftLength;
    size_t rightLength;
};

// Lowest rank first; equal ranks: leftmost first.
struct BigramOrder {
    bool operator()(const Bigram &a, const Bigram &b) const
    {
        return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
    }
};
}

BpeTokenizer::BpeTokenizer(const VocabData &vocab)
    : Tokenizer(vocab, Defaults{.spm = false, .addBos = configOrFail(vocab).addBos})
{
    const PreTokenizer::Config config = configOrFail(vocab);
    m_ignoreMerges = config.ignoreMerges;
    try {
        m_preTokenizer = std::make_unique<PreTokenizer>(config.patterns);
    } catch (const std::invalid_argument &e) {
        fail(e.what());
    }
    if (vocab.merges.empty()) {
        fail("a BPE vocabulary needs tokenizer.ggml.merges");
    }
    m_mergeRanks.reserve(vocab.merges.size());
    for (size_t rank = 0; rank < vocab.merges.size(); ++rank) {
        // The pair's halves are split at the first space after the first byte, as llama.cpp does; keeping
        // the whole "left right" string as the key is equivalent.
        if (vocab.merges[rank].find(' ', 1) != std::string::npos) {
            m_mergeRanks.emplace(vocab.merges[rank], int32_t(rank));
        }
    }
    buildPieces();
}

BpeTokenizer::~BpeTokenizer() = default;

std::string BpeTokenizer::normalPiece(const std::string &text) const
{
    return byteunicode::decode(text);
}

void BpeTokenizer::encodeText(std::string_view text, bool /*afterSpecial*/, std::vector<int32_t> &out) const
{
    for (const std::string &word : m_preTokenizer->split(text)) {
        encodeWord(byteunicode::encode(word), out);
    }
}

void BpeTokenizer::encodeWord(const std::string &word, std::vector<int32_t> &out) const
{
    if (m_ignoreMerges) {
        if (const auto id = lookup(word)) {
            out.push_back(*id);
            return;
        }
    }

    std::vector<Symbol> symbols;
    for (size_t offset = 0; offset < word.size();) {
        const size_t length = std::min(utf8::sequenceLength(static_cast<unsigned char>(word[offset])), word.size() - offset);
        const int index = static_cast<int>(symbols.size());
        symbols.push_back({index - 1, offset + length == word.size() ? -1 : index + 1, offset, length});
        offset += length;
    }

    std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue;
    std::string key;
    const auto tryAdd = [&](int left, int right) {
        if (left < 0 || right < 0) {
            return;
        }
        const Symbol &l = symbols[left];
        const Symbol &r = symbols[right];
        key.assign(word, l.begin, l.length);
        key += ' ';
        key.append(word, r.begin, r.length);
        const auto it = m_mergeRanks.find(key);
        if (it != m_mergeRanks.end()) {
            queue.push({left, right, it->second, l.length, r.length});
        }
    };
    for (int i = 1; i < static_cast<int>(symbols.size()); ++i) {
        tryAdd(i - 1, i);
    }

    while (!queue.empty()) {
        const Bigram bigram = queue.top();
        queue.pop();
        Symbol &left = symbols[bigram.left];
        Symbol &right = symbols[bigram.right];
        // Stale: one side has changed since this pair was queued.
        if (left.length != bigram.leftLength || right.length != bigram.rightLength) {
            continue;
        }
        left.length += right.length;
        right.length = 0;
        left.next = right.next;
        if (right.next >= 0) {
            symbols[right.next].prev = bigram.left;
        }
        tryAdd(left.prev, bigram.left);
        tryAdd(bigram.left, left.next);
    }

    for (int i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[i].next) {
        const std::string_view piece = std::string_view(word).substr(symbols[i].begin, symbols[i].length);
        if (const auto id = lookup(piece)) {
            out.push_back(*id);
            continue;
        }
        // A merge result missing from the vocabulary: llama.cpp falls back to single-byte tokens, which only
        // exist for the ASCII part of the spelling.
        for (const char c : piece) {
            if (const auto id = lookup(std::string_view(&c, 1))) {
                out.push_back(*id);
            }
        }
    }
}

} // namespace hearth
