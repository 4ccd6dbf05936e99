// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// ChatEngine: the one object the desktop app talks to for chatting with a model.
//
//   auto *engine = new hearth::ChatEngine(parent);              // GUI thread; owns its worker QThread
//   connect(engine, &ChatEngine::loadProgress, ...);             // 0..1 while paging the weights in
//   hearth::LoadResult loaded = co_await engine->load(path, {}); // loaded.error: readable message, or empty
//   connect(engine, &ChatEngine::textGenerated, model, [](quint64 id, const QString &delta) { append });
//   hearth::ChatReply reply = co_await engine->generate(42, messages, params); // 42: caller's request id
//   // reply.text == everything textGenerated(42, ...) delivered; reply.stats: numbers for the view
//   engine->stop();                                              // the reply ends within one token
//
// Threading: the ChatEngine object lives in the thread that created it (the GUI thread) and must be used
// from there only. Model, KV cache and generation live on a private worker thread; text comes back in the
// caller's thread as signals, coalesced to at most ~60 textGenerated() per second. Calls never block the caller for long.
// Requests run one at a time, in order: generate() or load() while a reply is streaming stops that reply
// first (its task finishes with StopReason::Stopped), so loading another model mid-reply is safe.
// Destroying the engine stops generation and joins the worker.
//
// Errors never throw out of the tasks: LoadResult::error / ChatReply::error carry a readable message
// ("model.gguf: not a GGUF file", "Not enough memory for ...", "No model loaded") and errorOccurred() is
// emitted with the same text.
//
// The KV cache is kept between requests: a request evaluates only the prompt tokens after the longest
// common prefix with what the cache already holds (a new turn, regenerate, edit-and-resend). When history
// trimming removed tokens from the middle, the cached tokens after the removed span are shifted down and
// their keys re-rotated (RoPE) instead of being recomputed.

#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

#include <QCoroTask>

#include <atomic>
#include <memory>

class QThread;

namespace hearth
{

class ChatWorker;
struct ChatMailbox;
struct StopFlags;

struct LoadParams {
    Q_GADGET
    Q_PROPERTY(int contextSize MEMBER contextSize)
    Q_PROPERTY(int threads MEMBER threads)
    Q_PROPERTY(QString kvType MEMBER kvType)
    Q_PROPERTY(QString templateFamily MEMBER templateFamily)
    Q_PROPERTY(qint64 memoryLimit MEMBER memoryLimit)
public:
    int contextSize = 2048; // tokens; capped at the model's training context; 0: the training context
    int threads = 0; // 0: one per hardware thread
    QString kvType = QStringLiteral("f16"); // "f32", "f16" or "q8_0"
    QString templateFamily; // "" : the model's own template (ChatML when unknown, "completion" when none); else "chatml", ...
    qint64 memoryLimit = 0; // bytes the model may use; 0: the memory available now (MemAvailable)
    bool operator==(const LoadParams &) const = default;
};

// What load() found and set up.
struct ModelInfo {
    Q_GADGET
    Q_PROPERTY(QString path MEMBER path)
    Q_PROPERTY(QString name MEMBER name)
    Q_PROPERTY(int contextSize MEMBER contextSize)
    Q_PROPERTY(int trainingContext MEMBER trainingContext)
    Q_PROPERTY(int vocabularySize MEMBER vocabularySize)
    Q_PROPERTY(QString templateFamily MEMBER templateFamily)
    Q_PROPERTY(bool templateFallback MEMBER templateFallback)
    Q_PROPERTY(qint64 weightBytes MEMBER weightBytes)
    Q_PROPERTY(qint64 kvCacheBytes MEMBER kvCacheBytes)
    Q_PROPERTY(qint64 estimatedBytes MEMBER estimatedBytes)
    Q_PROPERTY(int threads MEMBER threads)
public:
    QString path; // empty: no model loaded
    QString name; // general.name, else the file name
    int contextSize = 0; // the context in use
    int trainingContext = 0;
    int vocabularySize = 0;
    QString templateFamily; // the chat template family in use ("zephyr", ...; "completion": none, plain text)
    bool templateFallback = false; // the model's template was not recognised: ChatML
    qint64 weightBytes = 0; // tensor data
    qint64 kvCacheBytes = 0;
    qint64 estimatedBytes = 0; // weights + KV cache + work buffers and overhead: the RAM the model needs
    int threads = 0;
    bool operator==(const ModelInfo &) const = default;
};

struct LoadResult {
    Q_GADGET
    Q_PROPERTY(QString error MEMBER error)
    Q_PROPERTY(hearth::ModelInfo model MEMBER model)
public:
    QString error; // empty: loaded
    ModelInfo model; // also set when refused for memory (the estimate), else empty on error
    bool operator==(const LoadResult &) const = default;
    bool ok() const
    {
        return error.isEmpty();
    }
};

// One message of the conversation, oldest first; role "system", "user" or "assistant".
struct ConversationMessage {
    Q_GADGET
    Q_PROPERTY(QString role MEMBER role)
    Q_PROPERTY(QString content MEMBER content)
public:
    QString role;
    QString content;
    bool operator==(const ConversationMessage &) const = default;
};

struct GenerationParams {
    Q_GADGET
    Q_PROPERTY(float temperature MEMBER temperature)
    Q_PROPERTY(int topK MEMBER topK)
    Q_PROPERTY(float topP MEMBER topP)
    Q_PROPERTY(float minP MEMBER minP)
    Q_PROPERTY(float repeatPenalty MEMBER repeatPenalty)
    Q_PROPERTY(int repeatLastN MEMBER repeatLastN)
    Q_PROPERTY(qint64 seed MEMBER seed)
    Q_PROPERTY(int maxNewTokens MEMBER maxNewTokens)
    Q_PROPERTY(int replyReserve MEMBER replyReserve)
    Q_PROPERTY(HistoryPolicy historyPolicy MEMBER historyPolicy)
    Q_PROPERTY(QStringList stopStrings MEMBER stopStrings)
public:
    // What to do when the conversation does not fit into contextSize - replyReserve tokens.
    enum HistoryPolicy {
        RollingWindow, // drop the oldest whole turns (never the system prompt, never part of a message)
        TruncateMiddle, // keep the system prompt, the first exchange and the most recent turns
        StopAtLimit, // refuse: the reply's error says the conversation is full
    };
    Q_ENUM(HistoryPolicy)

    // Sampling, with llama.cpp's meanings (see sampling/Sampler.h); temperature <= 0: greedy.
    float temperature = 0.8f;
    int topK = 40;
    float topP = 0.95f;
    float minP = 0.05f;
    float repeatPenalty = 1.1f;
    int repeatLastN = 64;
    qint64 seed = 0; // 0: random
    int maxNewTokens = 0; // 0: until the end of turn or the end of the context
    int replyReserve = 512; // tokens kept free for the reply when trimming history
    HistoryPolicy historyPolicy = RollingWindow;
    QStringList stopStrings; // in addition to the model's end-of-turn tokens
    bool operator==(const GenerationParams &) const = default;
};

struct ReplyStats {
    Q_GADGET
    Q_PROPERTY(int promptTokens MEMBER promptTokens)
    Q_PROPERTY(int reusedTokens MEMBER reusedTokens)
    Q_PROPERTY(int evaluatedTokens MEMBER evaluatedTokens)
    Q_PROPERTY(int newTokens MEMBER newTokens)
    Q_PROPERTY(double timeToFirstTokenMs MEMBER timeToFirstTokenMs)
    Q_PROPERTY(double tokensPerSecond MEMBER tokensPerSecond)
    Q_PROPERTY(int contextUsed MEMBER contextUsed)
    Q_PROPERTY(int contextSize MEMBER contextSize)
    Q_PROPERTY(StopReason stopReason MEMBER stopReason)
    Q_PROPERTY(int droppedMessages MEMBER droppedMessages)
    Q_PROPERTY(QList<int> droppedIndexes MEMBER droppedIndexes)
    Q_PROPERTY(int shiftedTokens MEMBER shiftedTokens)
public:
    enum StopReason {
        EndOfTurn, // the model ended its turn (end-of-generation token)
        StopString, // one of GenerationParams::stopStrings
        MaxTokens, // GenerationParams::maxNewTokens reached
        ContextFull, // no room left in the context
        Stopped, // stop(), a newer request, load() or destruction
        Error, // see ChatReply::error
    };
    Q_ENUM(StopReason)

    int promptTokens = 0; // tokens of the (trimmed) prompt
    int reusedTokens = 0; // prompt tokens already in the KV cache (common prefix and shifted tokens)
    int evaluatedTokens = 0; // prompt tokens evaluated for this request: promptTokens - reusedTokens
    int newTokens = 0; // tokens generated
    double timeToFirstTokenMs = 0; // from the start of the request on the worker to the first token
    double tokensPerSecond = 0; // generation speed after the first token
    int contextUsed = 0; // positions of the context in use at the end
    int contextSize = 0;
    StopReason stopReason = EndOfTurn;
    int droppedMessages = 0; // messages left out by history trimming
    QList<int> droppedIndexes; // their indexes in the request's message list
    int shiftedTokens = 0; // cached tokens moved down (keys re-rotated) instead of recomputed
    bool operator==(const ReplyStats &) const = default;
};

struct ChatReply {
    Q_GADGET
    Q_PROPERTY(quint64 requestId MEMBER requestId)
    Q_PROPERTY(QString text MEMBER text)
    Q_PROPERTY(QString error MEMBER error)
    Q_PROPERTY(hearth::ReplyStats stats MEMBER stats)
public:
    quint64 requestId = 0;
    QString text; // the whole reply (without the stop string or end-of-turn token)
    QString error; // empty: no error (a stopped reply is not an error)
    ReplyStats stats;
    bool operator==(const ChatReply &) const = default;
    bool ok() const
    {
        return error.isEmpty();
    }
};

class ChatEngine : public QObject
{
    Q_OBJECT
    Q_PROPERTY(bool loaded READ isLoaded NOTIFY modelChanged)
    Q_PROPERTY(hearth::ModelInfo model READ model NOTIFY modelChanged)
    Q_PROPERTY(bool loading READ isLoading NOTIFY loadingChanged)
    Q_PROPERTY(bool generating READ isGenerating NOTIFY generatingChanged)

public:
    explicit ChatEngine(QObject *parent = nullptr);
    ~ChatEngine() override;

    // Loads a GGUF model, replacing the current one (stopping a reply in progress). Refuses, with the
    // estimate in the result, when weights + KV cache + overhead exceed the memory limit. On failure the
    // previous model is gone too (it was released to make room).
    QCoro::Task<LoadResult> load(const QString &path, LoadParams params = {});
    // Releases the model and its KV cache; cancels a load in progress (its result: "Loading ... was cancelled").
    QCoro::Task<> unload();

    // Generates the assistant's reply to `messages` (the last one is usually the user's). requestId: any
    // number the caller chooses; it comes back in textGenerated() and the reply.
    QCoro::Task<ChatReply> generate(quint64 requestId, QList<ConversationMessage> messages, GenerationParams params);

    // Ends the reply in progress after at most one more token; harmless when idle.
    Q_INVOKABLE void stop();

    bool isLoaded() const
    {
        return !m_model.path.isEmpty();
    }
    ModelInfo model() const
    {
        return m_model;
    }
    bool isLoading() const
    {
        return m_loading > 0;
    }
    bool isGenerating() const
    {
        return m_generating > 0;
    }

Q_SIGNALS:
    void loadProgress(double fraction); // 0..1
    void loadingChanged();
    void modelChanged();
    void generatingChanged();
    void generationStarted(quint64 requestId);
    // Text of the reply since the previous signal (at most ~60 per second; may split a word, never a character).
    void textGenerated(quint64 requestId, const QString &delta);
    void generationFinished(const hearth::ChatReply &reply);
    void errorOccurred(const QString &message);

private Q_SLOTS:
    void deliverResults(); // what the worker handed over, in its order

private:
    void setCount(int &counter, int delta, void (ChatEngine::*changed)());
    // Re-emits a worker signal from this object, in this thread, in order with the results.
    template<typename... Args>
    void relay(void (ChatWorker::*workerSignal)(Args...), void (ChatEngine::*engineSignal)(Args...));

    QThread *m_thread;
    ChatWorker *m_worker; // lives on m_thread
    std::shared_ptr<StopFlags> m_flags;
    std::shared_ptr<ChatMailbox> m_mailbox;
    quint64 m_lastSequence = 0;
    quint64 m_modelSequence = 0; // the last load() or unload(): its outcome is the current model
    ModelInfo m_model;
    int m_loading = 0;
    int m_generating = 0;
};

} // namespace hearth
