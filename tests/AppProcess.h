// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QDirIterator>
#include <QFile>
#include <QProcess>
#include <QStringList>

// The real hearth executable, offscreen, driven by a --test-script, in a private home (HOME and the XDG
// folders under `home`): its settings and its conversation file are the test's own.
class AppProcess
{
public:
    explicit AppProcess(const QString &home)
        : m_home(home)
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("HOME"), home);
        env.insert(QStringLiteral("XDG_DATA_HOME"), home + QStringLiteral("/data"));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), home + QStringLiteral("/config"));
        env.insert(QStringLiteral("XDG_CACHE_HOME"), home + QStringLiteral("/cache"));
        m_process.setProcessEnvironment(env);
    }

    // The app's conversation file (ConversationStore::defaultPath() under this home); empty before the app
    // created it.
    QString databasePath() const
    {
        QDirIterator files(m_home + QStringLiteral("/data"), {QStringLiteral("conversations.sqlite")}, QDir::Files,
                           QDirIterator::Subdirectories);
        return files.hasNext() ? files.next() : QString();
    }

    // Writes the script and starts the app on it; false (with the reason in error()) when it cannot.
    bool start(const QStringList &commands)
    {
        const QString script = m_home + QStringLiteral("/script.txt");
        QFile file(script);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(commands.join(u'\n').toUtf8()) < 0) {
            m_error = file.errorString();
            return false;
        }
        file.close();
        m_process.start(QStringLiteral(HEARTH_APP_PATH), {QStringLiteral("--test-script"), script});
        if (!m_process.waitForStarted()) {
            m_error = m_process.errorString();
            return false;
        }
        return true;
    }

    // The next "hearth-test: " line without its prefix; empty when the app ended (or printed nothing for
    // `timeoutMs`).
    QString nextResult(int timeoutMs = 120000)
    {
        for (;;) {
            while (m_process.canReadLine()) {
                const QString line = QString::fromUtf8(m_process.readLine()).trimmed();
                if (line.startsWith(QStringLiteral("hearth-test: "))) {
                    m_results.append(line.mid(13));
                    return m_results.last();
                }
            }
            if (m_process.state() != QProcess::Running || !m_process.waitForReadyRead(timeoutMs)) {
                if (m_process.canReadLine()) {
                    continue; // the last lines came with the end of the process
                }
                return {};
            }
        }
    }

    // Reads results until one starts with `prefix`; returns it, or an empty string when the app ended first.
    QString waitFor(const QString &prefix)
    {
        for (QString line = nextResult(); !line.isEmpty(); line = nextResult()) {
            if (line.startsWith(prefix)) {
                return line;
            }
        }
        return {};
    }

    // Waits for the end and reads the rest of the output; false when it did not end within `timeoutMs` (it is
    // killed then).
    bool finish(int timeoutMs = 120000)
    {
        const bool ended = m_process.state() == QProcess::NotRunning || m_process.waitForFinished(timeoutMs);
        if (!ended) {
            kill();
        }
        while (!nextResult(0).isEmpty()) { }
        m_stderr += QString::fromUtf8(m_process.readAllStandardError());
        return ended;
    }

    // SIGKILL, then the lines it printed before it died.
    void kill()
    {
        m_process.kill();
        m_process.waitForFinished(30000);
        finish(0);
    }

    bool exitedCleanly() const
    {
        return m_process.exitStatus() == QProcess::NormalExit && m_process.exitCode() == 0;
    }
    int exitCode() const
    {
        return m_process.exitCode();
    }
    QString standardError() const
    {
        return m_stderr;
    }
    QStringList results() const
    {
        return m_results;
    }
    QString error() const
    {
        return m_error;
    }

private:
    QString m_home;
    QProcess m_process;
    QStringList m_results;
    QString m_stderr;
    QString m_error;
};
