// SPDX-License-Identifier: GPL-3.0-or-later
// Chat templates with hostile input: family detection on arbitrary Jinja text, and rendering of arbitrary
// conversations (any roles, any bytes) with every family and every template in ../shared. The rendered segments
// spell renderText(), and message content tokenized as plain text never yields a control token.
#include "FuzzSupport.h"

#include "chat/ChatTemplate.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace
{
struct Setup {
    std::vector<hearth::ChatTemplate> templates;
    std::vector<std::unique_ptr<hearth::Tokenizer>> tokenizers;
};

const Setup &setup()
{
    static const Setup s = [] {
        Setup s;
        for (const hearth::TemplateFamily family : hearth::ChatTemplate::allFamilies()) {
            s.templates.push_back(hearth::ChatTemplate::forFamily(family, "<s>", "</s>"));
        }
        std::error_code error;
        for (const auto &entry : std::filesystem::directory_iterator(fuzz::sharedDir() + "/models/templates", error)) {
            std::ifstream in(entry.path());
            std::stringstream jinja;
            jinja << in.rdbuf();
            if (auto detected = hearth::ChatTemplate::detect(jinja.str(), "<s>", "</s>")) {
                s.templates.push_back(std::move(*detected));
            }
        }
        for (auto &t : s.templates) {
            t.setDateString("26 Jul 2024"); // rendering must not depend on the day
        }
        s.tokenizers = fuzz::loadVocabularies({"phi-3", "llama-spm"}, fuzz::builtInSpmVocab());
        s.tokenizers.push_back(hearth::Tokenizer::fromVocab(fuzz::builtInSpmVocab()));
        return s;
    }();
    return s;
}
}

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    setup();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const Setup &s = setup();
    FuzzedDataProvider in(data, size);
    if (in.ConsumeIntegralInRange<int>(0, 7) == 0) {
        const std::string bos = in.ConsumeRandomLengthString(16);
        const std::string jinja = in.ConsumeRemainingBytesAsString();
        if (const auto detected = hearth::ChatTemplate::detect(jinja, bos, "</s>")) {
            fuzz::require(!detected->isFallback(), "detect() never returns the fallback");
        }
        return 0;
    }
    const hearth::ChatTemplate &chat = s.templates[in.ConsumeIntegralInRange<size_t>(0, s.templates.size() - 1)];
    const hearth::Tokenizer &tok = *s.tokenizers[in.ConsumeIntegralInRange<size_t>(0, s.tokenizers.size() - 1)];
    const bool addGenerationPrompt = in.ConsumeBool();
    std::vector<hearth::ChatMessage> messages;
    static const char *const roles[] = {"system", "user", "assistant"};
    while (in.remaining_bytes() > 0 && messages.size() < 16) {
        const int pick = in.ConsumeIntegralInRange<int>(0, 3);
        std::string role = pick < 3 ? roles[pick] : in.ConsumeRandomLengthString(12);
        messages.push_back({std::move(role), in.ConsumeRandomLengthString(256)});
    }
    const std::vector<hearth::PromptSegment> segments = chat.render(messages, addGenerationPrompt);
    std::string joined;
    for (size_t i = 0; i < segments.size(); ++i) {
        fuzz::require(!segments[i].text.empty(), "no empty segments");
        fuzz::require(i == 0 || segments[i].trusted != segments[i - 1].trusted, "neighbouring segments differ in trust");
        joined += segments[i].text;
        const std::vector<int32_t> ids = tok.encode(segments[i].text, false, segments[i].trusted);
        if (!segments[i].trusted) {
            for (const int32_t id : ids) {
                fuzz::require(!tok.isControl(id), "message content never becomes a control token");
            }
        }
    }
    fuzz::require(joined == chat.renderText(messages, addGenerationPrompt), "segments spell renderText()");
    return 0;
}
