// SPDX-License-Identifier: GPL-3.0-or-later
// `hearth-cli synth`, run as a process.
#include "gguf/GgufFile.h"

#include "CommandRun.h"

#include <QCryptographicHash>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace
{
CommandResult runCli(const QStringList &args)
{
    return runCommand(QStringLiteral(HEARTH_CLI_PATH), QStringList{u"synth"_s} + args);
}

QByteArray fileHash(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        return {};
    }
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&f);
    return hash.result();
}
}

class SynthCommandTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void writesModel()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"tiny.gguf"_s);
        const CommandResult r = runCli({u"--shape"_s, u"tiny"_s, u"--type"_s, u"q4_k_m"_s, u"-o"_s, path, u"--seed"_s, u"9"_s});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(u"tiny Q4_K_M, 2020608 parameters"_s), qPrintable(r.out));
        const auto file = hearth::GgufFile::open(path.toStdString());
        QCOMPARE(file->requireString("general.name"), std::string("synthetic tiny Q4_K_M"));
        QCOMPARE(file->requireTensor("blk.1.ffn_down.weight").type, hearth::GgmlType::Q6_K);

        // The seed decides the weights, the thread count does not.
        const QString again = dir.filePath(u"again.gguf"_s);
        QCOMPARE(runCli({u"--shape"_s, u"tiny"_s, u"--type"_s, u"Q4_K_M"_s, u"-o"_s, again, u"--seed"_s, u"9"_s, u"--threads"_s, u"1"_s}).exitCode, 0);
        QCOMPARE(fileHash(again), fileHash(path));
        QCOMPARE(runCli({u"--shape"_s, u"tiny"_s, u"--type"_s, u"Q4_K_M"_s, u"-o"_s, again, u"--seed"_s, u"10"_s}).exitCode, 0);
        QVERIFY(fileHash(again) != fileHash(path));
    }

    void errors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("no output") << QStringList{u"--shape"_s, u"tiny"_s, u"--type"_s, u"F32"_s} << u"synth needs --shape, --type and -o FILE"_s;
        QTest::newRow("unknown shape") << QStringList{u"--shape"_s, u"llama-70b"_s, u"--type"_s, u"F32"_s, u"-o"_s, u"x.gguf"_s}
                                       << u"unknown shape 'llama-70b' (known: tinyllama-1.1b, tiny)"_s;
        QTest::newRow("unknown type") << QStringList{u"--shape"_s, u"tiny"_s, u"--type"_s, u"Q3_K"_s, u"-o"_s, u"x.gguf"_s}
                                      << u"unknown type 'Q3_K'"_s;
        QTest::newRow("bad seed") << QStringList{u"--shape"_s, u"tiny"_s, u"--type"_s, u"F32"_s, u"-o"_s, u"x.gguf"_s, u"--seed"_s, u"-1"_s}
                                  << u"--seed must be a non-negative integer"_s;
        QTest::newRow("unwritable") << QStringList{u"--shape"_s, u"tiny"_s, u"--type"_s, u"F32"_s, u"-o"_s, u"/nonexistent-dir/x.gguf"_s}
                                    << u"/nonexistent-dir/x.gguf"_s;
    }

    void errors()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        const CommandResult r = runCli(args);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.startsWith(u"hearth-cli: "_s) && r.err.contains(message), qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(SynthCommandTest)
#include "SynthCommandTest.moc"
