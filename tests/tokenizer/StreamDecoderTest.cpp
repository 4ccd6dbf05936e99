// SPDX-License-Identifier: GPL-3.0-or-later
// StreamDecoder: characters split across tokens are held back until complete.
#include "gguf/GgufFile.h"
#include "tokenizer/StreamDecoder.h"
#include "tokenizer/Tokenizer.h"

#include "TestData.h"

#include <QTest>

#include <cstdio>
#include <map>
#include <memory>

using namespace hearth;
using namespace Qt::StringLiterals;

namespace
{
bool isValidUtf8(const std::string &bytes)
{
    const QByteArray array = QByteArray::fromStdString(bytes);
    return QString::fromUtf8(array).toUtf8() == array;
}

// A SentencePiece vocabulary of <unk>, <s>, </s> and the 256 byte tokens: every character is spelt in bytes.
std::unique_ptr<Tokenizer> byteVocabulary()
{
    VocabData vocab;
    vocab.source = "bytes";
    vocab.model = "llama";
    vocab.tokens = {"<unk>", "<s>", "</s>"};
    vocab.types = {int32_t(TokenType::Unknown), int32_t(TokenType::Control), int32_t(TokenType::Control)};
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        vocab.tokens.push_back(name);
        vocab.types.push_back(int32_t(TokenType::Byte));
    }
    return Tokenizer::fromVocab(vocab);
}

int32_t byteId(unsigned char byte)
{
    return 3 + byte;
}
}

class StreamDecoderTest : public QObject
{
    Q_OBJECT

    std::map<QString, std::unique_ptr<Tokenizer>> m_tokenizers;

private Q_SLOTS:
    void holdsBackSplitCharacters_data()
    {
        QTest::addColumn<QByteArray>("character");
        QTest::newRow("2 bytes") << QByteArray("\xC3\xA9"); // é
        QTest::newRow("3 bytes") << QByteArray("\xE2\x82\xAC"); // €
        QTest::newRow("4 bytes") << QByteArray("\xF0\x9F\xA6\x99"); // 🦙
    }

    void holdsBackSplitCharacters()
    {
        QFETCH(QByteArray, character);
        const auto tokenizer = byteVocabulary();
        StreamDecoder decoder(*tokenizer);
        QCOMPARE(decoder.push(byteId('a')), std::string("a"));
        for (qsizetype i = 0; i + 1 < character.size(); ++i) {
            QCOMPARE(decoder.push(byteId(static_cast<unsigned char>(character[i]))), std::string());
        }
        QCOMPARE(QByteArray::fromStdString(decoder.push(byteId(static_cast<unsigned char>(character.back())))), character);
        QCOMPARE(decoder.flush(), std::string());
    }

    void controlTokensProduceNothing()
    {
        const auto tokenizer = byteVocabulary();
        StreamDecoder decoder(*tokenizer);
        QCOMPARE(decoder.push(1), std::string());
        QCOMPARE(decoder.push(byteId(0xC3)), std::string());
        QCOMPARE(decoder.push(2), std::string()); // does not break the pending character
        QCOMPARE(decoder.push(byteId(0xA9)), std::string("\xC3\xA9"));
    }

    void flushReturnsAnUnfinishedSequence()
    {
        const auto tokenizer = byteVocabulary();
        StreamDecoder decoder(*tokenizer);
        QCOMPARE(decoder.push(byteId('x')), std::string("x"));
        QCOMPARE(decoder.push(byteId(0xE2)), std::string());
        QCOMPARE(decoder.push(byteId(0x82)), std::string());
        QCOMPARE(decoder.flush(), std::string("\xE2\x82"));
        QCOMPARE(decoder.flush(), std::string());
    }

    void invalidBytesAreNotHeldForever()
    {
        const auto tokenizer = byteVocabulary();
        StreamDecoder decoder(*tokenizer);
        QCOMPARE(decoder.push(byteId(0x80)), std::string("\x80")); // can never become valid
        QCOMPARE(decoder.push(byteId(0xFF)), std::string("\xFF"));
    }

    // Real vocabularies: streaming the tokens of a text gives the text back, in valid UTF-8 pieces.
    void streamsRealVocabularies_data()
    {
        QTest::addColumn<QString>("vocab");
        QTest::addColumn<QByteArray>("text");
        for (const QString &vocab : {u"llama-spm"_s, u"gpt-2"_s, u"deepseek-llm"_s, u"falcon"_s}) {
            QTest::addRow("%s emoji", qPrintable(vocab)) << vocab << QByteArray("Hello \xF0\x9F\xA6\x99 and \xF0\x9F\x9A\x80!");
            QTest::addRow("%s cyrillic", qPrintable(vocab)) << vocab << QByteArray("\xD0\xBF\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 world");
            QTest::addRow("%s khmer", qPrintable(vocab)) << vocab
                                                       << QByteArray("\xE1\x9E\x80\xE1\x9E\xB6\xE1\x9E\x93\xE1\x9F\x8B\xE1\x9E\x8F\xE1\x9F\x82");
        }
    }

    void streamsRealVocabularies()
    {
        QFETCH(QString, vocab);
        QFETCH(QByteArray, text);
        const QString path = u"models/vocab/ggml-vocab-"_s + vocab + u".gguf"_s;
        HEARTH_REQUIRE_SHARED(path);
        auto &tokenizer = m_tokenizers[vocab];
        if (!tokenizer) {
            tokenizer = Tokenizer::fromGguf(*GgufFile::open(TestData::sharedFile(path).toStdString()));
        }
        StreamDecoder decoder(*tokenizer);
        std::string streamed;
        for (const int32_t id : tokenizer->encode(text.toStdString(), true)) {
            const std::string piece = decoder.push(id);
            QVERIFY2(isValidUtf8(piece), piece.c_str());
            streamed += piece;
        }
        streamed += decoder.flush();
        // SentencePiece put a space in front of the text; the stream shows it, decode() drops it.
        const QByteArray expected = vocab == u"llama-spm"_s ? ' ' + text : text;
        QCOMPARE(QByteArray::fromStdString(streamed), expected);
    }
};

QTEST_GUILESS_MAIN(StreamDecoderTest)
#include "StreamDecoderTest.moc"
