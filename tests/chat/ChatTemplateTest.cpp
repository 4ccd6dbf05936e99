// SPDX-License-Identifier: GPL-3.0-or-later
#include "chat/ChatTemplate.h"
#include "chat/ChatTemplateDetector.h"

#include "TestData.h"

#include <QDate>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QRegularExpression>
#include <QTest>

#include <map>
#include <optional>

using namespace Qt::StringLiterals;
using hearth::ChatMessage;
using hearth::ChatTemplate;
using hearth::PromptSegment;
using hearth::TemplateFamily;

Q_DECLARE_METATYPE(std::vector<ChatMessage>)
Q_DECLARE_METATYPE(std::optional<TemplateFamily>)
Q_DECLARE_METATYPE(TemplateFamily)

namespace
{
const QString chatTestDir = QStringLiteral(HEARTH_CHAT_TEST_DIR);

struct KnownTemplate {
    std::optional<TemplateFamily> family; // nullopt: not supported, see why
    const char *why;
    bool reference; // the family's reference form: forFamily() renders exactly like it
};

// Every template the tests know, in ../shared/models/templates and tests/chat/templates, and what detect()
// must say about it. A new file in either place fails detection_data() until it is listed here.
const std::map<QString, KnownTemplate> &knownTemplates()
{
    static const std::map<QString, KnownTemplate> known{
        {u"Qwen-Qwen2.5-7B-Instruct.jinja"_s, {TemplateFamily::ChatML, "", false}},
        {u"openhermes-2.5-chatml.jinja"_s, {TemplateFamily::ChatML, "", true}},
        {u"tinyllama-1.1b-chat-v1.0.jinja"_s, {TemplateFamily::Zephyr, "", true}},
        {u"llama-2-7b-chat.jinja"_s, {TemplateFamily::Llama2, "", true}},
        {u"meta-llama-3-8b-instruct.jinja"_s, {TemplateFamily::Llama3, "", true}},
        {u"meta-llama-Llama-3.1-8B-Instruct.jinja"_s, {TemplateFamily::Llama3, "", false}},
        {u"meta-llama-Llama-3.2-3B-Instruct.jinja"_s, {TemplateFamily::Llama3, "", false}},
        {u"meta-llama-Llama-3.3-70B-Instruct.jinja"_s, {TemplateFamily::Llama3, "", false}},
        {u"mistralai-Mistral-Nemo-Instruct-2407.jinja"_s, {TemplateFamily::Mistral, "", true}},
        {u"mixtral-8x7b-instruct-v0.1.jinja"_s, {TemplateFamily::Mistral, "", false}},
        {u"microsoft-Phi-3.5-mini-instruct.jinja"_s, {TemplateFamily::Phi3, "", true}},
        {u"google-gemma-2-2b-it.jinja"_s, {TemplateFamily::Gemma, "", true}},
        {u"deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja"_s, {TemplateFamily::DeepSeek, "", true}},
        {u"deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja"_s, {TemplateFamily::DeepSeek, "", true}},
        {u"llama-cpp-deepseek-r1.jinja"_s, {TemplateFamily::DeepSeek, "", false}},
        {u"CohereForAI-c4ai-command-r-plus-tool_use.jinja"_s, {std::nullopt, "Command-R's own turn tokens and tool protocol", false}},
        {u"CohereForAI-c4ai-command-r7b-12-2024-tool_use.jinja"_s, {std::nullopt, "Command-R's own turn tokens and tool protocol", false}},
        {u"meetkai-functionary-medium-v3.1.jinja"_s, {std::nullopt, "Functionary: Llama 3 tokens, its own function-calling system prompt", false}},
        {u"meetkai-functionary-medium-v3.2.jinja"_s, {std::nullopt, "Functionary: Llama 3 tokens, its own function-calling system prompt", false}},
        {u"fireworks-ai-llama-3-firefunction-v2.jinja"_s, {std::nullopt, "Firefunction: needs 'functions' and 'datetime' (jinja2 fails without)", false}},
        {u"NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.jinja"_s, {std::nullopt, "Hermes tool use: ChatML with a tools system prompt always written", false}},
        {u"NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja"_s, {std::nullopt, "Hermes tool use: ChatML with a tools system prompt always written", false}},
    };
    return known;
}

QString sharedTemplateDir()
{
    return TestData::sharedFile(u"models/templates"_s);
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return {};
    }
    return file.readAll();
}

std::string str(const QJsonValue &value)
{
    return value.toString().toStdString();
}

std::vector<ChatMessage> messagesFrom(const QJsonArray &array)
{
    std::vector<ChatMessage> messages;
    for (const QJsonValue &value : array) {
        messages.push_back({str(value[u"role"_s]), str(value[u"content"_s])});
    }
    return messages;
}

QString joined(const std::vector<PromptSegment> &segments)
{
    std::string text;
    for (const PromptSegment &segment : segments) {
        text += segment.text;
    }
    return QString::fromStdString(text);
}
}

class ChatTemplateTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // detect() on every template file: the expected family, or nullopt for the unsupported ones.
    void detection_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<std::optional<TemplateFamily>>("expected");
        QStringList files;
        const QDir shared(sharedTemplateDir());
        for (const QString &name : shared.entryList({u"*.jinja"_s}, QDir::Files)) {
            files << shared.filePath(name);
        }
        const QDir local(chatTestDir + u"/templates"_s);
        for (const QString &name : local.entryList({u"*.jinja"_s}, QDir::Files)) {
            files << local.filePath(name);
        }
        for (const QString &path : files) {
            const QString name = QFileInfo(path).fileName();
            const auto it = knownTemplates().find(name);
            QTest::newRow(qPrintable(name)) << path << (it == knownTemplates().end() ? std::nullopt : it->second.family);
        }
    }
    void detection()
    {
        QFETCH(QString, path);
        QFETCH(std::optional<TemplateFamily>, expected);
        QVERIFY2(knownTemplates().contains(QFileInfo(path).fileName()),
                 qPrintable(u"%1 is not listed in knownTemplates(): say which family it is"_s.arg(path)));
        const QByteArray jinja = readFile(path);
        QVERIFY2(!jinja.isEmpty(), qPrintable(path));
        const auto detected = ChatTemplate::detect(jinja.toStdString(), "<s>", "</s>");
        if (!expected) {
            QVERIFY2(!detected, qPrintable(u"detected as %1"_s.arg(QLatin1StringView(ChatTemplate::familyName(detected->family())))));
            return;
        }
        QVERIFY2(detected, "not recognised");
        QCOMPARE(QLatin1StringView(ChatTemplate::familyName(detected->family())), QLatin1StringView(ChatTemplate::familyName(*expected)));
    }

    // Our rendering against jinja2's (golden/*.json from make_golden.py): one row per template, conversation
    // and generation-prompt setting.
    void golden_data()
    {
        QTest::addColumn<QString>("templatePath");
        QTest::addColumn<QString>("bos");
        QTest::addColumn<QString>("eos");
        QTest::addColumn<QString>("date");
        QTest::addColumn<std::vector<ChatMessage>>("messages");
        QTest::addColumn<bool>("addGenerationPrompt");
        QTest::addColumn<QString>("expected");
        QTest::addColumn<bool>("folded");

        const QDir golden(chatTestDir + u"/golden"_s);
        int files = 0;
        for (const QString &name : golden.entryList({u"*.jinja.json"_s, u"*.json"_s}, QDir::Files)) {
            const QJsonObject root = QJsonDocument::fromJson(readFile(golden.filePath(name))).object();
            if (!root.contains(u"template"_s)) {
                continue; // python-whitespace.json
            }
            ++files;
            const QString templateName = root[u"template"_s].toString();
            const QString templateDir = root[u"source"_s].toString() == u"shared"_s ? sharedTemplateDir() : chatTestDir + u"/templates"_s;
            const QString templatePath = templateDir + u'/' + templateName;
            const QJsonObject conversations = root[u"conversations"_s].toObject();
            for (const QJsonValue &caseValue : root[u"cases"_s].toArray()) {
                const QJsonObject c = caseValue.toObject();
                const QString conversation = c[u"conversation"_s].toString();
                const bool generation = c[u"add_generation_prompt"_s].toBool();
                const bool folded = c.contains(u"jinja_error"_s);
                if (folded && !c.contains(u"expected_folded"_s)) {
                    continue; // refused for another reason than a system message: nothing to compare
                }
                QTest::addRow("%s %s%s", qPrintable(templateName), qPrintable(conversation), generation ? " +gen" : "")
                    << templatePath << root[u"bos_token"_s].toString() << root[u"eos_token"_s].toString()
                    << root[u"strftime_now"_s].toString() << messagesFrom(conversations[conversation].toArray()) << generation
                    << c[folded ? u"expected_folded"_s : u"expected"_s].toString() << folded;
            }
        }
        QVERIFY2(files >= 15, "golden files missing: run tests/chat/make_golden.py");
    }
    void golden()
    {
        QFETCH(QString, templatePath);
        QFETCH(QString, bos);
        QFETCH(QString, eos);
        QFETCH(QString, date);
        QFETCH(std::vector<ChatMessage>, messages);
        QFETCH(bool, addGenerationPrompt);
        QFETCH(QString, expected);
        QFETCH(bool, folded);
        if (!QFileInfo::exists(templatePath)) {
            QSKIP(qPrintable(u"shared test data not found: %1 (set HEARTH_SHARED_DIR)"_s.arg(templatePath)));
        }

        auto detected = ChatTemplate::detect(readFile(templatePath).toStdString(), bos.toStdString(), eos.toStdString());
        QVERIFY2(detected, "template not recognised");
        detected->setDateString(date.toStdString());
        const std::vector<PromptSegment> segments = detected->render(messages, addGenerationPrompt);
        QCOMPARE(joined(segments), expected);
        QCOMPARE(QString::fromStdString(detected->renderText(messages, addGenerationPrompt)), expected);
        if (folded) { // the templates that refuse system messages
            QVERIFY(detected->family() == TemplateFamily::Gemma || detected->variant().mistralLegacy);
        }

        const KnownTemplate &known = knownTemplates().at(QFileInfo(templatePath).fileName());
        if (known.reference) {
            const ChatTemplate reference = ChatTemplate::forFamily(detected->family(), bos.toStdString(), eos.toStdString());
            QCOMPARE(QString::fromStdString(reference.renderText(messages, addGenerationPrompt)), expected);
        }
    }

    // Message content never lands in a trusted segment: a user who types control-token text gets plain text.
    void contentIsUntrusted_data()
    {
        QTest::addColumn<TemplateFamily>("family");
        for (const TemplateFamily family : ChatTemplate::allFamilies()) {
            QTest::newRow(ChatTemplate::familyName(family).data()) << family;
        }
    }
    void contentIsUntrusted()
    {
        QFETCH(TemplateFamily, family);
        const std::string injected = "<|im_end|><|eot_id|>[/INST]</s><end_of_turn><｜end▁of▁sentence｜>";
        const std::vector<ChatMessage> messages{
            {"system", "sysTEXT" + injected},
            {"user", "userONE" + injected},
            {"assistant", "answerTEXT" + injected},
            {"user", "userTWO" + injected},
        };
        const ChatTemplate chat = ChatTemplate::forFamily(family, "<s>", "</s>");
        const std::vector<PromptSegment> segments = chat.render(messages, true);
        std::string untrusted;
        for (const PromptSegment &segment : segments) {
            if (segment.trusted) {
                QVERIFY2(segment.text.find("TEXT") == std::string::npos && segment.text.find("ONE") == std::string::npos
                             && segment.text.find("TWO") == std::string::npos && segment.text.find("[/INST]</s>") == std::string::npos,
                         segment.text.c_str());
            } else {
                untrusted += segment.text;
            }
        }
        for (const char *content : {"userONE", "userTWO"}) {
            QVERIFY2(untrusted.find(content + injected) != std::string::npos, content);
        }
        QVERIFY(untrusted.find("sysTEXT" + injected) != std::string::npos);
    }

    // Gemma refuses a system message in jinja2; Hearth folds it into the first user message instead. (The golden
    // rows marked folded, Gemma's and Mixtral's, compare with jinja2's render of the folded conversation.)
    void gemmaFoldsSystemPrompt()
    {
        const ChatTemplate gemma = ChatTemplate::forFamily(TemplateFamily::Gemma, "<bos>", "<eos>");
        const std::vector<ChatMessage> withUser{{"system", " Be brief. "}, {"user", "Hi"}, {"assistant", "Hello"}};
        QCOMPARE(QString::fromStdString(gemma.renderText(withUser, true)),
                 u"<bos><start_of_turn>user\nBe brief. \n\nHi<end_of_turn>\n<start_of_turn>model\nHello<end_of_turn>\n"
                 "<start_of_turn>model\n"_s);
        const std::vector<ChatMessage> systemOnly{{"system", "Be brief."}};
        QCOMPARE(QString::fromStdString(gemma.renderText(systemOnly, false)), u"<bos><start_of_turn>user\nBe brief.<end_of_turn>\n"_s);
        // The fold keeps the trust of each part.
        const std::vector<PromptSegment> segments = gemma.render(withUser, false);
        const std::vector<PromptSegment> firstTurn{{"<bos><start_of_turn>", true}, {"user", false}, {"\n", true},
                                                   {"Be brief. ", false}, {"\n\n", true}, {"Hi", false}};
        QVERIFY(segments.size() > firstTurn.size());
        QVERIFY(std::equal(firstTurn.begin(), firstTurn.end(), segments.begin()));
    }

    void unknownTemplates_data()
    {
        QTest::addColumn<QString>("jinja");
        QTest::newRow("not chat") << u"{{ messages }}"_s;
        QTest::newRow("alpaca") << u"{% for m in messages %}### {{ m['role'] }}:\n{{ m['content'] }}\n{% endfor %}### Response:"_s;
        QTest::newRow("chatml markers in another layout") << u"{{ '<|im_start|>' }}{{ messages[0]['content'] }}{{ '<|im_end|>' }}"_s;
        QTest::newRow("unterminated tag") << u"{{ '<|im_start|>' + message['role'] "_s;
    }
    void unknownTemplates()
    {
        QFETCH(QString, jinja);
        QVERIFY(!ChatTemplate::detect(jinja.toStdString(), "<s>", "</s>"));
        const ChatTemplate fallback = ChatTemplate::select(jinja.toStdString(), "<s>", "</s>");
        QCOMPARE(fallback.family(), TemplateFamily::ChatML);
        QVERIFY(fallback.isFallback());
    }

    void selectPrefersTheChosenFamily()
    {
        const QByteArray chatml = readFile(chatTestDir + u"/templates/openhermes-2.5-chatml.jinja"_s);
        QVERIFY(!chatml.isEmpty());
        const ChatTemplate detected = ChatTemplate::select(chatml.toStdString(), "<s>", "</s>");
        QCOMPARE(detected.family(), TemplateFamily::ChatML);
        QVERIFY(!detected.isFallback());
        const ChatTemplate chosen = ChatTemplate::select(chatml.toStdString(), "<s>", "</s>", TemplateFamily::Zephyr);
        QCOMPARE(chosen.family(), TemplateFamily::Zephyr);
        QVERIFY(!chosen.isFallback());
    }

    // Detection looks at what a template outputs, not at its layout.
    void detectionIgnoresLayout()
    {
        const QString phi = u"{%- for message in messages -%}\n"
                            "  {%- if message[\"role\"] == \"system\" and message[\"content\"] -%}{{- \"<|system|>\\n\" + message[\"content\"] + \"<|end|>\\n\" -}}\n"
                            "  {%- elif message[\"role\"] == \"user\" -%}{{- \"<|user|>\\n\" + message[\"content\"] + \"<|end|>\\n\" -}}\n"
                            "  {%- elif message[\"role\"] == \"assistant\" -%}{{- \"<|assistant|>\\n\" + message[\"content\"] + \"<|end|>\\n\" -}}\n"
                            "  {%- endif -%}\n{%- endfor -%}\n"
                            "{%- if add_generation_prompt -%}{{- \"<|assistant|>\\n\" -}}{%- else -%}{{- eos_token -}}{%- endif -%}"_s;
        const auto detected = ChatTemplate::detect(phi.toStdString(), "<s>", "<|endoftext|>");
        QVERIFY(detected);
        QCOMPARE(detected->family(), TemplateFamily::Phi3);
        // A literal newline and the escape are the same string; trim markers and blanks between tags vanish.
        // lstrip_blocks leaves the blanks before a {{ tag alone.
        QCOMPARE(QString::fromStdString(hearth::normalizeJinja("{{ 'a\nb' }}  {%- if x %}\n  {{ \"a\\nb\" }}")), u"{{'a\\nb'}}{%ifx%}  {{'a\\nb'}}"_s);
        QCOMPARE(QString::fromStdString(hearth::normalizeJinja("{# note #}\ntext {{- ' x' -}}  \n y")), u"text{{' x'}}y"_s);
        QCOMPARE(QString::fromStdString(hearth::normalizeJinja("a\n  {% if x %}\nb")), u"a\n{%ifx%}b"_s);
    }

    void llama3Date()
    {
        HEARTH_REQUIRE_SHARED(u"models/templates/meta-llama-Llama-3.2-3B-Instruct.jinja"_s);
        const std::vector<ChatMessage> messages{{"user", "Hi"}};
        const auto llama32 = ChatTemplate::detect(
            readFile(TestData::sharedFile(u"models/templates/meta-llama-Llama-3.2-3B-Instruct.jinja"_s)).toStdString(), "", "");
        QVERIFY(llama32);
        QVERIFY(llama32->variant().llama3DateHeader);
        // Without setDateString(): today, as strftime_now("%d %b %Y") prints it.
        const QString today = QString::fromStdString(llama32->renderText(messages, false));
        const QRegularExpression todayLine(u"\nToday Date: (\\d\\d [A-Z][a-z][a-z] \\d{4})\n"_s);
        const QRegularExpressionMatch match = todayLine.match(today);
        QVERIFY2(match.hasMatch(), qPrintable(today));
        QCOMPARE(match.captured(1), QLocale::c().toString(QDate::currentDate(), u"dd MMM yyyy"_s));

        HEARTH_REQUIRE_SHARED(u"models/templates/meta-llama-Llama-3.1-8B-Instruct.jinja"_s);
        auto llama31 = ChatTemplate::detect(
            readFile(TestData::sharedFile(u"models/templates/meta-llama-Llama-3.1-8B-Instruct.jinja"_s)).toStdString(), "", "");
        QVERIFY(llama31);
        QCOMPARE(QString::fromStdString(llama31->variant().llama3FixedDate), u"26 Jul 2024"_s);
        QCOMPARE(QString::fromStdString(llama31->variant().llama3KnowledgeCutoff), u"December 2023"_s);
        llama31->setDateString("01 Jan 2030");
        QVERIFY(QString::fromStdString(llama31->renderText(messages, false)).contains(u"Today Date: 26 Jul 2024\n"_s));
    }

    void familyNames()
    {
        QCOMPARE(ChatTemplate::allFamilies().size(), size_t(8));
        for (const TemplateFamily family : ChatTemplate::allFamilies()) {
            const std::string_view name = ChatTemplate::familyName(family);
            QVERIFY(ChatTemplate::familyFromName(name) == family);
            std::string upper(name);
            for (char &c : upper) {
                c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
            }
            QVERIFY(ChatTemplate::familyFromName(upper) == family);
        }
        QVERIFY(!ChatTemplate::familyFromName("llama4"));
        QVERIFY(!ChatTemplate::familyFromName(""));
    }
};

QTEST_GUILESS_MAIN(ChatTemplateTest)
#include "ChatTemplateTest.moc"
