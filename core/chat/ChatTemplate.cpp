// SPDX-License-Identifier: GPL-3.0-or-later
#include "chat/ChatTemplate.h"

#include "chat/ChatTemplateDetector.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <utility>

namespace hearth
{

namespace
{
constexpr std::array<std::pair<TemplateFamily, std::string_view>, 9> familyNames{{
    {TemplateFamily::ChatML, "chatml"},
    {TemplateFamily::Zephyr, "zephyr"},
    {TemplateFamily::Llama2, "llama2"},
    {TemplateFamily::Llama3, "llama3"},
    {TemplateFamily::Mistral, "mistral"},
    {TemplateFamily::Phi3, "phi3"},
    {TemplateFamily::Gemma, "gemma"},
    {TemplateFamily::DeepSeek, "deepseek"},
    {TemplateFamily::Completion, "completion"},
}};

bool isSystem(const ChatMessage &message)
{
    return message.role == "system";
}

// Removes a leading system message from `messages` and returns its content.
std::optional<std::string_view> takeSystem(std::span<const ChatMessage> &messages)
{
    if (messages.empty() || !isSystem(messages.front())) {
        return std::nullopt;
    }
    const std::string_view system = messages.front().content;
    messages = messages.subspan(1);
    return system;
}

struct Turn {
    std::string_view role;
    PromptBuilder content;
};

// The turns for a template that refuses a system message: a leading system prompt goes in front of the first
// user message, separated by a blank line, or becomes a user turn of its own when there is no user message.
std::vector<Turn> foldSystem(std::span<const ChatMessage> messages)
{
    std::optional<std::string_view> system = takeSystem(messages);
    std::vector<Turn> turns;
    const bool hasUser = std::any_of(messages.begin(), messages.end(), [](const ChatMessage &m) {
        return m.role == "user";
    });
    if (system && !hasUser) {
        turns.push_back({"user", {}});
        turns.back().content.untrusted(*system);
    }
    for (const ChatMessage &message : messages) {
        turns.push_back({message.role, {}});
        if (system && message.role == "user") {
            turns.back().content.untrusted(*system);
            turns.back().content.trusted("\n\n");
            system.reset();
        }
        turns.back().content.untrusted(message.content);
    }
    return turns;
}

// The local date as Python's strftime("%d %b %Y") writes it in the C locale.
std::string today()
{
    static constexpr std::array<const char *, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    char text[32];
    std::snprintf(text, sizeof text, "%02d %s %d", local.tm_mday, months[static_cast<size_t>(local.tm_mon)],
                  local.tm_year + 1900);
    return text;
}
}

ChatTemplate::ChatTemplate(ChatTemplateVariant variant, std::string bosToken, std::string eosToken)
    : m_variant(std::move(variant))
    , m_bos(std::move(bosToken))
    , m_eos(std::move(eosToken))
{
}

std::optional<ChatTemplate> ChatTemplate::detect(std::string_view jinja, std::string bosToken, std::string eosToken)
{
    auto variant = detectTemplateVariant(jinja);
    if (!variant) {
        return std::nullopt;
    }
    return ChatTemplate(std::move(*variant), std::move(bosToken), std::move(eosToken));
}

ChatTemplate ChatTemplate::forFamily(TemplateFamily family, std::string bosToken, std::string eosToken)
{
    ChatTemplateVariant variant;
    variant.family = family;
    return ChatTemplate(std::move(variant), std::move(bosToken), std::move(eosToken));
}

ChatTemplate ChatTemplate::select(std::string_view jinja, std::string bosToken, std::string eosToken,
                                  std::optional<TemplateFamily> chosen)
{
    if (chosen) {
        return forFamily(*chosen, std::move(bosToken), std::move(eosToken));
    }
    if (auto detected = detect(jinja, bosToken, eosToken)) {
        return std::move(*detected);
    }
    if (jinja.empty()) {
        return forFamily(TemplateFamily::Completion, std::move(bosToken), std::move(eosToken));
    }
    ChatTemplate fallback = forFamily(TemplateFamily::ChatML, std::move(bosToken), std::move(eosToken));
    fallback.m_fallback = true;
    return fallback;
}

std::string_view ChatTemplate::familyName(TemplateFamily family)
{
    for (const auto &[value, name] : familyNames) {
        if (value == family) {
            return name;
        }
    }
    return "unknown";
}

std::optional<TemplateFamily> ChatTemplate::familyFromName(std::string_view name)
{
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    });
    for (const auto &[value, known] : familyNames) {
        if (known == lower) {
            return value;
        }
    }
    return std::nullopt;
}

const std::vector<TemplateFamily> &ChatTemplate::allFamilies()
{
    static const std::vector<TemplateFamily> all = [] {
        std::vector<TemplateFamily> families;
        for (const auto &entry : familyNames) {
            if (entry.first != TemplateFamily::Completion) {
                families.push_back(entry.first);
            }
        }
        return families;
    }();
    return all;
}

void ChatTemplate::setDateString(std::string date)
{
    m_dateString = std::move(date);
}

std::vector<PromptSegment> ChatTemplate::render(std::span<const ChatMessage> messages, bool addGenerationPrompt) const
{
    PromptBuilder out;
    switch (m_variant.family) {
    case TemplateFamily::ChatML:
        renderChatML(out, messages, addGenerationPrompt);
        break;
    case TemplateFamily::Zephyr:
        renderZephyr(out, messages, addGenerationPrompt);
        break;
    case TemplateFamily::Llama2:
        renderLlama2(out, messages);
        break;
    case TemplateFamily::Llama3:
        renderLlama3(out, messages, addGenerationPrompt);
        break;
    case TemplateFamily::Mistral:
        renderMistral(out, messages);
        break;
    case TemplateFamily::Phi3:
        renderPhi3(out, messages, addGenerationPrompt);
        break;
    case TemplateFamily::Gemma:
        renderGemma(out, messages, addGenerationPrompt);
        break;
    case TemplateFamily::DeepSeek:
        renderDeepSeek(out, messages, addGenerationPrompt);
        break;
    case TemplateFamily::Completion:
        renderCompletion(out, messages);
        break;
    }
    return out.take();
}

std::string ChatTemplate::renderText(std::span<const ChatMessage> messages, bool addGenerationPrompt) const
{
    std::string text;
    for (const PromptSegment &segment : render(messages, addGenerationPrompt)) {
        text += segment.text;
    }
    return text;
}

// Roles are written as untrusted text as well: they come from the conversation, and a role can only ever be
// plain words.
void ChatTemplate::renderChatML(PromptBuilder &out, std::span<const ChatMessage> messages, bool addGenerationPrompt) const
{
    if (!m_variant.defaultSystemPrompt.empty() && (messages.empty() || !isSystem(messages.front()))) {
        out.trusted("<|im_start|>system\n" + m_variant.defaultSystemPrompt + "<|im_end|>\n");
    }
    for (const ChatMessage &message : messages) {
        out.trusted("<|im_start|>");
        out.untrusted(message.role);
        out.trusted("\n");
        out.untrusted(message.content);
        out.trusted("<|im_end|>\n");
    }
    if (addGenerationPrompt) {
        out.trusted("<|im_start|>assistant\n");
    }
}

// TinyLlama's template: each turn "<|role|>\nCONTENT</s>" and the newline its Jinja layout leaves after it;
// the generation prompt is only written after a last message.
void ChatTemplate::renderZephyr(PromptBuilder &out, std::span<const ChatMessage> messages, bool addGenerationPrompt) const
{
    for (const ChatMessage &message : messages) {
        if (message.role == "user" || message.role == "system" || message.role == "assistant") {
            out.trusted("<|" + message.role + "|>\n");
            out.untrusted(message.content);
            out.trusted(m_eos + "\n");
        }
    }
    if (addGenerationPrompt && !messages.empty()) {
        out.trusted("<|assistant|>\n");
    }
}

// Llama 2 chat: the system prompt goes into the first turn inside <<SYS>> markers, and that composed turn is
// stripped as a whole. The template has no generation prompt: "[/INST]" ends the prompt either way.
void ChatTemplate::renderLlama2(PromptBuilder &out, std::span<const ChatMessage> messages) const
{
    const std::optional<std::string_view> system = takeSystem(messages);
    for (size_t i = 0; i < messages.size(); ++i) {
        const ChatMessage &message = messages[i];
        PromptBuilder content;
        if (i == 0 && system) {
            content.trusted("<<SYS>>\n");
            content.untrusted(*system);
            content.trusted("\n<</SYS>>\n\n");
        }
        content.untrusted(message.content);
        content.strip();
        if (message.role == "user") {
            out.trusted(m_bos + "[INST] ");
            out.append(content);
            out.trusted(" [/INST]");
        } else if (message.role == "assistant") {
            out.trusted(" ");
            out.append(content);
            out.trusted(" " + m_eos);
        }
    }
}

std::string ChatTemplate::llama3Date() const
{
    if (!m_variant.llama3FixedDate.empty()) {
        return m_variant.llama3FixedDate;
    }
    return m_dateString.empty() ? today() : m_dateString;
}

// Llama 3 trims every message. 3.1 and later always open with a system header carrying the knowledge cutoff and
// a date, followed by the (trimmed) system message if there is one.
void ChatTemplate::renderLlama3(PromptBuilder &out, std::span<const ChatMessage> messages, bool addGenerationPrompt) const
{
    if (m_variant.llama3DateHeader) {
        out.trusted(m_bos);
        out.trusted("<|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: " + m_variant.llama3KnowledgeCutoff
                    + "\nToday Date: " + llama3Date() + "\n\n");
        if (!messages.empty() && isSystem(messages.front())) {
            out.untrusted(pythonStrip(messages.front().content));
            messages = messages.subspan(1);
        }
        out.trusted("<|eot_id|>");
    } else if (!messages.empty()) {
        out.trusted(m_bos);
    }
    for (const ChatMessage &message : messages) {
        out.trusted("<|start_header_id|>");
        out.untrusted(message.role);
        out.trusted("<|end_header_id|>\n\n");
        out.untrusted(pythonStrip(message.content));
        out.trusted("<|eot_id|>");
    }
    if (addGenerationPrompt) {
        out.trusted("<|start_header_id|>assistant<|end_header_id|>\n\n");
    }
}

// Mistral Nemo puts the system prompt into the LAST user message (so it stays close to the question); when the
// conversation ends with an answer the system prompt is not in the prompt at all. No generation prompt: the
// prompt ends with "[/INST]". System messages after the first are not rendered (the templates refuse them).
void ChatTemplate::renderMistral(PromptBuilder &out, std::span<const ChatMessage> messages) const
{
    out.trusted(m_bos);
    if (m_variant.mistralLegacy) {
        for (const Turn &turn : foldSystem(messages)) {
            if (turn.role == "user") {
                out.trusted("[INST] ");
                out.append(turn.content);
                out.trusted(" [/INST]");
            } else if (turn.role == "assistant") {
                out.append(turn.content);
                out.trusted(m_eos);
            }
        }
        return;
    }
    const std::optional<std::string_view> system = takeSystem(messages);
    for (size_t i = 0; i < messages.size(); ++i) {
        const ChatMessage &message = messages[i];
        if (message.role == "user") {
            out.trusted("[INST]");
            if (system && i + 1 == messages.size()) {
                out.untrusted(*system);
                out.trusted("\n\n");
            }
            out.untrusted(message.content);
            out.trusted("[/INST]");
        } else if (message.role == "assistant") {
            out.untrusted(message.content);
            out.trusted(m_eos);
        }
    }
}

// Phi-3.5: an empty system message is left out; without a generation prompt the prompt ends with EOS.
void ChatTemplate::renderPhi3(PromptBuilder &out, std::span<const ChatMessage> messages, bool addGenerationPrompt) const
{
    for (const ChatMessage &message : messages) {
        const bool known = message.role == "user" || message.role == "assistant" || (isSystem(message) && !message.content.empty());
        if (known) {
            out.trusted("<|" + message.role + "|>\n");
            out.untrusted(message.content);
            out.trusted("<|end|>\n");
        }
    }
    out.trusted(addGenerationPrompt ? std::string("<|assistant|>\n") : m_eos);
}

// Gemma calls the assistant "model" and trims every message. It refuses a system message, which is folded into
// the first user message ("SYSTEM\n\nUSER", trimmed as one text).
void ChatTemplate::renderGemma(PromptBuilder &out, std::span<const ChatMessage> messages, bool addGenerationPrompt) const
{
    out.trusted(m_bos);
    for (Turn &turn : foldSystem(messages)) {
        turn.content.strip();
        out.trusted("<start_of_turn>");
        out.untrusted(turn.role == "assistant" ? std::string_view("model") : turn.role);
        out.trusted("\n");
        out.append(turn.content);
        out.trusted("<end_of_turn>\n");
    }
    if (addGenerationPrompt) {
        out.trusted("<start_of_turn>model\n");
    }
}

// DeepSeek R1: the (last) system message right after BOS, answers without their reasoning (the text up to the
// last "</think>"), and a generation prompt that opens the model's thinking.
void ChatTemplate::renderDeepSeek(PromptBuilder &out, std::span<const ChatMessage> messages, bool addGenerationPrompt) const
{
    static constexpr std::string_view endOfSentence = "<｜end▁of▁sentence｜>";
    static constexpr std::string_view thinkEnd = "</think>";
    out.trusted(m_bos);
    const auto lastSystem = std::find_if(messages.rbegin(), messages.rend(), isSystem);
    if (lastSystem != messages.rend()) {
        out.untrusted(lastSystem->content);
    }
    for (const ChatMessage &message : messages) {
        if (message.role == "user") {
            out.trusted("<｜User｜>");
            out.untrusted(message.content);
            if (m_variant.deepSeekEndUserTurn) {
                out.trusted(endOfSentence);
            }
        } else if (message.role == "assistant") {
            std::string_view answer = message.content;
            if (const size_t end = answer.rfind(thinkEnd); end != std::string_view::npos) {
                answer.remove_prefix(end + thinkEnd.size());
            }
            out.trusted("<｜Assistant｜>");
            out.untrusted(answer);
            out.trusted(endOfSentence);
        }
    }
    if (addGenerationPrompt) {
        out.trusted("<｜Assistant｜><think>\n");
    }
}

// The text so far, each reply continuing what came before it as the model wrote it, and each later message of
// the user on a line of its own (unless the text already ends in whitespace). The first message is exactly
// the user's text, so the model continues it as any engine would. No system prompt: a base model would only
// continue it as more text. All of it is the user's text: nothing in it becomes a control token.
void ChatTemplate::renderCompletion(PromptBuilder &out, std::span<const ChatMessage> messages)
{
    bool afterSpace = true;
    for (const ChatMessage &message : messages) {
        if (isSystem(message) || message.content.empty()) {
            continue;
        }
        if (message.role == "user" && !afterSpace) {
            out.untrusted("\n");
        }
        out.untrusted(message.content);
        const char last = message.content.back();
        afterSpace = last == ' ' || last == '\n' || last == '\t' || last == '\r';
    }
}

} // namespace hearth
