// SPDX-License-Identifier: GPL-3.0-or-later
#include "chat/ChatTemplateDetector.h"

#include <algorithm>
#include <vector>

namespace hearth
{

namespace
{
bool isBlank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

struct Normalized {
    std::string text;
    std::vector<std::string> literals; // the decoded value of every string literal, in order
};

// Appends the string literal starting at code[pos] (a quote) in canonical form; returns the position after it.
size_t appendLiteral(std::string_view code, size_t pos, Normalized &out)
{
    const char quote = code[pos];
    std::string value;
    size_t i = pos + 1;
    for (; i < code.size() && code[i] != quote; ++i) {
        if (code[i] != '\\' || i + 1 == code.size()) {
            value += code[i];
            continue;
        }
        const char escaped = code[++i];
        switch (escaped) {
        case 'n':
            value += '\n';
            break;
        case 't':
            value += '\t';
            break;
        case 'r':
            value += '\r';
            break;
        case '\\':
        case '\'':
        case '"':
            value += escaped;
            break;
        default: // Python keeps unknown escapes as they are
            value += '\\';
            value += escaped;
        }
    }
    out.text += '\'';
    for (const char c : value) {
        switch (c) {
        case '\n':
            out.text += "\\n";
            break;
        case '\t':
            out.text += "\\t";
            break;
        case '\r':
            out.text += "\\r";
            break;
        case '\\':
            out.text += "\\\\";
            break;
        case '\'':
            out.text += "\\'";
            break;
        default:
            out.text += c;
        }
    }
    out.text += '\'';
    out.literals.push_back(std::move(value));
    return std::min(i + 1, code.size());
}

void appendCode(std::string_view code, Normalized &out)
{
    for (size_t i = 0; i < code.size();) {
        if (code[i] == '\'' || code[i] == '"') {
            i = appendLiteral(code, i, out);
        } else {
            if (!isBlank(code[i])) {
                out.text += code[i];
            }
            ++i;
        }
    }
}

// End of the tag whose body starts at `pos` (the position of `close`), skipping string literals.
size_t findClose(std::string_view jinja, size_t pos, std::string_view close, bool literals)
{
    for (size_t i = pos; i < jinja.size(); ++i) {
        if (literals && (jinja[i] == '\'' || jinja[i] == '"')) {
            const char quote = jinja[i];
            for (++i; i < jinja.size() && jinja[i] != quote; ++i) {
                if (jinja[i] == '\\') {
                    ++i;
                }
            }
            continue;
        }
        if (jinja.substr(i, close.size()) == close) {
            return i;
        }
    }
    return std::string_view::npos;
}

Normalized normalize(std::string_view jinja)
{
    Normalized out;
    bool stripLeading = false; // the previous tag ended with "-"
    bool dropNewline = false; // trim_blocks after a block or comment tag
    size_t pos = 0;
    while (pos <= jinja.size()) {
        size_t open = pos;
        while ((open = jinja.find('{', open)) != std::string_view::npos) {
            if (open + 1 < jinja.size() && (jinja[open + 1] == '{' || jinja[open + 1] == '%' || jinja[open + 1] == '#')) {
                break;
            }
            ++open;
        }
        const size_t rawEnd = open == std::string_view::npos ? jinja.size() : open;
        const std::string_view source = jinja.substr(pos, rawEnd - pos);
        size_t head = 0;
        if (stripLeading) {
            head = static_cast<size_t>(std::find_if_not(source.begin(), source.end(), isBlank) - source.begin());
        } else if (dropNewline && source.starts_with('\n')) {
            head = 1;
        }
        if (open == std::string_view::npos) {
            out.text += source.substr(head);
            break;
        }
        const char kind = jinja[open + 1];
        const char marker = open + 2 < jinja.size() ? jinja[open + 2] : '\0';
        size_t end = source.size();
        if (marker == '-') {
            while (end > 0 && isBlank(source[end - 1])) {
                --end;
            }
        } else if (kind != '{' && marker != '+') {
            // lstrip_blocks: blanks between the start of a source line and a block tag go.
            const size_t newline = source.rfind('\n');
            const size_t lineStart = newline == std::string_view::npos ? 0 : newline + 1;
            const bool blankLine = std::all_of(source.begin() + static_cast<std::ptrdiff_t>(lineStart), source.end(), [](char c) {
                return c == ' ' || c == '\t';
            });
            if (blankLine && (newline != std::string_view::npos || pos == 0)) {
                end = lineStart;
            }
        }
        out.text += source.substr(head, end > head ? end - head : 0);

        const std::string_view close = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
        const size_t bodyStart = open + 2 + ((marker == '-' || marker == '+') ? 1 : 0);
        const size_t closeAt = findClose(jinja, bodyStart, close, kind != '#');
        if (closeAt == std::string_view::npos) {
            break; // an unterminated tag: nothing after it can be output
        }
        const bool closeStrips = closeAt > bodyStart && jinja[closeAt - 1] == '-';
        if (kind != '#') {
            out.text += jinja.substr(open, 2);
            appendCode(jinja.substr(bodyStart, closeAt - bodyStart - (closeStrips ? 1 : 0)), out);
            out.text += close;
        }
        stripLeading = closeStrips;
        dropNewline = kind != '{';
        pos = closeAt + close.size();
    }
    return out;
}

class Signature
{
public:
    explicit Signature(std::string_view jinja)
        : m_normalized(normalize(jinja))
    {
    }

    // A piece of tag code, "'[INST] ' + content.strip()".
    bool has(std::string_view code) const
    {
        Normalized fragment;
        appendCode(code, fragment);
        return m_normalized.text.find(fragment.text) != std::string::npos;
    }
    // Whole tags with the text between them, "{{ eos_token }}\n".
    bool hasTemplate(std::string_view jinja) const
    {
        return m_normalized.text.find(normalize(jinja).text) != std::string::npos;
    }
    bool hasText(std::string_view text) const
    {
        return m_normalized.text.find(text) != std::string::npos;
    }
    // The first literal of the form PREFIX...SUFFIX, the part between returned.
    std::optional<std::string> literalBetween(std::string_view prefix, std::string_view suffix) const
    {
        for (const std::string &literal : m_normalized.literals) {
            if (literal.size() > prefix.size() + suffix.size() && literal.starts_with(prefix) && literal.ends_with(suffix)) {
                return literal.substr(prefix.size(), literal.size() - prefix.size() - suffix.size());
            }
        }
        return std::nullopt;
    }
    // The literal assigned by "{% set NAME = '...' %}".
    std::optional<std::string> assignedLiteral(std::string_view name) const
    {
        Normalized pattern;
        appendCode("{%set" + std::string(name) + "=", pattern);
        const size_t at = m_normalized.text.find(pattern.text);
        if (at == std::string::npos || m_normalized.text.compare(at + pattern.text.size(), 1, "'") != 0) {
            return std::nullopt;
        }
        Normalized literal;
        appendLiteral(m_normalized.text, at + pattern.text.size(), literal);
        return literal.literals.front();
    }

private:
    Normalized m_normalized;
};

ChatTemplateVariant plain(TemplateFamily family)
{
    ChatTemplateVariant variant;
    variant.family = family;
    return variant;
}

std::optional<ChatTemplateVariant> detectDeepSeek(const Signature &s)
{
    if (!(s.has("ns.system_prompt = message['content']") && s.has("'<｜User｜>' + message['content']")
          && s.has("'<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>'") && s.has("content.split('</think>')[-1]")
          && s.has("'<｜Assistant｜><think>\\n'"))) {
        return std::nullopt;
    }
    ChatTemplateVariant variant;
    variant.family = TemplateFamily::DeepSeek;
    variant.deepSeekEndUserTurn = s.has("'<｜User｜>' + message['content'] + '<｜end▁of▁sentence｜>'");
    return variant;
}

std::optional<ChatTemplateVariant> detectLlama2(const Signature &s)
{
    if (!(s.has("bos_token + '[INST] ' + content.strip() + ' [/INST]'")
          && s.has("'<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content']")
          && s.has("' ' + content.strip() + ' ' + eos_token"))) {
        return std::nullopt;
    }
    return plain(TemplateFamily::Llama2);
}

std::optional<ChatTemplateVariant> detectMistral(const Signature &s)
{
    // Mistral 7B v0.1 and Mixtral: blanks inside [INST] ... [/INST], no system message at all.
    if (s.has("bos_token") && s.has("'[INST] ' + message['content'] + ' [/INST]'") && s.has("message['content'] + eos_token")
        && !s.hasText("system")) {
        ChatTemplateVariant variant = plain(TemplateFamily::Mistral);
        variant.mistralLegacy = true;
        return variant;
    }
    // Mistral Nemo's form: no blanks around [INST], the system prompt in the last user message.
    if (!(s.has("bos_token") && s.has("'[INST]' + system_message + '\\n\\n' + message['content'] + '[/INST]'")
          && s.has("if loop.last and system_message is defined") && s.has("'[INST]' + message['content'] + '[/INST]'")
          && s.has("message['content'] + eos_token"))) {
        return std::nullopt;
    }
    return plain(TemplateFamily::Mistral);
}

std::optional<ChatTemplateVariant> detectLlama3(const Signature &s)
{
    if (!s.has("'<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>'")) {
        return std::nullopt;
    }
    ChatTemplateVariant variant;
    variant.family = TemplateFamily::Llama3;
    const auto cutoff = s.literalBetween("Cutting Knowledge Date: ", "\n");
    if (!cutoff) {
        // Meta-Llama-3-Instruct: BOS glued to the first message, no system header.
        return s.has("set content = bos_token + content") ? std::optional(variant) : std::nullopt;
    }
    if (!(s.has("'Today Date: ' + date_string + '\\n\\n'") && s.has("set system_message = messages[0]['content']|trim"))) {
        return std::nullopt;
    }
    variant.llama3DateHeader = true;
    variant.llama3KnowledgeCutoff = *cutoff;
    // Llama 3.2 asks strftime_now for today's date; 3.1 and 3.3 print their own default date.
    if (!s.hasText("strftime_now")) {
        const auto fixedDate = s.assignedLiteral("date_string");
        if (!fixedDate) {
            return std::nullopt;
        }
        variant.llama3FixedDate = *fixedDate;
    }
    return variant;
}

std::optional<ChatTemplateVariant> detectGemma(const Signature &s)
{
    if (!(s.has("bos_token") && s.has("'<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n'")
          && s.has("set role = 'model'") && s.has("'<start_of_turn>model\\n'"))) {
        return std::nullopt;
    }
    return plain(TemplateFamily::Gemma);
}

std::optional<ChatTemplateVariant> detectPhi3(const Signature &s)
{
    if (!(s.has("message['role'] == 'system' and message['content']") && s.has("'<|system|>\\n' + message['content'] + '<|end|>\\n'")
          && s.has("'<|user|>\\n' + message['content'] + '<|end|>\\n'") && s.has("'<|assistant|>\\n' + message['content'] + '<|end|>\\n'")
          && s.hasTemplate("{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% else %}{{ eos_token }}{% endif %}"))) {
        return std::nullopt;
    }
    return plain(TemplateFamily::Phi3);
}

std::optional<ChatTemplateVariant> detectZephyr(const Signature &s)
{
    // TinyLlama's layout, where a newline follows every turn; the same markers in other layouts render
    // differently and are not recognised.
    if (!(s.hasTemplate("{{ '<|user|>\\n' + message['content'] + eos_token }}\n")
          && s.hasTemplate("{{ '<|system|>\\n' + message['content'] + eos_token }}\n")
          && s.hasTemplate("{{ '<|assistant|>\\n' + message['content'] + eos_token }}\n")
          && s.has("if loop.last and add_generation_prompt") && s.hasTemplate("{{ '<|assistant|>' }}\n"))) {
        return std::nullopt;
    }
    return plain(TemplateFamily::Zephyr);
}

std::optional<ChatTemplateVariant> detectChatML(const Signature &s)
{
    const bool turn = s.has("'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'")
        || s.has("'<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n'");
    // Tool-use-only templates (Hermes) write a function-calling system prompt whether or not tools are given.
    const bool toolsOnly = s.hasText("<tools>") && !s.hasTemplate("{% if tools %}");
    if (!turn || toolsOnly || !s.has("'<|im_start|>assistant\\n'")) {
        return std::nullopt;
    }
    ChatTemplateVariant variant;
    variant.family = TemplateFamily::ChatML;
    // Qwen 2.5 supplies "You are Qwen, created by Alibaba Cloud. ..." when the conversation has no system message.
    variant.defaultSystemPrompt = s.literalBetween("<|im_start|>system\n", "<|im_end|>\n").value_or(std::string());
    return variant;
}
}

std::string normalizeJinja(std::string_view jinja)
{
    return normalize(jinja).text;
}

std::optional<ChatTemplateVariant> detectTemplateVariant(std::string_view jinja)
{
    const Signature signature(jinja);
    for (const auto detector : {detectDeepSeek, detectLlama2, detectMistral, detectLlama3, detectGemma, detectPhi3, detectZephyr, detectChatML}) {
        if (auto variant = detector(signature)) {
            return variant;
        }
    }
    return std::nullopt;
}

} // namespace hearth
