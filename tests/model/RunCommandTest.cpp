// SPDX-License-Identifier: GPL-3.0-or-later
// `hearth-cli run`, run as a process: greedy JSON output against llama.cpp's reference, streamed text,
// sampling with a seed, errors.
#include "CommandRun.h"
#include "TestData.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace
{
const QString modelFile = u"models/stories260K.gguf"_s;
const QString referenceFile = u"reference/stories260K-llamacpp.json"_s;

CommandResult runCli(const QStringList &args)
{
    return runCommand(QStringLiteral(HEARTH_CLI_PATH), QStringList{u"run"_s} + args);
}
}

class RunCommandTest : public QObject
{
    Q_OBJECT

    QString m_model;

private Q_SLOTS:
    void initTestCase()
    {
        HEARTH_REQUIRE_SHARED(modelFile);
        HEARTH_REQUIRE_SHARED(referenceFile);
        m_model = TestData::sharedFile(modelFile);
    }

    void greedyJsonMatchesLlamaCpp()
    {
        QFile file(TestData::sharedFile(referenceFile));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonObject ref = QJsonDocument::fromJson(file.readAll()).object().value(u"cases"_s).toArray().first().toObject();

        const CommandResult r = runCli({u"-m"_s, m_model, u"-p"_s, ref.value(u"prompt"_s).toString(), u"-n"_s, u"64"_s, u"--temp"_s, u"0"_s,
                                 u"--json"_s, u"--logits"_s, u"-t"_s, u"2"_s});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject out = QJsonDocument::fromJson(r.outBytes).object();
        QCOMPARE(out.value(u"prompt_tokens"_s).toArray(), ref.value(u"tokens"_s).toArray());
        QCOMPARE(out.value(u"tokens"_s).toArray(), ref.value(u"greedy"_s).toArray());
        const QJsonArray logits = out.value(u"last_logits"_s).toArray();
        const QJsonArray refLogits = ref.value(u"last_logits"_s).toArray();
        QCOMPARE(logits.size(), refLogits.size());
        double maxDiff = 0.0;
        for (qsizetype i = 0; i < logits.size(); ++i) {
            maxDiff = std::max(maxDiff, std::abs(logits[i].toDouble() - refLogits[i].toDouble()));
        }
        QVERIFY2(maxDiff <= 1e-3, qPrintable(QString::number(maxDiff)));
        QVERIFY(out.value(u"text"_s).toString().size() > 64);

        // The streamed text is the JSON text, and last_logits only comes with --logits.
        const CommandResult plain = runCli({u"-m"_s, m_model, u"-p"_s, ref.value(u"prompt"_s).toString(), u"-n"_s, u"64"_s, u"--temp"_s, u"0"_s});
        QCOMPARE(plain.exitCode, 0);
        QCOMPARE(plain.out, out.value(u"text"_s).toString() + u"\n"_s);
        const CommandResult noLogits = runCli({u"-m"_s, m_model, u"-p"_s, u"Once"_s, u"-n"_s, u"4"_s, u"--json"_s});
        QVERIFY(!QJsonDocument::fromJson(noLogits.outBytes).object().contains(u"last_logits"_s));
    }

    void seededSamplingRepeats()
    {
        const QStringList args{u"-m"_s, m_model, u"-p"_s, u"The little dog"_s, u"-n"_s, u"40"_s, u"--temp"_s, u"1"_s, u"--seed"_s, u"42"_s, u"--json"_s};
        const CommandResult a = runCli(args);
        const CommandResult b = runCli(args);
        QCOMPARE(a.exitCode, 0);
        const QJsonArray tokens = QJsonDocument::fromJson(a.outBytes).object().value(u"tokens"_s).toArray();
        QVERIFY(!tokens.isEmpty());
        QCOMPARE(tokens, QJsonDocument::fromJson(b.outBytes).object().value(u"tokens"_s).toArray());
        const CommandResult greedy = runCli({u"-m"_s, m_model, u"-p"_s, u"The little dog"_s, u"-n"_s, u"40"_s, u"--temp"_s, u"0"_s, u"--json"_s});
        QVERIFY(QJsonDocument::fromJson(greedy.outBytes).object().value(u"tokens"_s).toArray() != tokens);
    }

    void stopsAtTheContextSize()
    {
        const CommandResult r = runCli({u"-m"_s, m_model, u"-p"_s, u"Once upon a time"_s, u"-n"_s, u"-1"_s, u"--temp"_s, u"0"_s, u"--ctx"_s, u"16"_s,
                                 u"--kv-type"_s, u"q8_0"_s, u"--json"_s});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject out = QJsonDocument::fromJson(r.outBytes).object();
        // The last generated token needs no evaluation, so the context holds 16 positions plus one token.
        QCOMPARE(out.value(u"prompt_tokens"_s).toArray().size() + out.value(u"tokens"_s).toArray().size(), 17);
    }

    void errors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("no prompt") << QStringList{u"-m"_s, u"MODEL"_s} << u"hearth-cli: run needs -m MODEL and -p PROMPT"_s;
        QTest::newRow("missing model") << QStringList{u"-m"_s, u"/nonexistent.gguf"_s, u"-p"_s, u"x"_s} << u"hearth-cli: /nonexistent.gguf: "_s;
        QTest::newRow("bad count") << QStringList{u"-m"_s, u"MODEL"_s, u"-p"_s, u"x"_s, u"-n"_s, u"many"_s}
                                   << u"hearth-cli: --n-predict 'many' is not a number"_s;
        QTest::newRow("bad kv type") << QStringList{u"-m"_s, u"MODEL"_s, u"-p"_s, u"x"_s, u"--kv-type"_s, u"q4_0"_s}
                                     << u"hearth-cli: KV cache: type Q4_0 is not supported"_s;
        QTest::newRow("prompt too long") << QStringList{u"-m"_s, u"MODEL"_s, u"-p"_s, u"Once upon a time there was a dog"_s, u"--ctx"_s, u"4"_s}
                                         << u"do not fit into the context of 4 tokens"_s;
    }

    void errors()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        args.replaceInStrings(u"MODEL"_s, m_model);
        const CommandResult r = runCli(args);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(RunCommandTest)
#include "RunCommandTest.moc"
