// SPDX-License-Identifier: GPL-3.0-or-later
// A model file truncated while mapped: reading the lost pages stops the process with a message naming the file
// and MappedFile::truncatedExitCode (not a silent SIGBUS); checkIntact() reports it (and a file written to in
// place) earlier as an error; a file replaced by rename is harmless; a SIGBUS that is not about a mapping still
// kills the process as before.
#include "gguf/GgufFile.h"
#include "gguf/GgufWriter.h"
#include "util/Error.h"
#include "util/MappedFile.h"

#include <QDateTime>
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

// The helper process on a model of its own (1 MiB of `fill`, in a private folder).
struct Child {
    QTemporaryDir dir;
    QString path;
    std::unique_ptr<QProcess> process = std::make_unique<QProcess>();

    // touch-mapped: returns once the child has mapped the file.
    bool start(const QString &command, uint8_t fill)
    {
        if (!dir.isValid()) {
            return false;
        }
        path = writeModel(dir.filePath(u"model.gguf"_s), fill);
        process->start(QStringLiteral(HEARTH_RELIABILITY_HELPER), {command, path});
        if (!process->waitForStarted()) {
            return false;
        }
        if (command != u"touch-mapped"_s) {
            return true;
        }
        while (!process->canReadLine()) {
            if (!process->waitForReadyRead(30000)) {
                return false;
            }
        }
        return process->readLine() == "mapped\n";
    }
    // Lets a touch-mapped child read the file and waits for its end.
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
        Child child;
        QVERIFY(child.start(u"touch-mapped"_s, 7));
        QVERIFY(::truncate(QFile::encodeName(child.path).constData(), 4096) == 0);
        QVERIFY(child.finish());
        const QByteArray err = child.process->readAllStandardError();
        QCOMPARE(child.process->exitStatus(), QProcess::NormalExit);
        QCOMPARE(child.process->exitCode(), MappedFile::truncatedExitCode);
        const QByteArray expected = "hearth: " + QFile::encodeName(child.path) + " was truncated or changed while in use";
        QVERIFY2(err.contains(expected), err.constData());
    }

    void untouchedFileReadsNormally()
    {
        Child child;
        QVERIFY(child.start(u"touch-mapped"_s, 1));
        QVERIFY(child.finish());
        QCOMPARE(child.process->exitCode(), 0);
        QCOMPARE(child.process->readAllStandardOutput(), "sum 1048576\n"); // 1 MiB of ones
    }

    // Renaming another file over the path leaves the mapped inode alive: the old data is still read.
    void replacedByRenameKeepsTheOldData()
    {
        Child child;
        QVERIFY(child.start(u"touch-mapped"_s, 1));
        writeModel(child.path, 2); // GgufWriter writes a temporary file and renames it over the target
        QVERIFY(child.finish());
        QCOMPARE(child.process->exitCode(), 0);
        QCOMPARE(child.process->readAllStandardOutput(), "sum 1048576\n");
    }

    void foreignSigbusStillKills()
    {
        Child child;
        QVERIFY(child.start(u"foreign-sigbus"_s, 1));
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

        // Written to in place (same size, as `cp` over it does): changed.
        const QString third = writeModel(dir.filePath(u"third.gguf"_s), 1);
        QFile written(third);
        // Written a while ago: the write below gets another time stamp even on a coarse file system clock.
        QVERIFY(written.open(QIODevice::ReadWrite));
        QVERIFY(written.setFileTime(QDateTime::currentDateTime().addSecs(-3600), QFileDevice::FileModificationTime));
        written.close();
        const auto mapped = GgufFile::open(third.toStdString());
        QVERIFY(written.open(QIODevice::ReadWrite));
        QVERIFY(written.seek(written.size() - 1));
        QCOMPARE(written.write("\x05", 1), 1);
        written.close();
        try {
            mapped->checkIntact();
            QFAIL("no error for a file written to");
        } catch (const Error &e) {
            QCOMPARE(std::string(e.what()), third.toStdString() + ": the file was changed while in use (written to since it was loaded); load it again");
        }
    }
};

QTEST_GUILESS_MAIN(MappedFileTruncationTest)
#include "MappedFileTruncationTest.moc"
