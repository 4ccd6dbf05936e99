// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "engine/ChatEngine.h"

#include <QObject>

#include <atomic>
#include <memory>

namespace hearth
{

class ChatSession;

// Set by ChatEngine in the GUI thread, read by the worker between tokens: request n ends once the matching
// counter reaches n.
struct StopFlags {
    std::atomic<quint64> generationUpTo{0};
    std::atomic<quint64> loadUpTo{0};
};

// ChatEngine's half on the worker thread: owns the ChatSession (model, context, cached tokens). Its methods
// run there only, called through queued invocations, one at a time.
class ChatWorker : public QObject
{
    Q_OBJECT

public:
    explicit ChatWorker(std::shared_ptr<const StopFlags> flags);
    ~ChatWorker() override;

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
    std::unique_ptr<ChatSession> m_session;
};

} // namespace hearth
