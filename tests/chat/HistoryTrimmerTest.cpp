// SPDX-License-Identifier: GPL-3.0-or-later
#include "chat/HistoryTrimmer.h"
#include "gguf/GgufFile.h"
#include "tokenizer/Tokenizer.h"

#include "TestData.h"

#include <QTest>

using namespace hearth;

namespace
{
// TinyLlama's vocabulary: the Zephyr template's "</s>" is its EOS control token.
const QString vocabFile = QStringLiteral("models/vocab/ggml-vocab-llama-spm.gguf");

std::vector<ChatMessage> conversation()
{
    return {
        {"system", "You are a helpful assistant who answers briefly."},
        {"user", "What is the capital of France?"},
        {"assistant", "Paris is the capital of France."},
        {"user", "And how many people live there?"},
        {"assistant", "About two million people live in the city itself."},
        {"user", "Name a famous museum there."},
        {"assistant", "The Louvre."},
        {"user", "Thank you! One more question: what river flows through it?"},
    };
}

std::vector<ChatMessage> without(std::vector<ChatMessage> messages, std::vector<size_t> indexes)
{
    std::sort(indexes.rbegin(), indexes.rend());
    for (const size_t i : indexes) {
        messages.erase(messages.begin() + std::ptrdiff_t(i));
    }
    return messages;
}
}

class HistoryTrimmerTest : public QObject
{
    Q_OBJECT

    std::unique_ptr<Tokenizer> m_tokenizer;

    ChatTemplate zephyr() const
    {
        return ChatTemplate::forFamily(TemplateFamily::Zephyr, "<s>", "</s>");
    }

private Q_SLOTS:
    void init()
    {
        HEARTH_REQUIRE_SHARED(vocabFile);
        if (!m_tokenizer) {
            m_tokenizer = Tokenizer::fromGguf(*GgufFile::open(TestData::sharedFile(vocabFile).toStdString()));
        }
    }

    // The count is the tokenizer's on the whole rendered prompt (with special tokens parsed), for content
    // without control-token text; one BOS at the start, also when the template writes it (Llama 2).
    void tokenizeMatchesWholePrompt_data()
    {
        QTest::addColumn<int>("family");
        for (const TemplateFamily family : ChatTemplate::allFamilies()) {
            QTest::newRow(ChatTemplate::familyName(family).data()) << int(family);
        }
    }
    void tokenizeMatchesWholePrompt()
    {
        QFETCH(int, family);
        const ChatTemplate chatTemplate = ChatTemplate::forFamily(TemplateFamily(family), "<s>", "</s>");
        const HistoryTrimmer trimmer(chatTemplate, *m_tokenizer);
        const std::vector<ChatMessage> messages = conversation();
        const std::string text = chatTemplate.renderText(messages, true);
        std::vector<int32_t> expected = m_tokenizer->encode(text, false, true);
        if (expected.front() != m_tokenizer->bos()) {
            expected.insert(expected.begin(), m_tokenizer->bos());
        }
        QCOMPARE(trimmer.tokenize(messages), expected);
        QCOMPARE(expected[0], m_tokenizer->bos());
        QVERIFY(expected[1] != m_tokenizer->bos());
    }

    // One token under, at and over the budget, for every policy.
    void boundaries_data()
    {
        QTest::addColumn<int>("policy");
        QTest::addColumn<int>("slack"); // budget - tokens of the whole conversation
        QTest::addColumn<QList<int>>("droppedList");
        QTest::addColumn<bool>("fails");
        const QList<int> none;
        const QList<int> oldest{1, 2};
        const QList<int> second{3, 4};
        QTest::newRow("rolling over") << int(TrimPolicy::RollingWindow) << -1 << oldest << false;
        QTest::newRow("rolling at") << int(TrimPolicy::RollingWindow) << 0 << none << false;
        QTest::newRow("rolling under") << int(TrimPolicy::RollingWindow) << 1 << none << false;
        QTest::newRow("middle over") << int(TrimPolicy::TruncateMiddle) << -1 << second << false;
        QTest::newRow("middle at") << int(TrimPolicy::TruncateMiddle) << 0 << none << false;
        QTest::newRow("middle under") << int(TrimPolicy::TruncateMiddle) << 1 << none << false;
        QTest::newRow("stop over") << int(TrimPolicy::StopAtLimit) << -1 << none << true;
        QTest::newRow("stop at") << int(TrimPolicy::StopAtLimit) << 0 << none << false;
        QTest::newRow("stop under") << int(TrimPolicy::StopAtLimit) << 1 << none << false;
    }
    void boundaries()
    {
        QFETCH(int, policy);
        QFETCH(int, slack);
        QFETCH(QList<int>, droppedList);
        const std::vector<size_t> dropped(droppedList.begin(), droppedList.end());
        QFETCH(bool, fails);
        const ChatTemplate chatTemplate = zephyr();
        const HistoryTrimmer trimmer(chatTemplate, *m_tokenizer);
        const std::vector<ChatMessage> messages = conversation();
        const int whole = int(trimmer.tokenize(messages).size());
        const int reserve = 512;
        const TrimResult result = trimmer.trim(messages, whole + slack + reserve, reserve, TrimPolicy(policy));
        if (fails) {
            QVERIFY(result.tokens.empty());
            QVERIFY2(result.error.find(std::to_string(whole) + " tokens long") != std::string::npos, result.error.c_str());
            QVERIFY2(result.error.find("room for " + std::to_string(whole - 1)) != std::string::npos, result.error.c_str());
            return;
        }
        QVERIFY2(result.error.empty(), result.error.c_str());
        QCOMPARE(result.dropped, dropped);
        QCOMPARE(result.tokens, trimmer.tokenize(without(messages, dropped)));
        QVERIFY(int(result.tokens.size()) <= whole + slack);
    }

    // The fewest whole turns go: at the exact size of the prompt without the two oldest turns both go, one
    // token less and the third goes too; the system prompt and the last message always stay.
    void dropsFewestTurns()
    {
        const ChatTemplate chatTemplate = zephyr();
        const HistoryTrimmer trimmer(chatTemplate, *m_tokenizer);
        const std::vector<ChatMessage> messages = conversation();
        const int twoGone = int(trimmer.tokenize(without(messages, {1, 2, 3, 4})).size());
        TrimResult result = trimmer.trim(messages, twoGone, 0, TrimPolicy::RollingWindow);
        QCOMPARE(result.dropped, (std::vector<size_t>{1, 2, 3, 4}));
        QCOMPARE(int(result.tokens.size()), twoGone);
        result = trimmer.trim(messages, twoGone - 1, 0, TrimPolicy::RollingWindow);
        QCOMPARE(result.dropped, (std::vector<size_t>{1, 2, 3, 4, 5, 6}));

        // Truncate middle keeps the first exchange while anything else can go.
        const int middleGone = int(trimmer.tokenize(without(messages, {3, 4, 5, 6})).size());
        result = trimmer.trim(messages, middleGone, 0, TrimPolicy::TruncateMiddle);
        QCOMPARE(result.dropped, (std::vector<size_t>{3, 4, 5, 6}));
        result = trimmer.trim(messages, middleGone - 1, 0, TrimPolicy::TruncateMiddle);
        QCOMPARE(result.dropped, (std::vector<size_t>{1, 2, 3, 4, 5, 6}));
    }

    void lastMessageTooLong()
    {
        const ChatTemplate chatTemplate = zephyr();
        const HistoryTrimmer trimmer(chatTemplate, *m_tokenizer);
        const std::vector<ChatMessage> messages = conversation();
        const int least = int(trimmer.tokenize(without(messages, {1, 2, 3, 4, 5, 6})).size());
        QVERIFY(trimmer.trim(messages, least, 0, TrimPolicy::RollingWindow).error.empty());
        const TrimResult result = trimmer.trim(messages, least - 1 + 100, 100, TrimPolicy::TruncateMiddle);
        QVERIFY(result.tokens.empty());
        QVERIFY2(result.error.find("last message is too long") != std::string::npos, result.error.c_str());
        QVERIFY2(result.error.find(std::to_string(least) + " tokens") != std::string::npos, result.error.c_str());
        QVERIFY(!trimmer.trim(messages, 100, 100, TrimPolicy::RollingWindow).error.empty());
    }

    // A greeting before the first user message is a turn of its own.
    void leadingAssistantMessage()
    {
        const ChatTemplate chatTemplate = zephyr();
        const HistoryTrimmer trimmer(chatTemplate, *m_tokenizer);
        const std::vector<ChatMessage> messages{{"assistant", "Hello! How can I help?"}, {"user", "Tell me a story."}, {"assistant", "Once upon a time."}, {"user", "Another one."}};
        const int whole = int(trimmer.tokenize(messages).size());
        QCOMPARE(trimmer.trim(messages, whole - 1, 0, TrimPolicy::RollingWindow).dropped, (std::vector<size_t>{0}));
    }
};

QTEST_GUILESS_MAIN(HistoryTrimmerTest)
#include "HistoryTrimmerTest.moc"
