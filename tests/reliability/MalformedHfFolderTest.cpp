// SPDX-License-Identifier: GPL-3.0-or-later
// Regression test of the hf_folder fuzz target's finding: token ids in tokenizer.json that are no whole number
// below 2^31 (1.44e121 was converted to int64_t first: undefined behaviour) are refused with the file's name.
#include "quantizer/HfConverter.h"
#include "util/Error.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace hearth;
using namespace Qt::StringLiterals;

class MalformedHfFolderTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void badTokenIds_data()
    {
        QTest::addColumn<QByteArray>("vocabId");
        QTest::addColumn<QByteArray>("addedId");
        QTest::newRow("fuzzer's input") << QByteArray("14444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444444") << QByteArray("2");
        QTest::newRow("added token 1e300") << QByteArray("1") << QByteArray("1e300");
        QTest::newRow("2^31") << QByteArray("2147483648") << QByteArray("2");
        QTest::newRow("2^63") << QByteArray("9223372036854775808") << QByteArray("2");
        QTest::newRow("negative") << QByteArray("-1") << QByteArray("2");
        QTest::newRow("fraction") << QByteArray("0.5") << QByteArray("2");
        QTest::newRow("string") << QByteArray("\"1\"") << QByteArray("2");
    }

    void badTokenIds()
    {
        QFETCH(QByteArray, vocabId);
        QFETCH(QByteArray, addedId);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QFile file(dir.filePath(u"tokenizer.json"_s));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"({"model": {"type": "BPE", "vocab": {"<unk>": 0, "a": )" + vocabId + R"(}, "merges": []},
                      "added_tokens": [{"id": )" + addedId + R"(, "content": "<|eot|>", "special": true}]})");
        file.close();
        try {
            HfConverter::tokenizerMetadata(dir.path().toStdString(), 0);
            QFAIL("accepted");
        } catch (const Error &e) {
            QCOMPARE(QString::fromUtf8(e.what()), file.fileName() + u": token ids are not 0 to N-1"_s);
        }
    }

    // The ids that are fine still are.
    void goodTokenIds()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QFile file(dir.filePath(u"tokenizer.json"_s));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"({"model": {"type": "BPE", "vocab": {"<unk>": 0, "a": 1.0}, "merges": []},
                      "added_tokens": [{"id": 2, "content": "<|eot|>", "special": true}]})");
        file.close();
        const HfConverter::Metadata metadata = HfConverter::tokenizerMetadata(dir.path().toStdString(), 0);
        const auto tokens = std::find_if(metadata.begin(), metadata.end(), [](const auto &entry) {
            return entry.first == "tokenizer.ggml.tokens";
        });
        QVERIFY(tokens != metadata.end());
        QCOMPARE(tokens->second.toStringList(), (std::vector<std::string>{"<unk>", "a", "<|eot|>"}));
    }
};

QTEST_GUILESS_MAIN(MalformedHfFolderTest)
#include "MalformedHfFolderTest.moc"
