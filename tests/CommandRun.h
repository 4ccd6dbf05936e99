// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// One of the project's command-line programs run as a process, for the tests of its commands.

#include <QByteArray>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

struct CommandResult {
    int exitCode = -1;
    QByteArray outBytes; // standard output as written
    QString out; // the same as UTF-8
    QString err;
};

inline CommandResult runCommand(const QString &program, const QStringList &args,
                                const QProcessEnvironment &environment = QProcessEnvironment::systemEnvironment())
{
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(program, args);
    process.waitForFinished(60000);
    CommandResult result;
    result.exitCode = process.exitCode();
    result.outBytes = process.readAllStandardOutput();
    result.out = QString::fromUtf8(result.outBytes);
    result.err = QString::fromUtf8(process.readAllStandardError());
    return result;
}
