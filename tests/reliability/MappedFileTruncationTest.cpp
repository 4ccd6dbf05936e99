// SPDX-License-Identifier: GPL-3.0-or-later
// A model file truncated while mapped: reading the lost pages stops the process with a message naming the file
// and MappedFile::truncatedExitCode (not a silent SIGBUS); checkIntact() reports it earlier as an error; a file
// replaced by rename is harmless; a SIGBUS that is not about a mapping still kills the process as before.
#include "gguf/GgufFile.h"
#include "gguf/GgufWriter.h"
#include "util/Error.h"
#include "util/MappedFile.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using namespace hearth;
using namespace Qt::StringLiterals;

namespace
{
// A GGUF file with 1 MiB of tensor data (many pages, so a truncation leaves most of them unbacked).
QString writeModel(const QString &path, uint8_t fill)
{
    GgufWriter writer;
    writer.set("general.architecture", GgufValue::string("llama"));
    writer.addTensor("weights", GgmlType::F32, {512, 512});
    const std::vector<uint8_t> data(writer.tensorBytes(0), fill);
    writer.write(path.toStdString(), {data});
    return path;
}

struct Child {
    std::unique_ptr<QProcess> process = std::make_unique<QProcess>();

    bool start(const QString &command, const QString &file)
    {
        process->start(QStringLiteral(HEARTH_RELIABILITY_HELPER), {command, file});
        return process->waitForStarted();
    }
    bool waitMapped()
    {
        while (!process->canReadLine()) {
            if (!process->waitForReadyRead(30000)) {
                return false;
            }
        }
        return process->readLine() == "mapped\n";
    }
    bool finish()
    {
        process->write("go\n");
        process->closeWriteChannel();
        return process->waitForFinished(30000);
    }
};
}

class MappedFileTruncationTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void truncatedWhileMappedStopsWithAMessage()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = writeModel(dir.filePath(u"model.gguf"_s), 7);
        Child child;
        QVERIFY(child.start(u"touch-mapped"_s, path));
        QVERIFY(child.waitMapped());
        QVERIFY(::truncate(QFile::encodeName(path).constData(), 4096) == 0);
        QVERIFY(child.finish());
        const QByteArray err = child.process->readAllStandardError();
        QCOMPARE(child.process->exitStatus(), QProcess::NormalExit);
        QCOMPARE(child.process->exitCode(), MappedFile::truncatedExitCode);
        const QByteArray expected = "hearth: " + QFile::encodeName(path) + " was truncated or changed while in use";
        QVERIFY2(err.contains(expected), err.constData());
    }

    void untouchedFileReadsNormally()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = writeModel(dir.filePath(u"model.gguf"_s), 1);
        Child child;
        QVERIFY(child.start(u"touch-mapped"_s, path));
        QVERIFY(child.waitMapped());
        QVERIFY(child.finish());
        QCOMPARE(child.process->exitCode(), 0);
        QCOMPARE(child.process->readAllStandardOutput(), "sum 1048576\n"); // 1 MiB of ones
    }

    // Renaming another file over the path leaves the mapped inode alive: the old data is still read.
    void replacedByRenameKeepsTheOldData()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = writeModel(dir.filePath(u"model.gguf"_s), 1);
        Child child;
        QVERIFY(child.start(u"touch-mapped"_s, path));
        QVERIFY(child.waitMapped());
        writeModel(path, 2); // GgufWriter writes a temporary file and renames it over the target
        QVERIFY(child.finish());
        QCOMPARE(child.process->exitCode(), 0);
        QCOMPARE(child.process->readAllStandardOutput(), "sum 1048576\n");
    }

    void foreignSigbusStillKills()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = writeModel(dir.filePath(u"model.gguf"_s), 1);
        Child child;
        QVERIFY(child.start(u"foreign-sigbus"_s, path));
        QVERIFY(child.process->waitForFinished(30000));
        // Killed by the signal, or (under AddressSanitizer, whose handler came first) stopped with its report.
        QVERIFY(child.process->exitStatus() == QProcess::CrashExit || child.process->exitCode() != 0);
        QVERIFY(child.process->exitCode() != MappedFile::truncatedExitCode);
        QVERIFY(!child.process->readAllStandardError().contains("was truncated"));
    }

    void checkIntactReportsTruncation()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = writeModel(dir.filePath(u"model.gguf"_s), 1);
        const auto file = GgufFile::open(path.toStdString());
        file->checkIntact();
        writeModel(path, 3); // replaced: still intact
        file->checkIntact();
        QCOMPARE(file->requireTensor("weights").data[0], uint8_t(1));

        const QString other = writeModel(dir.filePath(u"other.gguf"_s), 1);
        const auto second = GgufFile::open(other.toStdString());
        QVERIFY(::truncate(QFile::encodeName(other).constData(), 100) == 0);
        try {
            second->checkIntact();
            QFAIL("no error for a truncated file");
        } catch (const Error &e) {
            const std::string expected = other.toStdString() + ": the file was truncated while in use (100 bytes, was ";
            QVERIFY2(std::string_view(e.what()).starts_with(expected), e.what());
        }
    }
};

QTEST_GUILESS_MAIN(MappedFileTruncationTest)
#include "MappedFileTruncationTest.moc"
