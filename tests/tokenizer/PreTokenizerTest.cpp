// SPDX-License-Identifier: GPL-3.0-or-later
// Pre-tokenizer splits worked out by hand from the models' expressions.
#include "tokenizer/PreTokenizer.h"

#include <QTest>

using namespace hearth;

class PreTokenizerTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void split_data()
    {
        QTest::addColumn<QByteArray>("pre");
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QByteArrayList>("words");
        QTest::newRow("gpt-2 words, contraction, spaces") << QByteArray("gpt-2") << QByteArray("Hello world's  end\n")
                                                          << QByteArrayList{"Hello", " world", "'s", " ", " end", "\n"};
        QTest::newRow("gpt-2 numbers and punctuation") << QByteArray("gpt-2") << QByteArray("3.14 ok?!")
                                                       << QByteArrayList{"3", ".", "14", " ok", "?!"};
        QTest::newRow("gpt-2 invalid byte is U+FFFD") << QByteArray("gpt-2") << QByteArray("a\xFF" "b")
                                                      << QByteArrayList{"a", "\xEF\xBF\xBD", "b"};
        QTest::newRow("llama3 digits by three, newlines") << QByteArray("llama-bpe") << QByteArray("Hello 12345\n\n  world")
                                                          << QByteArrayList{"Hello", " ", "123", "45", "\n\n", " ", " world"};
        QTest::newRow("llama3 contraction any case") << QByteArray("llama3") << QByteArray("I'M ok")
                                                     << QByteArrayList{"I", "'M", " ok"};
        QTest::newRow("falcon digits by three") << QByteArray("falcon") << QByteArray("12345") << QByteArrayList{"123", "45"};
        QTest::newRow("starcoder single digits") << QByteArray("starcoder") << QByteArray("x=12") << QByteArrayList{"x", "=", "1", "2"};
        QTest::newRow("deepseek-coder") << QByteArray("deepseek-coder") << QByteArray("int x;\n") << QByteArrayList{"int", " x", ";", "\n"};
        QTest::newRow("deepseek-llm trailing space") << QByteArray("deepseek-llm") << QByteArray("abc  ") << QByteArrayList{"abc", "  "};
        QTest::newRow("empty") << QByteArray("gpt-2") << QByteArray() << QByteArrayList{};
    }

    void split()
    {
        QFETCH(QByteArray, pre);
        QFETCH(QByteArray, text);
        QFETCH(QByteArrayList, words);
        const auto config = PreTokenizer::configFor(pre.toStdString());
        QVERIFY(config);
        const PreTokenizer preTokenizer(config->patterns);
        QByteArrayList got;
        for (const std::string &word : preTokenizer.split(text.toStdString())) {
            got << QByteArray::fromStdString(word);
        }
        QCOMPARE(got, words);
    }

    void configs()
    {
        QVERIFY(!PreTokenizer::configFor("no-such-pre"));
        QCOMPARE(PreTokenizer::configFor("")->patterns, PreTokenizer::configFor("default")->patterns);
        QVERIFY(PreTokenizer::configFor("llama-bpe")->ignoreMerges);
        QVERIFY(PreTokenizer::configFor("llama-bpe")->addBos);
        QVERIFY(!PreTokenizer::configFor("gpt-2")->addBos);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, PreTokenizer({"(unbalanced"}));
    }

    // Every expression of every known pre-tokenizer compiles and splits losslessly.
    void everyConfigCompiles_data()
    {
        QTest::addColumn<QByteArray>("pre");
        for (const char *pre : {"default", "llama3", "dbrx", "deepseek-llm", "deepseek-coder", "deepseek-v3", "falcon", "starcoder",
                                "gpt-2", "qwen2", "poro-chat", "viking", "tekken", "gpt-4o"}) {
            QTest::newRow(pre) << QByteArray(pre);
        }
    }

    void everyConfigCompiles()
    {
        QFETCH(QByteArray, pre);
        const auto config = PreTokenizer::configFor(pre.toStdString());
        QVERIFY(config);
        const PreTokenizer preTokenizer(config->patterns);
        const std::string text = "Hello, World! It's 2024:\n\t  caf\xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\xA6\x99 x=12345;  ";
        std::string joined;
        for (const std::string &word : preTokenizer.split(text)) {
            QVERIFY(!word.empty());
            joined += word;
        }
        QCOMPARE(joined, text);
    }
};

QTEST_GUILESS_MAIN(PreTokenizerTest)
#include "PreTokenizerTest.moc"
