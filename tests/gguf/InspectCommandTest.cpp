// SPDX-License-Identifier: GPL-3.0-or-later
// `hearth-cli inspect`, run as a process on the real model.
#include "CommandRun.h"
#include "TestData.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace Qt::StringLiterals;

namespace
{
CommandResult runCli(const QStringList &args)
{
    return runCommand(QStringLiteral(HEARTH_CLI_PATH), args);
}
}

class InspectCommandTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void text()
    {
        HEARTH_REQUIRE_SHARED(u"models/stories260K.gguf"_s);
        const QString model = TestData::sharedFile(u"models/stories260K.gguf"_s);
        const CommandResult r = runCli({u"inspect"_s, model, u"--tensors"_s});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(u"GGUF version 3, alignment 32, tensor data from byte 14176 of 1185376"_s), qPrintable(r.out));
        QVERIFY(r.out.contains(u"Metadata: 19 keys"_s));
        QVERIFY(r.out.contains(u"[\"<unk>\", \"<s>\", \"</s>\", \"<0x00>\", \"<0x01>\", \"<0x02>\", \"<0x03>\", \"<0x04>\", ... (512 items)]"_s));
        static const QRegularExpression embedding(u"\\n  llama.embedding_length +uint32 +64\\n"_s);
        QVERIFY(r.out.contains(embedding));
        QVERIFY(r.out.contains(u"Tensors: 48, 1171200 bytes"_s));
        static const QRegularExpression row(u"\\n  blk.4.ffn_down.weight +F32 +172 x 64 +44032\\n"_s);
        QVERIFY2(r.out.contains(row), qPrintable(r.out));

        const CommandResult brief = runCli({u"inspect"_s, model});
        QCOMPARE(brief.exitCode, 0);
        QVERIFY(!brief.out.contains(u"blk.4.ffn_down.weight"_s));
    }

    void json()
    {
        HEARTH_REQUIRE_SHARED(u"models/stories260K.gguf"_s);
        const CommandResult r = runCli({u"inspect"_s, u"--json"_s, u"--tensors"_s, u"--array-items"_s, u"2"_s,
                                 TestData::sharedFile(u"models/stories260K.gguf"_s)});
        QCOMPARE(r.exitCode, 0);
        QJsonParseError error{};
        const QJsonObject root = QJsonDocument::fromJson(r.out.toUtf8(), &error).object();
        QCOMPARE(error.error, QJsonParseError::NoError);
        QCOMPARE(root[u"version"_s].toInt(), 3);
        QCOMPARE(root[u"tensor_count"_s].toInt(), 48);
        const QJsonArray metadata = root[u"metadata"_s].toArray();
        QCOMPARE(metadata.size(), 19);
        const QJsonObject tokens = metadata[0].toObject();
        QCOMPARE(tokens[u"key"_s].toString(), u"tokenizer.ggml.tokens"_s);
        QCOMPARE(tokens[u"type"_s].toString(), u"array[string]"_s);
        QCOMPARE(tokens[u"count"_s].toInt(), 512);
        QCOMPARE(tokens[u"value"_s].toArray(), (QJsonArray{u"<unk>"_s, u"<s>"_s}));
        QCOMPARE(metadata[9].toObject()[u"value"_s].toDouble(), 4294967295.0);
        const QJsonObject first = root[u"tensors"_s].toArray()[0].toObject();
        QCOMPARE(first[u"name"_s].toString(), u"token_embd.weight"_s);
        QCOMPARE(first[u"shape"_s].toArray(), (QJsonArray{64, 512}));
        QCOMPARE(first[u"bytes"_s].toInt(), 131072);
    }

    void errors()
    {
        const CommandResult missing = runCli({u"inspect"_s, u"/nonexistent/model.gguf"_s});
        QCOMPARE(missing.exitCode, 1);
        QCOMPARE(missing.err, u"hearth-cli: /nonexistent/model.gguf: cannot open (No such file or directory)\n"_s);
        const CommandResult noModel = runCli({u"inspect"_s});
        QCOMPARE(noModel.exitCode, 1);
        QVERIFY(noModel.err.startsWith(u"hearth-cli: "_s));
        const CommandResult notGguf = runCli({u"inspect"_s, QStringLiteral(HEARTH_CLI_PATH)});
        QCOMPARE(notGguf.exitCode, 1);
        QVERIFY2(notGguf.err.endsWith(u": not a GGUF file (wrong magic bytes)\n"_s), qPrintable(notGguf.err));
    }
};

QTEST_GUILESS_MAIN(InspectCommandTest)
#include "InspectCommandTest.moc"
