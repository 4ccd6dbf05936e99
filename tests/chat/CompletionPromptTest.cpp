// SPDX-License-Identifier: GPL-3.0-or-later
// Plain completion, what a model without a chat template gets: the conversation as plain text. The first
// message tokenizes exactly as llama.cpp tokenized the bare prompt (../shared/reference), so the reply is the
// continuation any engine gives.
#include "chat/ChatTemplate.h"
#include "chat/HistoryTrimmer.h"
#include "chat/ModelChatTemplate.h"
#include "model/LlamaModel.h"
#include "tokenizer/Tokenizer.h"

#include "TestData.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace Qt::StringLiterals;
using hearth::ChatMessage;
using hearth::ChatTemplate;
using hearth::PromptSegment;
using hearth::TemplateFamily;

Q_DECLARE_METATYPE(std::vector<ChatMessage>)

class CompletionPromptTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void selectedWithoutTemplate()
    {
        const ChatTemplate none = ChatTemplate::select("", "<s>", "</s>");
        QCOMPARE(none.family(), TemplateFamily::Completion);
        QVERIFY(!none.isFallback());
        // A template that is there but not recognised still chats (ChatML); a chosen family wins.
        QCOMPARE(ChatTemplate::select("{{ messages }}", "<s>", "</s>").family(), TemplateFamily::ChatML);
        QCOMPARE(ChatTemplate::select("", "<s>", "</s>", TemplateFamily::Zephyr).family(), TemplateFamily::Zephyr);
        QVERIFY(ChatTemplate::familyFromName("Completion") == TemplateFamily::Completion);
        QCOMPARE(ChatTemplate::familyName(TemplateFamily::Completion), std::string_view("completion"));
        // Not a Jinja family: the settings and the golden tests list those only.
        const auto &families = ChatTemplate::allFamilies();
        QVERIFY(std::find(families.begin(), families.end(), TemplateFamily::Completion) == families.end());
    }

    void render_data()
    {
        QTest::addColumn<std::vector<ChatMessage>>("messages");
        QTest::addColumn<QString>("expected");
        QTest::newRow("first message") << std::vector<ChatMessage>{{"user", "Once upon a time"}} << u"Once upon a time"_s;
        QTest::newRow("system prompt left out")
            << std::vector<ChatMessage>{{"system", "You are helpful."}, {"user", "Once upon a time"}} << u"Once upon a time"_s;
        QTest::newRow("reply continues, next message on a new line")
            << std::vector<ChatMessage>{{"user", "Once upon a time"}, {"assistant", " there was a dog."}, {"user", "The dog"}}
            << u"Once upon a time there was a dog.\nThe dog"_s;
        QTest::newRow("text ending in whitespace")
            << std::vector<ChatMessage>{{"user", "Once"}, {"assistant", " upon a time.\n"}, {"user", "Then"}, {"assistant", " "}, {"user", "more"}}
            << u"Once upon a time.\nThen more"_s;
        QTest::newRow("two user messages") << std::vector<ChatMessage>{{"user", "One."}, {"user", "Two."}} << u"One.\nTwo."_s;
        QTest::newRow("empty reply") << std::vector<ChatMessage>{{"user", "One."}, {"assistant", ""}, {"user", "Two."}} << u"One.\nTwo."_s;
        QTest::newRow("no messages") << std::vector<ChatMessage>{} << QString();
    }
    void render()
    {
        QFETCH(std::vector<ChatMessage>, messages);
        QFETCH(QString, expected);
        const ChatTemplate completion = ChatTemplate::forFamily(TemplateFamily::Completion, "<s>", "</s>");
        for (const bool generationPrompt : {true, false}) {
            const std::vector<PromptSegment> segments = completion.render(messages, generationPrompt);
            QCOMPARE(QString::fromStdString(completion.renderText(messages, generationPrompt)), expected);
            // All of it is the user's text: "</s>" typed in a message never ends anything.
            for (const PromptSegment &segment : segments) {
                QVERIFY(!segment.trusted);
            }
        }
    }

    void firstMessageIsTheBarePrompt()
    {
        HEARTH_REQUIRE_SHARED(u"models/stories260K.gguf"_s);
        HEARTH_REQUIRE_SHARED(u"reference/stories260K-llamacpp.json"_s);
        QFile file(TestData::sharedFile(u"reference/stories260K-llamacpp.json"_s));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const auto model = hearth::LlamaModel::load(TestData::sharedFile(u"models/stories260K.gguf"_s).toStdString());
        const hearth::ModelChatTemplate source = hearth::ModelChatTemplate::read(model->file());
        QVERIFY(source.jinja.empty());
        const ChatTemplate chatTemplate = ChatTemplate::select(source.jinja, source.bosToken, source.eosToken);
        QCOMPARE(chatTemplate.family(), TemplateFamily::Completion);
        const hearth::HistoryTrimmer trimmer(chatTemplate, model->tokenizer());

        const QJsonArray cases = QJsonDocument::fromJson(file.readAll()).object()[u"cases"_s].toArray();
        QVERIFY(!cases.isEmpty());
        for (const QJsonValue &value : cases) {
            const QJsonObject reference = value.toObject();
            std::vector<int32_t> expected;
            for (const QJsonValue &id : reference[u"tokens"_s].toArray()) {
                expected.push_back(id.toInt());
            }
            const std::vector<ChatMessage> conversation{{"system", "Be brief."}, {"user", reference[u"prompt"_s].toString().toStdString()}};
            QCOMPARE(trimmer.tokenize(conversation), expected);
        }
    }
};

QTEST_GUILESS_MAIN(CompletionPromptTest)
#include "CompletionPromptTest.moc"
