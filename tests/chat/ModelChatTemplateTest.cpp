// SPDX-License-Identifier: GPL-3.0-or-later
#include "chat/ModelChatTemplate.h"

#include "gguf/GgufFile.h"
#include "gguf/GgufWriter.h"
#include "util/Error.h"

#include "TestData.h"

#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using hearth::GgufValue;

class ModelChatTemplateTest : public QObject
{
    Q_OBJECT

private:
    // A GGUF file without tensors holding the given metadata.
    static std::string writeModel(const QTemporaryDir &dir, const std::vector<std::pair<std::string, GgufValue>> &metadata)
    {
        hearth::GgufWriter writer;
        for (const auto &[key, value] : metadata) {
            writer.set(key, value);
        }
        const std::string path = dir.filePath(u"model.gguf"_s).toStdString();
        writer.write(path, {});
        return path;
    }

private Q_SLOTS:
    void readsTemplateAndSpecialTokens()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = writeModel(dir, {
                                                     {"tokenizer.chat_template", GgufValue::string("{{ bos_token }}")},
                                                     {"tokenizer.ggml.tokens", GgufValue::stringArray({"<unk>", "<|begin|>", "<|end|>", "a"})},
                                                     {"tokenizer.ggml.bos_token_id", GgufValue::uint32(1)},
                                                     {"tokenizer.ggml.eos_token_id", GgufValue::uint32(2)},
                                                 });
        const auto read = hearth::ModelChatTemplate::read(*hearth::GgufFile::open(path));
        QCOMPARE(QString::fromStdString(read.jinja), u"{{ bos_token }}"_s);
        QCOMPARE(QString::fromStdString(read.bosToken), u"<|begin|>"_s);
        QCOMPARE(QString::fromStdString(read.eosToken), u"<|end|>"_s);
    }

    void absentKeysGiveEmptyText()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = writeModel(dir, {{"tokenizer.ggml.tokens", GgufValue::stringArray({"a"})}});
        const auto read = hearth::ModelChatTemplate::read(*hearth::GgufFile::open(path));
        QVERIFY(read.jinja.empty());
        QVERIFY(read.bosToken.empty());
        QVERIFY(read.eosToken.empty());
    }

    void tokenIdOutOfRangeIsAnError()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = writeModel(dir, {
                                                     {"tokenizer.ggml.tokens", GgufValue::stringArray({"a", "b"})},
                                                     {"tokenizer.ggml.eos_token_id", GgufValue::uint32(7)},
                                                 });
        try {
            hearth::ModelChatTemplate::read(*hearth::GgufFile::open(path));
            QFAIL("no error");
        } catch (const hearth::Error &error) {
            const QString message = QString::fromUtf8(error.what());
            QVERIFY2(message.startsWith(QString::fromStdString(path) + u": tokenizer.ggml.eos_token_id 7 is not a token"_s), qPrintable(message));
        }
    }

    // The real tiny model: a Llama vocabulary with <s> and </s>, and no chat template.
    void realModel()
    {
        HEARTH_REQUIRE_SHARED(u"models/stories260K.gguf"_s);
        const auto file = hearth::GgufFile::open(TestData::sharedFile(u"models/stories260K.gguf"_s).toStdString());
        const auto read = hearth::ModelChatTemplate::read(*file);
        QCOMPARE(QString::fromStdString(read.bosToken), u"<s>"_s);
        QCOMPARE(QString::fromStdString(read.eosToken), u"</s>"_s);
        QCOMPARE(QString::fromStdString(read.jinja), QString::fromStdString(file->getString("tokenizer.chat_template", "")));
    }
};

QTEST_GUILESS_MAIN(ModelChatTemplateTest)
#include "ModelChatTemplateTest.moc"
