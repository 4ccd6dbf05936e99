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

template<typename... Args>
void ChatEngine::relay(void (ChatWorker::*workerSignal)(Args...), void (ChatEngine::*engineSignal)(Args...))
{
    ChatMailbox *box = m_mailbox.get();
    connect(
        m_worker, workerSignal, m_worker,
        [this, box, engineSignal](Args... args) {
            box->toEngine([this, engineSignal, ... copies = std::decay_t<Args>(args)] {
                Q_EMIT(this->*engineSignal)(copies...);
            });
        },
        Qt::DirectConnection);
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
    // Deleted on its own thread as that thread ends (finished() is emitted there), whatever state the
    // application is in: a deleteLater() would wait for an event loop that, at exit, no longer runs.
    connect(
        m_thread, &QThread::finished, m_worker,
        [worker = m_worker] {
            delete worker;
        },
        Qt::DirectConnection);
    // The worker's signals come over through the mailbox as well.
    relay(&ChatWorker::loadProgress, &ChatEngine::loadProgress);
    relay(&ChatWorker::generationStarted, &ChatEngine::generationStarted);
    relay(&ChatWorker::textGenerated, &ChatEngine::textGenerated);
    m_thread->start();
}

ChatEngine::~ChatEngine()
{
    m_flags->generationUpTo = ~quint64(0);
    m_flags->loadUpTo = ~quint64(0);
    // A job running now ends at its next check of the flags; jobs still queued are dropped with the mailbox,
    // which cancels their futures. The worker (and the model) go with the thread.
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
