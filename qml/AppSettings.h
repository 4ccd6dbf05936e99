// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "chat/ChatTemplate.h"
#include "quant/GgmlType.h"
#include "sampling/Sampler.h"

#include <QObject>
#include <QQmlEngine>
#include <QSettings>
#include <QStringList>

#include <optional>

// The user's settings, persisted in an INI file (hearthrc in the configuration folder) the moment they change.
// One instance is shared by C++ and QML (the Settings page binds to it; the chat controller and the model
// manager read it when they load a model or start a reply). Setters clamp values to the range the engine
// accepts, so a hand-edited file cannot make a load fail.
class AppSettings : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_SINGLETON

    // Engine: read when a model is loaded.
    Q_PROPERTY(int threads READ threads WRITE setThreads NOTIFY threadsChanged) // 0: one per hardware thread
    Q_PROPERTY(int contextSize READ contextSize WRITE setContextSize NOTIFY contextSizeChanged)
    Q_PROPERTY(KvCacheType kvCacheType READ kvCacheType WRITE setKvCacheType NOTIFY kvCacheTypeChanged)

    // Generation defaults: read when a reply starts (llama.cpp's meaning, see hearth::SamplingParams).
    Q_PROPERTY(double temperature READ temperature WRITE setTemperature NOTIFY temperatureChanged)
    Q_PROPERTY(int topK READ topK WRITE setTopK NOTIFY topKChanged)
    Q_PROPERTY(double topP READ topP WRITE setTopP NOTIFY topPChanged)
    Q_PROPERTY(double minP READ minP WRITE setMinP NOTIFY minPChanged)
    Q_PROPERTY(double repeatPenalty READ repeatPenalty WRITE setRepeatPenalty NOTIFY repeatPenaltyChanged)
    Q_PROPERTY(int maxTokens READ maxTokens WRITE setMaxTokens NOTIFY maxTokensChanged)
    Q_PROPERTY(qint64 seed READ seed WRITE setSeed NOTIFY seedChanged) // 0: a new random seed for every reply

    // Conversations.
    Q_PROPERTY(QString systemPrompt READ systemPrompt WRITE setSystemPrompt NOTIFY systemPromptChanged)
    Q_PROPERTY(HistoryPolicy historyPolicy READ historyPolicy WRITE setHistoryPolicy NOTIFY historyPolicyChanged)
    Q_PROPERTY(int replyReserve READ replyReserve WRITE setReplyReserve NOTIFY replyReserveChanged)
    // "" (auto: the model's own template, else ChatML) or a family name: chatml, zephyr, llama2, llama3,
    // mistral, phi3, gemma, deepseek.
    Q_PROPERTY(QString templateFamily READ templateFamily WRITE setTemplateFamily NOTIFY templateFamilyChanged)

    // Models.
    Q_PROPERTY(QString modelsFolder READ modelsFolder WRITE setModelsFolder NOTIFY modelsFolderChanged)
    Q_PROPERTY(QStringList extraModelFolders READ extraModelFolders WRITE setExtraModelFolders NOTIFY extraModelFoldersChanged)
    // The model loaded last, loaded again at start-up; "" when none.
    Q_PROPERTY(QString lastModel READ lastModel WRITE setLastModel NOTIFY lastModelChanged)

public:
    enum class KvCacheType { F16, F32, Q8_0 };
    Q_ENUM(KvCacheType)
    // What to do when a conversation no longer fits the context (see issue 6, history trimming).
    enum class HistoryPolicy { RollingWindow, TruncateMiddle, StopAtLimit };
    Q_ENUM(HistoryPolicy)

    // Ranges the setters clamp to.
    static constexpr int MaxThreads = 256;
    static constexpr int MinContextSize = 128;
    static constexpr int MaxContextSize = 131072;
    static constexpr int MaxTokensLimit = 65536;

    // Settings kept in `fileName` (INI). The application uses instance(); tests make their own.
    explicit AppSettings(const QString &fileName, QObject *parent = nullptr);

    // The application's settings: hearthrc in QStandardPaths::GenericConfigLocation.
    static AppSettings *instance();
    static AppSettings *create(QQmlEngine *qmlEngine, QJSEngine *jsEngine);

    QString fileName() const;

    int threads() const;
    void setThreads(int threads);
    int contextSize() const;
    void setContextSize(int size);
    KvCacheType kvCacheType() const;
    void setKvCacheType(KvCacheType type);
    hearth::GgmlType kvCacheGgmlType() const;

    double temperature() const;
    void setTemperature(double temperature);
    int topK() const;
    void setTopK(int topK);
    double topP() const;
    void setTopP(double topP);
    double minP() const;
    void setMinP(double minP);
    double repeatPenalty() const;
    void setRepeatPenalty(double penalty);
    int maxTokens() const;
    void setMaxTokens(int maxTokens);
    qint64 seed() const;
    void setSeed(qint64 seed);
    // The generation defaults as the sampler takes them.
    hearth::SamplingParams samplingParams() const;

    QString systemPrompt() const;
    void setSystemPrompt(const QString &prompt);
    HistoryPolicy historyPolicy() const;
    void setHistoryPolicy(HistoryPolicy policy);
    int replyReserve() const;
    void setReplyReserve(int tokens);
    QString templateFamily() const;
    void setTemplateFamily(const QString &family);
    // The family the user chose; nullopt for auto.
    std::optional<hearth::TemplateFamily> templateFamilyOverride() const;

    QString modelsFolder() const;
    void setModelsFolder(const QString &folder);
    QStringList extraModelFolders() const;
    void setExtraModelFolders(const QStringList &folders);
    // modelsFolder followed by extraModelFolders, without duplicates.
    QStringList allModelFolders() const;
    QString lastModel() const;
    void setLastModel(const QString &path);

    // Every setting back to its default (the Settings page's "Defaults" button).
    Q_INVOKABLE void resetToDefaults();

    // The family names templateFamily accepts, "" first.
    Q_INVOKABLE static QStringList templateFamilies();

Q_SIGNALS:
    void threadsChanged();
    void contextSizeChanged();
    void kvCacheTypeChanged();
    void temperatureChanged();
    void topKChanged();
    void topPChanged();
    void minPChanged();
    void repeatPenaltyChanged();
    void maxTokensChanged();
    void seedChanged();
    void systemPromptChanged();
    void historyPolicyChanged();
    void replyReserveChanged();
    void templateFamilyChanged();
    void modelsFolderChanged();
    void extraModelFoldersChanged();
    void lastModelChanged();

private:
    // Stores `value` under `key` and emits `changed` when it differs from the effective value `old`.
    void update(const char *key, const QVariant &old, const QVariant &value, void (AppSettings::*changed)());

    mutable QSettings m_settings;
};
