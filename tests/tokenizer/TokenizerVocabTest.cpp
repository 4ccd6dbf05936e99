// SPDX-License-Identifier: GPL-3.0-or-later
// Acceptance: llama.cpp's tokenizer suites (models/vocab/ggml-vocab-*.gguf with .inp/.out, whose expected ids
// come from the Hugging Face tokenizers). One row per (vocabulary, input), read the way llama.cpp's
// test-tokenizer-0 reads them: inputs separated by "\n__ggml_vocab_test__\n", one line of ids per input,
// encoded without BOS/EOS and without parsing special tokens.
#include "gguf/GgufFile.h"
#include "tokenizer/Tokenizer.h"

#include "TestData.h"
#include "VocabSuite.h"

#include <QTest>

#include <map>
#include <memory>

using namespace hearth;
using namespace VocabSuite;
using namespace Qt::StringLiterals;

namespace
{
const QStringList Vocabularies{
    u"llama-spm"_s,
    u"phi-3"_s,
    u"gpt-2"_s,
    u"falcon"_s,
    u"deepseek-llm"_s,
    u"deepseek-coder"_s,
    u"mpt"_s,
    u"starcoder"_s,
    u"refact"_s,
};

QString vocabPath(const QString &name)
{
    return u"models/vocab/ggml-vocab-"_s + name + u".gguf"_s;
}

QString describe(const Tokenizer &tokenizer, const std::vector<int32_t> &ids)
{
    QStringList parts;
    for (const int32_t id : ids) {
        parts << u"%1 '%2'"_s.arg(id).arg(QString::fromStdString(tokenizer.tokenText(id)));
    }
    return parts.join(u", "_s);
}
}

class TokenizerVocabTest : public QObject
{
    Q_OBJECT

    std::map<QString, std::unique_ptr<Tokenizer>> m_tokenizers;

    const Tokenizer &tokenizer(const QString &name)
    {
        auto &slot = m_tokenizers[name];
        if (!slot) {
            const auto file = GgufFile::open(TestData::sharedFile(vocabPath(name)).toStdString());
            slot = Tokenizer::fromGguf(*file);
        }
        return *slot;
    }

    static void addRows()
    {
        QTest::addColumn<QString>("vocab");
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QByteArray>("expected");
        for (const QString &name : Vocabularies) {
            HEARTH_REQUIRE_SHARED(vocabPath(name));
            const QString base = TestData::sharedFile(vocabPath(name));
            const QByteArrayList inputs = splitInputs(readAll(base + u".inp"_s));
            const QByteArrayList outputs = readAll(base + u".out"_s).split('\n');
            // The .out file ends with a newline, so splitting leaves one empty last element.
            QCOMPARE(outputs.size(), inputs.size() + 1);
            for (qsizetype i = 0; i < inputs.size(); ++i) {
                QTest::addRow("%s #%lld: %s", qPrintable(name), static_cast<long long>(i), inputs[i].left(40).constData())
                    << name << inputs[i] << outputs[i];
            }
        }
    }

private Q_SLOTS:
    void encodeMatchesReference_data()
    {
        addRows();
    }

    void encodeMatchesReference()
    {
        QFETCH(QString, vocab);
        QFETCH(QByteArray, input);
        QFETCH(QByteArray, expected);
        const Tokenizer &tok = tokenizer(vocab);
        const std::vector<int32_t> ids = tok.encode(input.toStdString(), false, false);
        const std::vector<int32_t> want = parseIds(expected);
        if (ids != want) {
            QFAIL(qPrintable(u"\n   got: %1\n  want: %2"_s.arg(describe(tok, ids), describe(tok, want))));
        }
    }

    // decode() against the same independent truth: the reference ids spell the input, and so do ours.
    void decodeGivesTheTextBack_data()
    {
        addRows();
    }

    void decodeGivesTheTextBack()
    {
        QFETCH(QString, vocab);
        QFETCH(QByteArray, input);
        QFETCH(QByteArray, expected);
        const Tokenizer &tok = tokenizer(vocab);
        QCOMPARE(QByteArray::fromStdString(tok.decode(parseIds(expected))), input);
        QCOMPARE(QByteArray::fromStdString(tok.decode(tok.encode(input.toStdString(), true, false))), input);
    }
};

QTEST_GUILESS_MAIN(TokenizerVocabTest)
#include "TokenizerVocabTest.moc"
