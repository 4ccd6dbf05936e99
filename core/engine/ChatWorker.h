// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "engine/ChatEngine.h"

#include <QObject>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

namespace hearth
{

class ChatSession;

// Set by ChatEngine in the GUI thread, read by the worker between tokens: request n ends once the matching
// counter reaches n.
struct StopFlags {
    std::atomic<quint64> generationUpTo{0};
    std::atomic<quint64> loadUpTo{0};
};

// Work for the worker and results for the engine, handed over under a std::mutex, in order. Qt's queued
// events would carry them just as well, but an uninstrumented Qt's locking is invisible to ThreadSanitizer:
// this way every handover is one it can check. The events only say "look into the mailbox".
struct ChatMailbox {
    explicit ChatMailbox(QObject *engine)
        : engine(engine)
    {
    }
    using Call = std::function<void()>;
    void post(std::deque<Call> &queue, Call call)
    {
        const std::lock_guard lock(mutex);
        queue.push_back(std::move(call));
    }
    Call take(std::deque<Call> &queue)
    {
        const std::lock_guard lock(mutex);
        if (queue.empty()) {
            return {};
        }
        Call call = std::move(queue.front());
        queue.pop_front();
        return call;
    }
    // From the worker thread: runs `call` in the engine's thread, after everything handed over before.
    void toEngine(Call call)
    {
        post(results, std::move(call));
        QMetaObject::invokeMethod(engine, "deliverResults", Qt::QueuedConnection);
    }

    QObject *const engine; // outlives the worker thread
    std::mutex mutex;
    std::deque<Call> jobs; // run by ChatWorker::runJobs()
    std::deque<Call> results; // run by ChatEngine::deliverResults()
};

// ChatEngine's half on the worker thread: owns the ChatSession (model, context, cached tokens). Its methods
// run there only, called through queued invocations, one at a time.
class ChatWorker : public QObject
{
    Q_OBJECT

public:
    // mailbox: nullptr for tests that call the methods below directly.
    ChatWorker(std::shared_ptr<const StopFlags> flags, std::shared_ptr<ChatMailbox> mailbox = {});
    ~ChatWorker() override;

    // Runs the jobs waiting in the mailbox.
    Q_INVOKABLE void runJobs();

    LoadResult load(quint64 sequence, const QString &path, const LoadParams &params);
    void unload();
    ChatReply generate(quint64 sequence, quint64 requestId, const QList<ConversationMessage> &messages, const GenerationParams &params);

    // For tests on the worker thread: the session, nullptr when no model is loaded.
    ChatSession *session() const
    {
        return m_session.get();
    }

Q_SIGNALS:
    void loadProgress(double fraction);
    void generationStarted(quint64 requestId);
    void textGenerated(quint64 requestId, const QString &delta);

private:
    std::shared_ptr<const StopFlags> m_flags;
    std::shared_ptr<ChatMailbox> m_mailbox;
    std::unique_ptr<ChatSession> m_session;
};

} // namespace hearth
