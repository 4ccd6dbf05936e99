// SPDX-License-Identifier: GPL-3.0-or-later
#include "ChatController.h"

#include "AppSettings.h"
#include "ConversationListModel.h"
#include "MessageListModel.h"
#include "ModelManager.h"
#include "engine/ChatEngine.h"
#include "hearthui_logging.h"

#include <KLocalizedString>
#include <QClipboard>
#include <QDateTime>
#include <QGuiApplication>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace
{
// How often a growing reply is written to disk.
constexpr qint64 SaveIntervalMs = 2000;
constexpr int TitleLength = 48;

QString localPath(const QString &fileOrUrl)
{
    return fileOrUrl.startsWith(u"file:"_s) ? QUrl(fileOrUrl).toLocalFile() : fileOrUrl;
}

// A new conversation's title: the start of its first message, on one line.
QString titleFrom(const QString &text)
{
    const QString line = text.simplified();
    return line.size() <= TitleLength ? line : line.left(TitleLength - 1).trimmed() + u'…';
}

QJsonObject statsJson(const hearth::ReplyStats &stats)
{
    return {
        {u"promptTokens"_s, stats.promptTokens},
        {u"newTokens"_s, stats.newTokens},
        {u"timeToFirstTokenMs"_s, stats.timeToFirstTokenMs},
        {u"tokensPerSecond"_s, stats.tokensPerSecond},
        {u"contextUsed"_s, stats.contextUsed},
        {u"contextSize"_s, stats.contextSize},
        {u"droppedMessages"_s, stats.droppedMessages},
        {u"stopReason"_s, int(stats.stopReason)},
    };
}
}

ChatController::ChatController(const QString &databasePath, hearth::ChatEngine *engine, AppSettings *settings, QObject *parent)
    : QObject(parent)
    , m_store(std::make_unique<hearth::ConversationStore>())
    , m_engine(engine)
    , m_settings(settings)
{
    if (!m_store->open(databasePath)) {
        m_error = m_store->errorString();
    }
    m_conversations = new ConversationListModel(m_store.get(), this);
    m_messages = new MessageListModel(this);
    connect(m_conversations, &ConversationListModel::errorOccurred, this, &ChatController::setError);
    connect(m_conversations, &ConversationListModel::removed, this, [this](qint64 id) {
        if (m_conversation && m_conversation->id == id) {
            newConversation();
        }
    });
    if (m_engine) {
        connect(m_engine, &hearth::ChatEngine::modelChanged, this, &ChatController::modelLoadedChanged);
        connect(m_engine, &hearth::ChatEngine::textGenerated, this, [this](quint64 requestId, const QString &delta) {
            if (!m_generating || requestId != m_requestId) {
                return;
            }
            m_reply.content += delta;
            m_messages->appendToLast(delta);
            if (QDateTime::currentMSecsSinceEpoch() - m_lastSaveMs >= SaveIntervalMs) {
                saveStreamingReply();
            }
        });
    }
}

ChatController::~ChatController()
{
    if (m_generating) {
        // Keep what was generated: the reply in flight is saved as far as it got.
        saveStreamingReply();
        if (m_engine) {
            m_engine->stop();
        }
    }
}

ChatController *ChatController::instance()
{
    static ChatController *controller = new ChatController(hearth::ConversationStore::defaultPath(),
                                                           ModelManager::instance()->engine(),
                                                           AppSettings::instance(),
                                                           ModelManager::instance());
    return controller;
}

ChatController *ChatController::create(QQmlEngine *qmlEngine, QJSEngine *jsEngine)
{
    Q_UNUSED(qmlEngine)
    Q_UNUSED(jsEngine)
    QJSEngine::setObjectOwnership(instance(), QJSEngine::CppOwnership);
    return instance();
}

hearth::ConversationStore *ChatController::store() const
{
    return m_store.get();
}

ConversationListModel *ChatController::conversations() const
{
    return m_conversations;
}

MessageListModel *ChatController::messages() const
{
    return m_messages;
}

qint64 ChatController::conversationId() const
{
    return m_conversation ? m_conversation->id : 0;
}

QString ChatController::title() const
{
    return m_conversation ? m_conversation->title : i18nc("@title", "New chat");
}

QString ChatController::systemPrompt() const
{
    return m_conversation ? m_conversation->systemPrompt : QString();
}

void ChatController::setSystemPrompt(const QString &prompt)
{
    if (!m_conversation || m_conversation->systemPrompt == prompt) {
        return;
    }
    if (!m_store->setSystemPrompt(m_conversation->id, prompt)) {
        setError(m_store->errorString());
        return;
    }
    m_conversation->systemPrompt = prompt;
    Q_EMIT conversationChanged();
}

QString ChatController::conversationModel() const
{
    return m_conversation ? m_conversation->model : QString();
}

bool ChatController::isGenerating() const
{
    return m_generating;
}

bool ChatController::isModelLoaded() const
{
    return m_engine && m_engine->isLoaded();
}

QString ChatController::status() const
{
    return m_status;
}

QString ChatController::trimNotice() const
{
    return m_trimNotice;
}

QString ChatController::errorString() const
{
    return m_error;
}

void ChatController::setError(const QString &message)
{
    if (!message.isEmpty()) {
        qCWarning(HEARTH_UI) << message;
    }
    if (m_error != message) {
        m_error = message;
        Q_EMIT errorStringChanged();
    }
}

void ChatController::setGenerating(bool generating)
{
    if (m_generating != generating) {
        m_generating = generating;
        Q_EMIT generatingChanged();
    }
}

void ChatController::newConversation()
{
    stop();
    m_conversation.reset();
    m_messages->setMessages({});
    m_status.clear();
    m_trimNotice.clear();
    Q_EMIT statusChanged();
    Q_EMIT conversationChanged();
}

void ChatController::openConversation(qint64 id)
{
    if (m_conversation && m_conversation->id == id) {
        return;
    }
    stop();
    m_conversation = m_store->conversation(id);
    if (!m_conversation) {
        setError(i18n("There is no conversation %1.", id));
        newConversation();
        return;
    }
    m_messages->setMessages(m_store->messages(id));
    const QList<hearth::StoredMessage> list = m_messages->messages();
    m_status = list.isEmpty() ? QString() : MessageListModel::statsLine(list.constLast().stats);
    m_trimNotice.clear();
    Q_EMIT statusChanged();
    Q_EMIT conversationChanged();
    if (!m_conversation->model.isEmpty() && m_engine && m_engine->model().path != m_conversation->model) {
        Q_EMIT modelRequested(m_conversation->model);
    }
}

void ChatController::reloadConversation()
{
    if (m_conversation) {
        m_messages->setMessages(m_store->messages(m_conversation->id));
    }
}

bool ChatController::send(const QString &text)
{
    const QString content = text.trimmed();
    if (content.isEmpty() || m_generating) {
        return false;
    }
    if (!isModelLoaded()) {
        setError(i18n("No model is loaded. Add or load one under Models, then send your message again."));
        return false;
    }
    setError({});
    const QString modelPath = m_engine->model().path;
    if (!m_conversation) {
        const qint64 id = m_store->createConversation(titleFrom(content), modelPath);
        if (id == 0) {
            setError(m_store->errorString());
            return false;
        }
        m_conversation = m_store->conversation(id);
        m_messages->setMessages({});
        Q_EMIT conversationChanged();
    } else if (m_conversation->model != modelPath) {
        m_store->setConversationModel(m_conversation->id, modelPath);
        m_conversation->model = modelPath;
        Q_EMIT conversationChanged();
    }
    hearth::StoredMessage message;
    message.role = u"user"_s;
    message.content = content;
    message.time = QDateTime::currentDateTimeUtc();
    message.conversationId = m_conversation->id;
    message.id = m_store->addMessage(m_conversation->id, message);
    if (message.id == 0) {
        setError(m_store->errorString());
        return false;
    }
    m_messages->append(message);
    m_conversations->refresh();
    generateReply();
    return true;
}

QCoro::Task<> ChatController::generateReply()
{
    QList<hearth::ConversationMessage> history;
    const QString system = m_conversation->systemPrompt.isEmpty() ? m_settings->systemPrompt() : m_conversation->systemPrompt;
    if (!system.trimmed().isEmpty()) {
        history.append({u"system"_s, system});
    }
    for (const hearth::StoredMessage &message : m_messages->messages()) {
        history.append({message.role, message.content});
    }

    hearth::GenerationParams params;
    const hearth::SamplingParams sampling = m_settings->samplingParams();
    params.temperature = sampling.temperature;
    params.topK = sampling.topK;
    params.topP = sampling.topP;
    params.minP = sampling.minP;
    params.repeatPenalty = sampling.repeatPenalty;
    params.seed = qint64(sampling.seed);
    params.maxNewTokens = m_settings->maxTokens();
    params.replyReserve = m_settings->replyReserve();
    params.historyPolicy = hearth::GenerationParams::HistoryPolicy(int(m_settings->historyPolicy()));

    m_reply = {};
    m_reply.role = u"assistant"_s;
    m_reply.model = m_engine->model().path;
    m_reply.time = QDateTime::currentDateTimeUtc();
    m_reply.conversationId = m_conversation->id;
    m_reply.id = m_store->addMessage(m_conversation->id, m_reply);
    m_lastSaveMs = QDateTime::currentMSecsSinceEpoch();
    m_messages->append(m_reply, true);
    const quint64 requestId = ++m_requestId;
    m_status = i18nc("@info:status", "Generating…");
    m_trimNotice.clear();
    Q_EMIT statusChanged();
    setGenerating(true);

    QPointer<ChatController> self(this);
    const hearth::ChatReply reply = co_await m_engine->generate(requestId, history, params);
    if (self && requestId == m_requestId) {
        finishReply(reply);
    }
}

void ChatController::saveStreamingReply()
{
    if (m_reply.id != 0 && !m_store->updateMessage(m_reply)) {
        setError(m_store->errorString());
    }
    m_lastSaveMs = QDateTime::currentMSecsSinceEpoch();
}

void ChatController::finishReply(const hearth::ChatReply &reply)
{
    setGenerating(false);
    if (reply.text.isEmpty()) {
        // Nothing to keep: the reply failed or was stopped before its first token.
        m_store->truncateFrom(m_reply.conversationId, m_reply.id);
        m_messages->removeLast();
        m_status.clear();
        Q_EMIT statusChanged();
        setError(reply.error);
        m_reply = {};
        m_conversations->refresh();
        Q_EMIT replyFinished({});
        return;
    }
    m_reply.content = reply.text;
    m_reply.promptTokens = reply.stats.promptTokens;
    m_reply.completionTokens = reply.stats.newTokens;
    m_reply.stats = statsJson(reply.stats);
    saveStreamingReply();
    m_messages->replaceLast(m_reply);
    m_status = MessageListModel::statsLine(m_reply.stats);
    m_trimNotice = reply.stats.droppedMessages > 0
        ? i18np("The oldest message was left out to fit the context.", "%1 earlier messages were left out to fit the context.", reply.stats.droppedMessages)
        : QString();
    Q_EMIT statusChanged();
    setError(reply.error);
    m_conversations->refresh();
    const QString text = m_reply.content;
    m_reply = {};
    Q_EMIT replyFinished(text);
}

void ChatController::chooseModel(const QString &path)
{
    if (path.isEmpty() || m_generating) {
        return;
    }
    if (m_conversation && m_conversation->model != path) {
        if (!m_store->setConversationModel(m_conversation->id, path)) {
            setError(m_store->errorString());
            return;
        }
        m_conversation->model = path;
        Q_EMIT conversationChanged();
    }
    if (!m_engine || m_engine->model().path != path) {
        Q_EMIT modelRequested(path);
    }
}

void ChatController::stop()
{
    if (m_generating && m_engine) {
        m_engine->stop();
    }
}

bool ChatController::regenerate()
{
    if (m_generating || !m_conversation || !isModelLoaded()) {
        return false;
    }
    const QList<hearth::StoredMessage> list = m_messages->messages();
    if (list.isEmpty() || list.constLast().role != u"assistant"_s) {
        return false;
    }
    if (!m_store->truncateFrom(m_conversation->id, list.constLast().id)) {
        setError(m_store->errorString());
        return false;
    }
    reloadConversation();
    generateReply();
    return true;
}

bool ChatController::editAndResend(qint64 messageId, const QString &text)
{
    if (m_generating || !m_conversation || text.trimmed().isEmpty() || !isModelLoaded()) {
        return false;
    }
    const int row = m_messages->rowOf(messageId);
    if (row < 0 || m_messages->messages().at(row).role != u"user"_s) {
        return false;
    }
    if (!m_store->truncateFrom(m_conversation->id, messageId)) {
        setError(m_store->errorString());
        return false;
    }
    reloadConversation();
    return send(text);
}

void ChatController::copyToClipboard(const QString &text) const
{
    QGuiApplication::clipboard()->setText(text);
}

bool ChatController::exportConversation(const QString &fileOrUrl, const QString &format)
{
    if (!m_conversation) {
        return false;
    }
    if (!m_store->exportToFile(m_conversation->id, localPath(fileOrUrl), format)) {
        setError(m_store->errorString());
        return false;
    }
    return true;
}

bool ChatController::importConversation(const QString &fileOrUrl)
{
    const qint64 id = m_store->importFile(localPath(fileOrUrl));
    if (id == 0) {
        setError(m_store->errorString());
        return false;
    }
    m_conversations->refresh();
    openConversation(id);
    return true;
}
