// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine/ChatEngine.h"

#include "engine/ChatWorker.h"

#include <QCoroFuture>
#include <QPointer>
#include <QPromise>
#include <QThread>

#include <functional>

namespace hearth
{

namespace
{
// Runs `job` on the worker's thread, then the function it returns in the engine's thread, through the mailbox
// in order: every signal the job emitted has been delivered when the future finishes. Cancelled when the
// engine shuts down before the job ran.
QFuture<void> onWorker(const std::shared_ptr<ChatMailbox> &mailbox, QObject *worker, std::function<ChatMailbox::Call()> job)
{
    auto promise = std::make_shared<QPromise<void>>();
    promise->start();
    QFuture<void> future = promise->future();
    ChatMailbox *box = mailbox.get(); // jobs live in the mailbox, so it outlives them
    mailbox->post(mailbox->jobs, [box, promise, job = std::move(job)] {
        box->toEngine([promise, done = job()] {
            done();
            promise->finish();
        });
    });
    QMetaObject::invokeMethod(worker, "runJobs", Qt::QueuedConnection);
    return future;
}

const QString shutDownMessage = QStringLiteral("The chat engine was shut down.");
}

ChatEngine::ChatEngine(QObject *parent)
    : QObject(parent)
    , m_thread(new QThread(this))
    , m_flags(std::make_shared<StopFlags>())
    , m_mailbox(std::make_shared<ChatMailbox>(this))
{
    m_thread->setObjectName(QStringLiteral("ChatEngine"));
    m_worker = new ChatWorker(m_flags, m_mailbox);
    m_worker->moveToThread(m_thread);
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    // The worker's signals come over through the mailbox as well.
    ChatMailbox *box = m_mailbox.get();
    connect(
        m_worker, &ChatWorker::loadProgress, m_worker,
        [this, box](double fraction) {
            box->toEngine([this, fraction] {
                Q_EMIT loadProgress(fraction);
            });
        },
        Qt::DirectConnection);
    connect(
        m_worker, &ChatWorker::generationStarted, m_worker,
        [this, box](quint64 requestId) {
            box->toEngine([this, requestId] {
                Q_EMIT generationStarted(requestId);
            });
        },
        Qt::DirectConnection);
    connect(
        m_worker, &ChatWorker::textGenerated, m_worker,
        [this, box](quint64 requestId, const QString &delta) {
            box->toEngine([this, requestId, delta] {
                Q_EMIT textGenerated(requestId, delta);
            });
        },
        Qt::DirectConnection);
    m_thread->start();
}

ChatEngine::~ChatEngine()
{
    m_flags->generationUpTo = ~quint64(0);
    m_flags->loadUpTo = ~quint64(0);
    // Queued jobs still run (quickly: everything is stopped), then the worker is deleted on its thread.
    m_thread->quit();
    m_thread->wait();
}

void ChatEngine::setCount(int &counter, int delta, void (ChatEngine::*changed)())
{
    const bool before = counter > 0;
    counter += delta;
    if (before != (counter > 0)) {
        Q_EMIT(this->*changed)();
    }
}

void ChatEngine::deliverResults()
{
    while (const ChatMailbox::Call call = m_mailbox->take(m_mailbox->results)) {
        call();
    }
}

void ChatEngine::stop()
{
    m_flags->generationUpTo = m_lastSequence;
}

QCoro::Task<LoadResult> ChatEngine::load(const QString &path, LoadParams params)
{
    const quint64 sequence = ++m_lastSequence;
    m_flags->generationUpTo = sequence;
    m_flags->loadUpTo = sequence - 1;
    m_modelSequence = sequence;
    QPointer<ChatEngine> self(this);
    setCount(m_loading, +1, &ChatEngine::loadingChanged);
    if (isLoaded()) {
        m_model = {};
        Q_EMIT modelChanged();
    }
    auto result = std::make_shared<LoadResult>();
    ChatWorker *worker = m_worker;
    QFuture<void> done = onWorker(m_mailbox, worker, [worker, result, sequence, path, params] {
        return [result, loaded = worker->load(sequence, path, params)] {
            *result = loaded;
        };
    });
    co_await done;
    if (done.isCanceled() || !self) {
        co_return LoadResult{shutDownMessage, {}};
    }
    // After a newer load() or unload(), that one decides which model is current; this one only reports.
    if (result->ok() && m_modelSequence == sequence) {
        m_model = result->model;
        Q_EMIT modelChanged();
    }
    setCount(m_loading, -1, &ChatEngine::loadingChanged);
    if (!result->ok()) {
        Q_EMIT errorOccurred(result->error);
    }
    co_return *result;
}

QCoro::Task<> ChatEngine::unload()
{
    const quint64 sequence = ++m_lastSequence;
    m_flags->generationUpTo = sequence;
    m_flags->loadUpTo = sequence;
    m_modelSequence = sequence;
    if (isLoaded()) {
        m_model = {};
        Q_EMIT modelChanged();
    }
    ChatWorker *worker = m_worker;
    co_await onWorker(m_mailbox, worker, [worker] {
        worker->unload();
        return [] { };
    });
}

QCoro::Task<ChatReply> ChatEngine::generate(quint64 requestId, QList<ConversationMessage> messages, GenerationParams params)
{
    const quint64 sequence = ++m_lastSequence;
    m_flags->generationUpTo = sequence - 1;
    QPointer<ChatEngine> self(this);
    setCount(m_generating, +1, &ChatEngine::generatingChanged);
    auto reply = std::make_shared<ChatReply>();
    ChatWorker *worker = m_worker;
    QFuture<void> done = onWorker(m_mailbox, worker, [worker, reply, sequence, requestId, messages = std::move(messages), params] {
        return [reply, generated = worker->generate(sequence, requestId, messages, params)] {
            *reply = generated;
        };
    });
    co_await done;
    if (done.isCanceled() || !self) {
        ChatReply failed;
        failed.requestId = requestId;
        failed.error = shutDownMessage;
        failed.stats.stopReason = ReplyStats::Error;
        co_return failed;
    }
    setCount(m_generating, -1, &ChatEngine::generatingChanged);
    if (!reply->ok()) {
        Q_EMIT errorOccurred(reply->error);
    }
    Q_EMIT generationFinished(*reply);
    co_return *reply;
}

} // namespace hearth
