// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ModelListModel.h"
#include "engine/ChatEngine.h"

#include <QCoroTask>
#include <QObject>
#include <QPointer>
#include <QQmlEngine>
#include <QString>
#include <QStringList>

class AppSettings;

// The app's single inference engine and the model it holds, plus the list of models on disk.
// QML and C++ (the chat controller) share one instance: instance() / create(). Tests construct their own
// with their own AppSettings.
//
// The settings decide where models live (modelsFolder, then extraModelFolders) and how they are loaded
// (threads, context size, KV cache type, template family). Loading runs on the engine's worker thread;
// progress and the result arrive as signals, so the GUI never blocks. One model at a time: load() of another
// model replaces the current one.
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
    // general.name, else the file name without ".gguf", for titles and the chat status line.
    Q_PROPERTY(QString modelName READ modelName NOTIFY modelChanged)
    // 0..1 while loading, 1 when loaded.
    Q_PROPERTY(double loadProgress READ loadProgress NOTIFY loadProgressChanged)
    // Bytes of RAM the loaded model needs (weights + KV cache + working buffers, the engine's estimate);
    // also set when a load was refused for lack of memory. 0 otherwise.
    Q_PROPERTY(qint64 ramEstimate READ ramEstimate NOTIFY ramEstimateChanged)
    // The engine's description of the loaded model (context in use, KV cache bytes, template family).
    Q_PROPERTY(hearth::ModelInfo modelInfo READ modelInfo NOTIFY modelChanged)
    // The last load failure, "FILE: problem"; cleared by the next load().
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorStringChanged)
    // Where imports and downloads go (created on demand): the settings' models folder.
    Q_PROPERTY(QString modelsFolder READ modelsFolder NOTIFY foldersChanged)
    // The models folder, then the folders the user added.
    Q_PROPERTY(QStringList folders READ folders NOTIFY foldersChanged)
    // Every GGUF file in those folders (rescanned when they change, and on refresh()).
    Q_PROPERTY(ModelListModel *models READ models CONSTANT)
    // A dropped or chosen file being copied into the models folder; empty when none.
    Q_PROPERTY(QString importing READ importing NOTIFY importingChanged)

public:
    enum class State {
        Unloaded,
        Loading,
        Loaded,
        Failed,
    };
    Q_ENUM(State)

    explicit ModelManager(AppSettings *settings, QObject *parent = nullptr);
    ~ModelManager() override;

    // The application's manager, on AppSettings::instance().
    static ModelManager *instance();
    static ModelManager *create(QQmlEngine *qmlEngine, QJSEngine *jsEngine);

    // The engine the chat controller generates with; valid for the manager's lifetime (never null).
    hearth::ChatEngine *engine() const;
    AppSettings *settings() const;

    State state() const;
    bool isLoaded() const;
    bool isBusy() const;
    QString modelPath() const;
    QString modelName() const;
    double loadProgress() const;
    qint64 ramEstimate() const;
    hearth::ModelInfo modelInfo() const;
    QString errorString() const;
    QString modelsFolder() const;
    QStringList folders() const;
    ModelListModel *models() const;
    QString importing() const;

    // What the next load() passes to the engine, from the settings.
    hearth::LoadParams loadParams() const;

    // True when `path` lies inside one of the folders (symlinks resolved): the only files removeModel()
    // deletes.
    Q_INVOKABLE bool isInModelFolders(const QString &path) const;

    // Starts loading `path` (a GGUF file, or a file:// URL), replacing the current model. Progress:
    // loadProgressChanged; the end: modelLoaded() or loadFailed(message).
    Q_INVOKABLE void load(const QString &path);
    // Releases the model (and its RAM); a load in progress is abandoned.
    Q_INVOKABLE void unload();
    // Adds a folder (a path or a file:// URL) to the settings' extra folders; it is scanned at once.
    Q_INVOKABLE void addFolder(const QString &folderOrUrl);
    Q_INVOKABLE void removeFolder(const QString &folder);
    // Deletes a model file (after the page asked for confirmation); unloads it first when loaded. Refuses
    // files outside the folders. Returns an empty string, or the message saying why not.
    Q_INVOKABLE QString removeModel(const QString &path);
    // Rescans all folders (after an import, a download or a quantization wrote a file).
    Q_INVOKABLE void refresh();
    // Copies GGUF files (paths or file:// URLs) into the models folder, one after the other, so the original
    // can move or go; a copy is written under a temporary name and renamed when complete. Files that are not
    // usable models (not GGUF, truncated) are refused with importFailed("FILE: problem"); folders are added
    // with addFolder() instead, as they are.
    Q_INVOKABLE void importModels(const QStringList &pathsOrUrls);

    // "file:///a/b.gguf" or "/a/b.gguf" -> "/a/b.gguf" (QML hands over URLs from dialogs and drops).
    static QString localPath(const QString &pathOrUrl);

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
    void importingChanged();
    void importFinished(const QString &path); // the copy in the models folder
    void importFailed(const QString &message);

private:
    QCoro::Task<void> loadModel(QString path, hearth::LoadParams params, quint64 generation);
    void setState(State state);
    void setProgress(double progress);
    void setRamEstimate(qint64 bytes);
    void setErrorString(const QString &message);
    void setModel(const QString &path, const hearth::ModelInfo &info);
    void updateFolders();
    QCoro::Task<void> importNext();
    void setImporting(const QString &name);

    QPointer<AppSettings> m_settings;
    hearth::ChatEngine *m_engine; // child
    ModelListModel *m_models; // child
    quint64 m_loadGeneration = 0; // a load finishing after unload() or a newer load() is ignored
    State m_state = State::Unloaded;
    QString m_modelPath;
    hearth::ModelInfo m_modelInfo;
    double m_progress = 0.0;
    qint64 m_ramEstimate = 0;
    QString m_errorString;
    QStringList m_importQueue;
    QString m_importing;
};
