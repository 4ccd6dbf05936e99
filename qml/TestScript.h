// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QCoroTask>
#include <QObject>
#include <QPointer>
#include <QStringList>

class QQuickWindow;

// Drives the running app from a command file (hearth --test-script FILE), for the end-to-end tests: the real
// window, engine, settings and conversation file, no test harness inside. One command per line:
//   load PATH           load a model and wait for it
//   set NAME VALUE      an AppSettings property (temperature, maxTokens, ...)
//   page NAME           show a page (chats, models, quantize, settings, about)
//   new                 start a new conversation
//   send TEXT           send a message and wait for the whole reply; prints "reply JSON-STRING"
//   stream TEXT         send a message and go on once the reply streams; prints "streaming yes|no"
//   search TEXT         search the conversations; prints "hits N" and "hit JSON-TITLE" per hit
//   conversations       prints "conversations N" and "conversation JSON-TITLE" for each
//   open INDEX          opens the conversation at INDEX of the list; prints "message ROLE JSON-CONTENT" for each
//   screenshot PATH     saves the window as PNG
//   wait MS
//   quit                prints "quit generating yes|no" (a reply streaming) and quits
// Results go to standard output, one per line, prefixed with "hearth-test: ". Any failure prints the problem on
// standard error and exits with status 1.
class TestScript : public QObject
{
    Q_OBJECT

public:
    TestScript(QQuickWindow *window, QStringList commands, QObject *parent = nullptr);

    // Reads the file; returns nullptr (after printing the problem) when it cannot.
    static TestScript *fromFile(QQuickWindow *window, const QString &fileName, QObject *parent = nullptr);

    void start();

private:
    QCoro::Task<> run();
    QCoro::Task<bool> execute(const QString &command, const QString &argument);

    QPointer<QQuickWindow> m_window;
    QStringList m_commands;
};
