// SPDX-License-Identifier: GPL-3.0-or-later
// Tokenizer behaviour beyond the reference suites: llama.cpp's tokens for the real tiny model, special tokens
// only on request, token metadata, invalid input and error messages.
#include "gguf/GgufFile.h"
#include "tokenizer/Tokenizer.h"
#include "util/Error.h"

#include "TestData.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <map>
#include <memory>
#include <random>

using namespace hearth;
using namespace Qt::StringLiterals;

namespace
{
QString vocabPath(const QString &name)
{
    return name == u"stories260K"_s ? u"models/stories260K.gguf"_s : u"models/vocab/ggml-vocab-"_s + name + u".gguf"_s;
}

std::vector<int32_t> ids(std::initializer_list<int32_t> list)
{
    return std::vector<int32_t>(list);
}

std::vector<int32_t> concat(std::vector<int32_t> a, const std::vector<int32_t> &b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

bool contains(const std::vector<int32_t> &list, int32_t id)
{
    return std::find(list.begin(), list.end(), id) != list.end();
}

// A GGUF file with only general.architecture, built byte by byte.
QByteArray ggufWithoutTokenizer()
{
    QByteArray bytes("GGUF");
    const auto u32 = [&](uint32_t v) {
        bytes.append(reinterpret_cast<const char *>(&v), sizeof v);
    };
    const auto u64 = [&](uint64_t v) {
        bytes.append(reinterpret_cast<const char *>(&v), sizeof v);
    };
    const auto str = [&](const QByteArray &s) {
        u64(uint64_t(s.size()));
        bytes.append(s);
    };
    u32(3); // version
    u64(0); // tensors
    u64(1); // metadata entries
    str("general.architecture");
    u32(8); // string
    str("llama");
    return bytes;
}
}

// Skips the test when the vocabulary is not in the shared data, else binds `var` to its tokenizer.
#define LOAD_OR_SKIP(var, name)                                                                                        \
    HEARTH_REQUIRE_SHARED(vocabPath(name));                                                                           \
    const Tokenizer &var = *tokenizer(name)

class TokenizerTest : public QObject
{
    Q_OBJECT

    std::map<QString, std::unique_ptr<Tokenizer>> m_tokenizers;

    const Tokenizer *tokenizer(const QString &name)
    {
        auto &slot = m_tokenizers[name];
        if (!slot) {
            const QString path = TestData::sharedFile(vocabPath(name));
            if (!QFileInfo::exists(path)) {
                return nullptr;
            }
            slot = Tokenizer::fromGguf(*GgufFile::open(path.toStdString()));
        }
        return slot.get();
    }

private Q_SLOTS:
    // The prompts and BOS-prefixed ids llama.cpp produced for the tiny Llama (reference/stories260K-llamacpp.json).
    void storiesMatchesLlamaCpp_data()
    {
        QTest::addColumn<QString>("prompt");
        QTest::addColumn<QList<int>>("expected");
        HEARTH_REQUIRE_SHARED(u"reference/stories260K-llamacpp.json"_s);
        QFile file(TestData::sharedFile(u"reference/stories260K-llamacpp.json"_s));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonArray cases = QJsonDocument::fromJson(file.readAll()).object().value(u"cases"_s).toArray();
        QVERIFY(!cases.isEmpty());
        for (const QJsonValue &value : cases) {
            const QJsonObject c = value.toObject();
            QList<int> expected;
            for (const QJsonValue &id : c.value(u"tokens"_s).toArray()) {
                expected << id.toInt();
            }
            const QString prompt = c.value(u"prompt"_s).toString();
            QTest::newRow(qPrintable(prompt)) << prompt << expected;
        }
    }

    void storiesMatchesLlamaCpp()
    {
        QFETCH(QString, prompt);
        QFETCH(QList<int>, expected);
        LOAD_OR_SKIP(tok, u"stories260K"_s);
        QVERIFY(tok.addBos());
        const std::vector<int32_t> got = tok.encode(prompt.toStdString(), true);
        QCOMPARE(QList<int>(got.begin(), got.end()), expected);
        QCOMPARE(QString::fromStdString(tok.decode(got)), prompt);
    }

    void specialTokensOnlyWhenAsked()
    {
        LOAD_OR_SKIP(gpt2, u"gpt-2"_s);
        const std::string text = "a<|endoftext|>b";
        const std::vector<int32_t> plain = gpt2.encode(text, false);
        QVERIFY(!contains(plain, 50256));
        QCOMPARE(gpt2.decode(plain), text); // the marker survives as ordinary text
        QCOMPARE(gpt2.encode(text, false, true), concat(concat(gpt2.encode("a", false), ids({50256})), gpt2.encode("b", false)));

        LOAD_OR_SKIP(spm, u"llama-spm"_s);
        QVERIFY(!contains(spm.encode("<s>Hi</s>", false), 1));
        QVERIFY(!contains(spm.encode("<s>Hi</s>", false), 2));
        // After a special token the text gets the leading space again, as after the start of the input.
        QCOMPARE(spm.encode("<s>Hi</s>", false, true), concat(concat(ids({1}), spm.encode("Hi", false)), ids({2})));

        // User-defined tokens are matched in any text, as Hugging Face does: GPT-NeoX's runs of spaces.
        LOAD_OR_SKIP(mpt, u"mpt"_s);
        const auto fourSpaces = mpt.findToken("    ");
        QVERIFY(fourSpaces);
        QCOMPARE(mpt.tokenType(*fourSpaces), TokenType::UserDefined);
        QVERIFY(contains(mpt.encode("a    b", false, false), *fourSpaces));

        LOAD_OR_SKIP(deepseek, u"deepseek-llm"_s);
        const std::string bos = "<\xEF\xBD\x9C" "begin\xE2\x96\x81" "of\xE2\x96\x81" "sentence\xEF\xBD\x9C>";
        QCOMPARE(deepseek.encode(bos, false, true), ids({100000}));
        QVERIFY(!contains(deepseek.encode(bos, false, false), 100000));
    }

    // Phi-3's added tokens strip the whitespace after them: the well-known ids of its chat format.
    void phi3SpecialTokensEatTheFollowingNewline()
    {
        LOAD_OR_SKIP(phi3, u"phi-3"_s);
        QCOMPARE(phi3.encode("<|user|>\nHello<|end|>\n<|assistant|>\n", false, true), ids({32010, 15043, 32007, 32001}));
    }

    void metadata()
    {
        LOAD_OR_SKIP(spm, u"llama-spm"_s);
        QCOMPARE(spm.vocabSize(), 32000);
        QCOMPARE(spm.bos(), 1);
        QCOMPARE(spm.eos(), 2);
        QVERIFY(spm.addBos());
        QVERIFY(!spm.addEos());
        QCOMPARE(spm.findToken("\xE2\x96\x81Hello"), std::optional<int32_t>(15043));
        QCOMPARE(spm.findToken("no such token"), std::nullopt);
        QCOMPARE(spm.tokenToPiece(15043), std::string(" Hello"));
        QCOMPARE(spm.tokenToPiece(13), std::string("\n")); // <0x0A>
        QCOMPARE(spm.tokenType(13), TokenType::Byte);
        QVERIFY(spm.isControl(1));
        QVERIFY(!spm.isControl(15043));
        QVERIFY(spm.isEog(2));
        QVERIFY(!spm.isEog(1));
        QVERIFY_THROWS_EXCEPTION(Error, spm.tokenToPiece(32000));
        QVERIFY_THROWS_EXCEPTION(Error, spm.tokenToPiece(-1));
        QVERIFY(!spm.isEog(-1));

        LOAD_OR_SKIP(gpt2, u"gpt-2"_s);
        QCOMPARE(gpt2.bos(), 50256);
        QVERIFY(!gpt2.addBos());
        QCOMPARE(gpt2.tokenToPiece(*gpt2.findToken("\xC4\xA0world")), std::string(" world")); // "Ġworld"
        QVERIFY(gpt2.isEog(50256));

        LOAD_OR_SKIP(phi3, u"phi-3"_s);
        QVERIFY(phi3.isEog(32000)); // <|endoftext|>, the EOS
        QVERIFY(phi3.isEog(32007)); // <|end|>, found by its text
        QVERIFY(!phi3.isEog(15043));

        LOAD_OR_SKIP(coder, u"deepseek-coder"_s);
        QVERIFY(coder.addBos()); // from tokenizer.ggml.add_bos_token
        QCOMPARE(coder.encode("", true).front(), 32013);
    }

    // Invalid UTF-8 never crashes. SentencePiece spells what is not a token in bytes, so the bytes come back,
    // except that (as in llama.cpp) a truncated sequence swallows the next bytes as one "character", here the
    // U+2581 that stands for the following space. Byte-level BPE reads each byte that does not start a valid
    // sequence as U+FFFD, as llama.cpp does.
    void invalidUtf8_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QByteArray>("spmDecoded");
        QTest::addColumn<QByteArray>("bpeDecoded");
        const QByteArray r = "\xEF\xBF\xBD";
        QTest::newRow("lone continuation") << QByteArray("a\x80z") << QByteArray("a\x80z") << QByteArray("a" + r + "z");
        QTest::newRow("truncated 2-byte") << QByteArray("ab\xC3") << QByteArray("ab\xC3") << QByteArray("ab" + r);
        QTest::newRow("truncated 3-byte") << QByteArray("\xE2\x82 x") << QByteArray("\xE2\x82\xE2\x96\x81x") << QByteArray(r + r + " x");
        QTest::newRow("truncated 4-byte") << QByteArray("\xF0\x9F\xA6") << QByteArray("\xF0\x9F\xA6") << QByteArray(r + r + r);
        QTest::newRow("0xFF") << QByteArray("\xFF\xFE") << QByteArray("\xFF\xFE") << QByteArray(r + r);
        QTest::newRow("surrogate") << QByteArray("\xED\xA0\x80!") << QByteArray("\xED\xA0\x80!") << QByteArray(r + "!");
        QTest::newRow("above U+10FFFF") << QByteArray("\xF4\x90\x80\x80") << QByteArray("\xF4\x90\x80\x80") << QByteArray(r);
        QTest::newRow("NUL") << QByteArray("a\0b", 3) << QByteArray("a\0b", 3) << QByteArray("a\0b", 3);
    }

    void invalidUtf8()
    {
        QFETCH(QByteArray, input);
        QFETCH(QByteArray, spmDecoded);
        QFETCH(QByteArray, bpeDecoded);
        LOAD_OR_SKIP(spm, u"llama-spm"_s);
        QCOMPARE(QByteArray::fromStdString(spm.decode(spm.encode(input.toStdString(), true))), spmDecoded);
        for (const QString &name : {u"gpt-2"_s, u"deepseek-llm"_s, u"falcon"_s}) {
            LOAD_OR_SKIP(bpe, name);
            QCOMPARE(QByteArray::fromStdString(bpe.decode(bpe.encode(input.toStdString(), true))), bpeDecoded);
        }
    }

    void randomBytesDoNotCrash()
    {
        std::mt19937 rng(7);
        for (const QString &name : {u"llama-spm"_s, u"gpt-2"_s, u"deepseek-coder"_s, u"mpt"_s}) {
            LOAD_OR_SKIP(tok, name);
            for (int i = 0; i < 200; ++i) {
                std::string text(rng() % 40, '\0');
                for (char &c : text) {
                    c = char(rng() % 256);
                }
                for (const int32_t id : tok.encode(text, true, i % 2 == 0)) {
                    QVERIFY(id >= 0 && id < tok.vocabSize());
                }
            }
        }
    }

    void errorsNameTheSource()
    {
        VocabData vocab;
        vocab.source = "model.gguf";
        vocab.model = "bert";
        vocab.tokens = {"a", "b"};
        QVERIFY_THROWS_EXCEPTION(Error, Tokenizer::fromVocab(vocab));
        try {
            Tokenizer::fromVocab(vocab);
        } catch (const Error &e) {
            QVERIFY2(std::string(e.what()).starts_with("model.gguf: ") && std::string(e.what()).find("'bert'") != std::string::npos, e.what());
        }

        vocab.model = "gpt2";
        vocab.pre = "no-such-pre";
        vocab.merges = {"a b"};
        try {
            Tokenizer::fromVocab(vocab);
            QFAIL("unknown pre-tokenizer accepted");
        } catch (const Error &e) {
            QVERIFY2(std::string(e.what()).starts_with("model.gguf: ") && std::string(e.what()).find("no-such-pre") != std::string::npos, e.what());
        }

        vocab.pre = "gpt-2";
        vocab.tokens = {"a", "b", "a"};
        QVERIFY_THROWS_EXCEPTION(Error, Tokenizer::fromVocab(vocab));

        const QByteArray bytes = ggufWithoutTokenizer();
        const auto file = GgufFile::fromMemory(reinterpret_cast<const uint8_t *>(bytes.constData()), size_t(bytes.size()), "bare.gguf");
        try {
            Tokenizer::fromGguf(*file);
            QFAIL("a file without a tokenizer accepted");
        } catch (const Error &e) {
            QVERIFY2(std::string(e.what()).starts_with("bare.gguf: ") && std::string(e.what()).find("tokenizer.ggml.model") != std::string::npos, e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TokenizerTest)
#include "TokenizerTest.moc"
