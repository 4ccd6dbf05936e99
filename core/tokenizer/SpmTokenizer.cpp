// SPDX-License-Identifier: GPL-3.0-or-later
#include "tokenizer/SpmTokenizer.h"

#include "tokenizer/Utf8.h"

#include <queue>

namespace hearth
{

namespace
{
constexpr std::string_view SpaceMark = "\xE2\x96\x81"; // U+2581

struct Symbol {
    int prev;
    int next;
    size_t begin;
    size_t length; // 0 once merged into its left neighbour
};

struct Bigram {
    int left;
    int right;
    float score;
    size_t length;
};

// Highest score first; equal scores: leftmost first.
struct BigramOrder {
    bool operator()(const Bigram &a, const Bigram &b) const
    {
        return a.score < b.score || (a.score == b.score && a.left > b.left);
    }
};
}

SpmTokenizer::SpmTokenizer(const VocabData &vocab)
    : Tokenizer(vocab, Defaults{.spm = true, .addBos = true})
{
    buildPieces();
}

std::string SpmTokenizer::normalPiece(const std::string &text) const
{
    std::string piece;
    piece.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
        if (std::string_view(text).substr(i, SpaceMark.size()) == SpaceMark) {
            piece += ' ';
            i += SpaceMark.size();
        } else {
            piece += text[i++];
        }
    }
    return piece;
}

void SpmTokenizer::encodeText(std::string_view raw, bool afterSpecial, std::vector<int32_t> &out) const
{
    std::string text;
    text.reserve(raw.size() * 3 + SpaceMark.size());
    if (m_addSpacePrefix && afterSpecial) {
        text += SpaceMark;
    }
    for (const char c : raw) {
        if (c == ' ') {
            text += SpaceMark;
        } else {
            text += c;
        }
    }

    std::vector<Symbol> symbols;
    for (size_t offset = 0; offset < text.size();) {
        const size_t length = std::min(utf8::sequenceLength(static_cast<unsigned char>(text[offset])), text.size() - offset);
        const int index = static_cast<int>(symbols.size());
        symbols.push_back({index - 1, offset + length == text.size() ? -1 : index + 1, offset, length});
        offset += length;
    }

    std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue;
    const auto tryAdd = [&](int left, int right) {
        if (left < 0 || right < 0) {
            return;
        }
        const size_t length = symbols[left].length + symbols[right].length;
        if (const auto id = lookup(std::string_view(text).substr(symbols[left].begin, length))) {
            queue.push({left, right, m_tokens[*id].score, length});
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
        // Stale: one side has been merged since this pair was queued.
        if (left.length == 0 || right.length == 0 || left.length + right.length != bigram.length) {
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
        const std::string_view piece = std::string_view(text).substr(symbols[i].begin, symbols[i].length);
        if (const auto id = lookup(piece)) {
            out.push_back(*id);
            continue;
        }
        // Only single characters can be missing (merges always form tokens): spell them as bytes.
        for (const char c : piece) {
            const auto byte = static_cast<unsigned char>(c);
            if (const auto id = byteToken(byte)) {
                out.push_back(*id);
            } else if (const auto single = lookup(std::string_view(&c, 1))) {
                out.push_back(*single);
            } else if (m_unk >= 0) {
                out.push_back(m_unk);
            }
        }
    }
}

} // namespace hearth
