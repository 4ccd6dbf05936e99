// SPDX-License-Identifier: GPL-3.0-or-later
// Text no one should send, sent anyway: a 1 MB message of each shape that strains a tokenizer (one endless word,
// a run of whitespace, many short words, digits) must tokenize completely on both tokenizer kinds (a quadratic
// algorithm would not finish within the test's timeout; no time is measured), and invalid UTF-8 is read with
// replacement characters or byte tokens, never a crash. Special tokens typed by the user: tests/chat's
// UntrustedContentTest and the chat_template fuzz target.
#include "TestData.h"

#include "gguf/GgufFile.h"
#include "tokenizer/Tokenizer.h"
#include "tokenizer/Utf8.h"

#include <QTest>

#include <map>

using namespace hearth;
using namespace Qt::StringLiterals;

namespace
{
constexpr size_t megabyte = 1 << 20;

std::string repeatTo(std::string_view unit, size_t size)
{
    std::string text;
    text.reserve(size + unit.size());
    while (text.size() < size) {
        text += unit;
    }
    return text;
}
}

class HostileTextTest : public QObject
{
    Q_OBJECT

    std::map<QString, std::unique_ptr<Tokenizer>> m_tokenizers;

    const Tokenizer &tokenizer(const QString &vocab)
    {
        auto &slot = m_tokenizers[vocab];
        if (!slot) {
            slot = Tokenizer::fromGguf(*GgufFile::open(TestData::sharedFile(u"models/vocab/ggml-vocab-"_s + vocab + u".gguf"_s).toStdString()));
        }
        return *slot;
    }

private Q_SLOTS:
    void megabyteMessage_data()
    {
        QTest::addColumn<QString>("vocab");
        QTest::addColumn<QByteArray>("text");
        const std::vector<std::pair<const char *, std::string>> texts = {
            {"one long word", repeatTo("a", megabyte)},
            {"whitespace run", repeatTo(" ", megabyte)},
            {"short words", repeatTo("The quick brown fox, 42 times. ", megabyte)},
            {"digits", repeatTo("0123456789", megabyte)},
            {"emoji", repeatTo("\xF0\x9F\x98\x80", megabyte)},
        };
        for (const char *vocab : {"llama-spm", "gpt-2"}) {
            for (const auto &[name, text] : texts) {
                QTest::addRow("%s, %s", vocab, name) << QString::fromLatin1(vocab) << QByteArray::fromStdString(text);
            }
        }
    }

    void megabyteMessage()
    {
        QFETCH(QString, vocab);
        QFETCH(QByteArray, text);
        HEARTH_REQUIRE_SHARED(u"models/vocab/ggml-vocab-"_s + vocab + u".gguf"_s);
        const Tokenizer &tok = tokenizer(vocab);
        const std::vector<int32_t> ids = tok.encode(text.toStdString(), false, false);
        QVERIFY(!ids.empty());
        QVERIFY(ids.size() <= size_t(text.size()) + 1); // at most a token per byte, and SentencePiece's leading space
        QCOMPARE(QByteArray::fromStdString(tok.decode(ids)), text);
    }

    void invalidUtf8_data()
    {
        QTest::addColumn<QString>("vocab");
        QTest::addColumn<QByteArray>("text");
        const std::vector<std::pair<const char *, std::string>> texts = {
            {"lone continuation bytes", repeatTo("\x80\xBF", 4096)},
            {"truncated sequences", repeatTo("a\xE2\x82 \xF0\x9F\x98", 4096)},
            {"overlong and surrogates", repeatTo("\xC0\xAF\xED\xA0\x80\xF4\x90\x80\x80", 4096)},
            {"0xFF bytes", repeatTo("\xFF\xFE", 4096)},
            {"NUL bytes", std::string(4096, '\0')},
        };
        for (const char *vocab : {"llama-spm", "gpt-2"}) {
            for (const auto &[name, text] : texts) {
                QTest::addRow("%s, %s", vocab, name) << QString::fromLatin1(vocab) << QByteArray::fromStdString(text);
            }
        }
    }

    // SentencePiece falls back to byte tokens, so the bytes come back, except that a broken sequence right before a
    // space swallows the U+2581 that stands for the space (as in llama.cpp) and it comes back as those bytes.
    // Byte-level BPE reads each invalid byte as U+FFFD, as llama.cpp does, so the text comes back with replacement
    // characters.
    void invalidUtf8()
    {
        QFETCH(QString, vocab);
        QFETCH(QByteArray, text);
        HEARTH_REQUIRE_SHARED(u"models/vocab/ggml-vocab-"_s + vocab + u".gguf"_s);
        const Tokenizer &tok = tokenizer(vocab);
        const std::string input = text.toStdString();
        const std::vector<int32_t> ids = tok.encode(input, true, false);
        QVERIFY(!ids.empty());
        const QByteArray decoded = QByteArray::fromStdString(tok.decode(ids));
        if (vocab == u"llama-spm"_s) {
            QCOMPARE(QByteArray(decoded).replace("\xE2\x96\x81", " "), text);
        } else {
            std::string replaced;
            for (const char32_t c : utf8::decode(input)) {
                utf8::append(replaced, c);
            }
            QCOMPARE(decoded, QByteArray::fromStdString(replaced));
        }
    }
};

QTEST_GUILESS_MAIN(HostileTextTest)
#include "HostileTextTest.moc"
