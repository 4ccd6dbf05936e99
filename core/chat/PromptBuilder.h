// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hearth
{

// One piece of a rendered chat prompt. Template text (role markers, control tokens such as "<|im_end|>") is
// trusted: the tokenizer turns control-token text into those tokens. Message content is not: it is tokenized as
// plain text, so a user who types "<|im_end|>" cannot end their turn.
struct PromptSegment {
    std::string text;
    bool trusted = false;

    bool operator==(const PromptSegment &) const = default;
};

// Python's str.isspace() for one code point: what jinja2's trim filter and str.strip() remove.
bool isPythonSpace(char32_t codePoint);
// s.strip() in Python: removes leading and trailing Python whitespace (valid UTF-8 only; an invalid byte stops).
std::string_view pythonStrip(std::string_view text);

// Builds a segment list, merging neighbours of the same trust and dropping empty pieces.
class PromptBuilder
{
public:
    void trusted(std::string_view text);
    void untrusted(std::string_view text);
    void append(const PromptBuilder &other);
    // Python strip() of everything built so far, as one string: a template that strips a composed string
    // ("<<SYS>>\n" + system + ...).strip() may remove whitespace from any of its segments.
    void strip();

    const std::vector<PromptSegment> &segments() const
    {
        return m_segments;
    }
    std::vector<PromptSegment> take()
    {
        return std::move(m_segments);
    }

private:
    void add(std::string_view text, bool trusted);

    std::vector<PromptSegment> m_segments;
};

} // namespace hearth
