// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "chat/PromptBuilder.h"

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hearth
{

struct ChatMessage {
    std::string role; // "system", "user" or "assistant"
    std::string content;
};

// Completion is no chat template: the prompt is the conversation as plain text, which a base model (one
// without a template, such as stories260K) continues. It is not among allFamilies(), the Jinja families.
enum class TemplateFamily { ChatML, Zephyr, Llama2, Llama3, Mistral, Phi3, Gemma, DeepSeek, Completion };

// The details of a family that differ between templates and that the template text fixes.
struct ChatTemplateVariant {
    TemplateFamily family = TemplateFamily::ChatML;
    // ChatML (Qwen 2.5): the system turn rendered when the conversation has no system message; empty: none.
    std::string defaultSystemPrompt;
    // Llama 3.1 and later: a system header with "Cutting Knowledge Date: <cutoff>" and "Today Date: <date>".
    bool llama3DateHeader = false;
    std::string llama3KnowledgeCutoff;
    // The template's own date_string default (Llama 3.1: "26 Jul 2024"); empty: today's date (Llama 3.2 asks
    // strftime_now) unless setDateString() fixes it.
    std::string llama3FixedDate;
    // Mistral 7B v0.1 and Mixtral: "[INST] text [/INST]" with blanks, and no system message (it is folded into
    // the first user message). Otherwise Mistral Nemo's form.
    bool mistralLegacy = false;
    // llama.cpp's DeepSeek R1 template ends every user turn with <｜end▁of▁sentence｜>; DeepSeek's own does not.
    bool deepSeekEndUserTurn = false;

    bool operator==(const ChatTemplateVariant &) const = default;
};

// Renders a conversation as the prompt a model's Jinja chat template would produce (byte for byte what
// Python's jinja2 renders, as Hugging Face transformers runs it), by family rather than by interpreting Jinja.
// The prompt comes as segments so message content can be tokenized as plain text.
//
// Rendering never fails: where a template would raise (Gemma and Mistral v0.1 refuse system messages, most
// templates refuse roles that do not alternate) the conversation is rendered anyway. A system prompt the
// template refuses is folded into the first user message as "SYSTEM\n\nUSER" (or becomes a user turn when there
// is none).
class ChatTemplate
{
public:
    // The family and variant of a Jinja chat template; nullopt when it is not one Hearth renders exactly
    // (callers fall back to ChatML and let the user choose another family).
    static std::optional<ChatTemplate> detect(std::string_view jinja, std::string bosToken, std::string eosToken);
    // The family's reference form (ChatML: no default system prompt; Llama 3: Meta-Llama-3-Instruct's
    // template, without the date header; Mistral: Mistral Nemo's; DeepSeek: DeepSeek R1's).
    static ChatTemplate forFamily(TemplateFamily family, std::string bosToken, std::string eosToken);
    // What a chat with a model uses: the family the user chose, else the detected template, else plain
    // completion when the model has no template at all, else (a template not recognised) ChatML.
    static ChatTemplate select(std::string_view jinja, std::string bosToken, std::string eosToken,
                               std::optional<TemplateFamily> chosen = std::nullopt);

    TemplateFamily family() const
    {
        return m_variant.family;
    }
    const ChatTemplateVariant &variant() const
    {
        return m_variant;
    }
    // True when select() fell back to ChatML because the template was not recognised.
    bool isFallback() const
    {
        return m_fallback;
    }

    std::vector<PromptSegment> render(std::span<const ChatMessage> messages, bool addGenerationPrompt) const;
    std::string renderText(std::span<const ChatMessage> messages, bool addGenerationPrompt) const;

    // Lower-case names for settings and the command line: "chatml", "zephyr", "llama2", "llama3", "mistral",
    // "phi3", "gemma", "deepseek", and "completion". familyFromName() ignores ASCII case.
    static std::string_view familyName(TemplateFamily family);
    static std::optional<TemplateFamily> familyFromName(std::string_view name);
    static const std::vector<TemplateFamily> &allFamilies();

    // Today's date for Llama 3.x templates that print it ("26 Jul 2024" form); by default the local date at
    // rendering time. Templates with a date of their own (Llama 3.1) keep theirs, as in jinja2.
    void setDateString(std::string date);

private:
    ChatTemplate(ChatTemplateVariant variant, std::string bosToken, std::string eosToken);

    void renderChatML(PromptBuilder &out, std::span<const ChatMessage> messages, bool addGenerationPrompt) const;
    void renderZephyr(PromptBuilder &out, std::span<const ChatMessage> messages, bool addGenerationPrompt) const;
    void renderLlama2(PromptBuilder &out, std::span<const ChatMessage> messages) const;
    void renderLlama3(PromptBuilder &out, std::span<const ChatMessage> messages, bool addGenerationPrompt) const;
    void renderMistral(PromptBuilder &out, std::span<const ChatMessage> messages) const;
    void renderPhi3(PromptBuilder &out, std::span<const ChatMessage> messages, bool addGenerationPrompt) const;
    void renderGemma(PromptBuilder &out, std::span<const ChatMessage> messages, bool addGenerationPrompt) const;
    void renderDeepSeek(PromptBuilder &out, std::span<const ChatMessage> messages, bool addGenerationPrompt) const;
    static void renderCompletion(PromptBuilder &out, std::span<const ChatMessage> messages);
    std::string llama3Date() const;

    ChatTemplateVariant m_variant;
    std::string m_bos;
    std::string m_eos;
    std::string m_dateString;
    bool m_fallback = false;
};

} // namespace hearth
