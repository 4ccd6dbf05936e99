// SPDX-License-Identifier: GPL-3.0-or-later
#include "TestScript.h"

#include "AppSettings.h"
#include "ChatController.h"
#include "ConversationListModel.h"
#include "MessageListModel.h"
#include "ModelManager.h"
#include "WindowCapture.h"

#include <QCoreApplication>
#include <QCoroSignal>
#include <QCoroTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QQuickWindow>

#include <chrono>
#include <cstdio>

using namespace Qt::StringLiterals;

namespace
{
void print(const QString &line)
{
    std::fprintf(stdout, "hearth-test: %s\n", qPrintable(line));
    std::fflush(stdout);
}

QString json(const QString &text)
{
    // A JSON array of one string, minus the brackets: the string quoted and escaped on one line.
    const QByteArray array = QJsonDocument(QJsonArray{text}).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(array.mid(1, array.size() - 2));
}

bool failWith(const QString &problem)
{
    std::fprintf(stderr, "hearth-test: %s\n", qPrintable(problem));
    return false;
}
}

TestScript::TestScript(QQuickWindow *window, QStringList commands, QObject *parent)
    : QObject(parent)
    , m_window(window)
    , m_commands(std::move(commands))
{
}

TestScript *TestScript::fromFile(QQuickWindow *window, const QString &fileName, QObject *parent)
{
    QFile file(fileName);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        failWith(u"%1: %2"_s.arg(fileName, file.errorString()));
        return nullptr;
    }
    return new TestScript(window, QString::fromUtf8(file.readAll()).split(u'\n', Qt::SkipEmptyParts), parent);
}

void TestScript::start()
{
    run();
}

QCoro::Task<> TestScript::run()
{
    // Let the window finish its first frame and the pages settle.
    co_await QCoro::sleepFor(std::chrono::milliseconds(500));
    for (const QString &line : std::as_const(m_commands)) {
        const QString trimmed = line.trimmed();
        if (trimmed.isEmpty() || trimmed.startsWith(u'#')) {
            continue;
        }
        const qsizetype space = trimmed.indexOf(u' ');
        const QString command = trimmed.left(space);
        const QString argument = space < 0 ? QString() : trimmed.mid(space + 1);
        if (!co_await execute(command, argument)) {
            std::fprintf(stderr, "hearth-test: failed: %s\n", qPrintable(trimmed));
            QCoreApplication::exit(1);
            co_return;
        }
        if (command == u"quit"_s) {
            co_return;
        }
    }
    QCoreApplication::exit(0);
}

QCoro::Task<bool> TestScript::execute(const QString &command, const QString &argument)
{
    ModelManager *models = ModelManager::instance();
    ChatController *chat = ChatController::instance();
    if (command == u"load"_s) {
        models->load(argument);
        while (models->isBusy()) {
            co_await qCoro(models, &ModelManager::stateChanged);
        }
        if (!models->isLoaded()) {
            co_return failWith(u"loading %1 failed: %2"_s.arg(argument, models->errorString()));
        }
        print(u"loaded %1"_s.arg(json(models->modelName())));
        co_return true;
    }
    if (command == u"set"_s) {
        const QString name = argument.section(u' ', 0, 0);
        const QString value = argument.section(u' ', 1);
        if (!AppSettings::instance()->setProperty(name.toUtf8().constData(), value)) {
            co_return failWith(u"no setting %1 takes %2"_s.arg(name, value));
        }
        co_return true;
    }
    if (command == u"page"_s) {
        bool found = false;
        QMetaObject::invokeMethod(m_window, "showPage", Q_RETURN_ARG(bool, found), Q_ARG(QString, argument));
        co_return found || failWith(u"no page %1"_s.arg(argument));
    }
    if (command == u"new"_s) {
        chat->newConversation();
        co_return true;
    }
    if (command == u"send"_s) {
        if (!chat->send(argument)) {
            co_return failWith(u"sending failed: %1"_s.arg(chat->errorString()));
        }
        const QString reply = co_await qCoro(chat, &ChatController::replyFinished);
        if (!chat->errorString().isEmpty()) {
            co_return failWith(u"the reply failed: %1"_s.arg(chat->errorString()));
        }
        print(u"reply %1"_s.arg(json(reply)));
        print(u"status %1"_s.arg(json(chat->status())));
        co_return true;
    }
    if (command == u"stream"_s) {
        if (!chat->send(argument)) {
            co_return failWith(u"sending failed: %1"_s.arg(chat->errorString()));
        }
        if (chat->isGenerating()) {
            co_await qCoro(models->engine(), &hearth::ChatEngine::textGenerated);
        }
        print(u"streaming %1"_s.arg(chat->isGenerating() ? u"yes"_s : u"no"_s));
        co_return true;
    }
    if (command == u"search"_s) {
        chat->conversations()->setFilter(argument);
        ConversationListModel *list = chat->conversations();
        print(u"hits %1"_s.arg(list->rowCount()));
        for (int i = 0; i < list->rowCount(); ++i) {
            print(u"hit %1"_s.arg(json(list->data(list->index(i), ConversationListModel::TitleRole).toString())));
        }
        co_return true;
    }
    if (command == u"conversations"_s) {
        ConversationListModel *list = chat->conversations();
        list->setFilter({});
        print(u"conversations %1"_s.arg(list->rowCount()));
        for (int i = 0; i < list->rowCount(); ++i) {
            print(u"conversation %1"_s.arg(json(list->data(list->index(i), ConversationListModel::TitleRole).toString())));
        }
        co_return true;
    }
    if (command == u"open"_s) {
        ConversationListModel *list = chat->conversations();
        const int row = argument.toInt();
        if (row < 0 || row >= list->rowCount()) {
            co_return failWith(u"no conversation at %1"_s.arg(argument));
        }
        chat->openConversation(list->data(list->index(row), ConversationListModel::IdRole).toLongLong());
        for (const hearth::StoredMessage &message : chat->messages()->messages()) {
            print(u"message %1 %2"_s.arg(message.role, json(message.content)));
        }
        co_return true;
    }
    if (command == u"screenshot"_s) {
        co_await QCoro::sleepFor(std::chrono::milliseconds(400));
        const QString error = WindowCapture::save(m_window, argument);
        co_return error.isEmpty() || failWith(error);
    }
    if (command == u"wait"_s) {
        co_await QCoro::sleepFor(std::chrono::milliseconds(argument.toInt()));
        co_return true;
    }
    if (command == u"quit"_s) {
        print(u"quit generating %1"_s.arg(chat->isGenerating() ? u"yes"_s : u"no"_s));
        QCoreApplication::exit(0);
        co_return true;
    }
    co_return failWith(u"unknown command %1"_s.arg(command));
}
