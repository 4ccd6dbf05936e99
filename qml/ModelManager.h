// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QQmlEngine>
#include <QString>
#include <QStringList>

#include <memory>

namespace hearth
{
class ChatEngine;
}
class ModelListModel;

// The app's single inference engine and the model it holds, plus the list of models on disk.
// QML and C++ (the chat controller) share one instance: instance() / create(). Tests construct their own.
//
// Loading runs on the engine's own thread; progress and the result arrive as queued signals, so the GUI
// never blocks. Only one model is loaded at a time: load() of another model replaces the current one.
class ModelManager : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_SINGLETON

    Q_PROPERTY(State state READ state NOTIFY stateChanged)
    Q_PROPERTY(bool loaded READ isLoaded NOTIFY stateChanged)
    Q_PROPERTY(bool busy READ isBusy NOTIFY stateChanged)
    // The model loaded (state Loaded) or being loaded (state Loading); empty otherwise.
    Q_PROPERTY(QString modelPath READ modelPath NOTIFY modelChanged)
    // File name without ".gguf", for titles and the chat status line.
    Q_PROPERTY(QString modelName READ modelName NOTIFY modelChanged)
    // 0..1 while loading, 1 when loaded.
    Q_PROPERTY(double loadProgress READ loadProgress NOTIFY loadProgressChanged)
    // Bytes of RAM the current (or loading) model needs with the current context size and KV type:
    // weights + KV cache + working buffers. 0 when nothing is loaded.
    Q_PROPERTY(qint64 ramEstimate READ ramEstimate NOTIFY ramEstimateChanged)
    // The last load failure, "FILE: problem"; cleared by the next load().
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorStringChanged)
    // The folder imports and downloads go into (created on demand), then any folders the user added.
    Q_PROPERTY(QString modelsFolder READ modelsFolder WRITE setModelsFolder NOTIFY foldersChanged)
    Q_PROPERTY(QStringList extraFolders READ extraFolders WRITE setExtraFolders NOTIFY foldersChanged)
    // Every GGUF file in the folders above (rescanned when they change or on refresh()).
    Q_PROPERTY(ModelListModel *models READ models CONSTANT)

public:
    enum class State {
        Unloaded,
        Loading,
        Loaded,
        Failed,
    };
    Q_ENUM(State)

    // Engine parameters of the next load(); the settings page (AppSettings) supplies them.
    struct LoadOptions {
        int threads = 0; // 0: the number of physical cores
        int contextLength = 0; // 0: the model's training context, capped by the engine
        QString kvCacheType = QStringLiteral("f16"); // "f32", "f16" or "q8_0"
    };

    explicit ModelManager(QObject *parent = nullptr);
    ~ModelManager() override;

    static ModelManager *instance();
    static ModelManager *create(QQmlEngine *qmlEngine, QJSEngine *jsEngine);

    // The engine the chat controller generates with; valid for the manager's lifetime (never null).
    hearth::ChatEngine *engine() const;

    State state() const;
    bool isLoaded() const;
    bool isBusy() const;
    QString modelPath() const;
    QString modelName() const;
    double loadProgress() const;
    qint64 ramEstimate() const;
    QString errorString() const;

    QString modelsFolder() const;
    void setModelsFolder(const QString &folder);
    QStringList extraFolders() const;
    void setExtraFolders(const QStringList &folders);
    // True when `path` lies inside the models folder or one of the extra folders (after resolving symlinks):
    // the only files removeModel() deletes.
    bool isInModelFolders(const QString &path) const;

    ModelListModel *models() const;

    LoadOptions loadOptions() const;
    void setLoadOptions(const LoadOptions &options);

    // Starts loading `path` (a GGUF file), replacing the current model. Progress: loadProgressChanged;
    // the end: modelLoaded() or loadFailed(message).
    Q_INVOKABLE void load(const QString &path);
    // Releases the model (and its RAM). Cancels a load in progress.
    Q_INVOKABLE void unload();
    // Adds a folder to extraFolders (a file:// URL or a path) and scans it.
    Q_INVOKABLE void addFolder(const QString &folderOrUrl);
    Q_INVOKABLE void removeFolder(const QString &folder);
    // Deletes a model file from disk after the page's confirmation; unloads it first when loaded. Refuses
    // files outside the model folders. Returns an empty string or the message saying why not.
    Q_INVOKABLE QString removeModel(const QString &path);
    // Rescans all folders (e.g. after an import, a download or a quantization wrote a file).
    Q_INVOKABLE void refresh();

Q_SIGNALS:
    void stateChanged();
    void modelChanged();
    void loadProgressChanged();
    void ramEstimateChanged();
    void errorStringChanged();
    void foldersChanged();
    void modelLoaded(const QString &path);
    void loadFailed(const QString &message);
    void modelUnloaded();

private:
    void setState(State state);
    void setProgress(double progress);
    void setRamEstimate(qint64 bytes);
    void setErrorString(const QString &message);
    void setModelPath(const QString &path);
    void rescan();

    std::unique_ptr<hearth::ChatEngine> m_engine;
    ModelListModel *m_models = nullptr;
    State m_state = State::Unloaded;
    QString m_modelPath;
    double m_progress = 0.0;
    qint64 m_ramEstimate = 0;
    QString m_errorString;
    QString m_modelsFolder;
    QStringList m_extraFolders;
    LoadOptions m_loadOptions;
};
