// SPDX-License-Identifier: GPL-3.0-or-later
#include "ModelManager.h"

#include "AppSettings.h"
#include "ModelFileInfo.h"
#include "ModelListModel.h"
#include "hearthui_logging.h"

#include <KLocalizedString>
#include <QCoreApplication>
#include <QCoroFuture>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QUrl>
#include <QtConcurrentRun>

using namespace Qt::StringLiterals;

namespace
{
struct ImportResult {
    QString path; // the copy
    QString error;
};

// Checks that `source` is a usable model and copies it into `folder` (QSaveFile: a temporary file renamed
// when complete, so a full disk or a crash never leaves a partial model that looks finished).
ImportResult copyModel(const QString &source, const QString &folder)
{
    const QFileInfo from(source);
    const ModelFileInfo info = ModelFileInfo::read(source);
    if (!info.isValid()) {
        return {{}, info.error};
    }
    QString name = from.fileName();
    if (!name.endsWith(u".gguf"_s, Qt::CaseInsensitive)) {
        name += u".gguf"_s;
    }
    const QString target = QDir(folder).filePath(name);
    if (from.canonicalFilePath() == QFileInfo(target).canonicalFilePath()) {
        return {{}, i18n("%1 is already in the models folder.", from.fileName())};
    }
    if (QFileInfo::exists(target)) {
        return {{}, i18n("%1: the models folder already has a file of that name.", from.fileName())};
    }
    if (!QDir().mkpath(folder)) {
        return {{}, i18n("Could not create the models folder %1.", folder)};
    }
    QFile in(source);
    if (!in.open(QIODevice::ReadOnly)) {
        return {{}, i18n("Could not read %1: %2", from.fileName(), in.errorString())};
    }
    QSaveFile out(target);
    if (!out.open(QIODevice::WriteOnly)) {
        return {{}, i18n("Could not write %1: %2", target, out.errorString())};
    }
    QByteArray buffer;
    while (!(buffer = in.read(4 << 20)).isEmpty()) {
        if (out.write(buffer) != buffer.size()) {
            break; // reported by commit() below
        }
    }
    if (in.error() != QFileDevice::NoError) {
        out.cancelWriting();
        return {{}, i18n("Could not read %1: %2", from.fileName(), in.errorString())};
    }
    if (!out.commit()) {
        return {{}, i18n("Could not copy %1 into the models folder: %2", from.fileName(), out.errorString())};
    }
    return {target, {}};
}
}

ModelManager::ModelManager(AppSettings *settings, QObject *parent)
    : QObject(parent)
    , m_settings(settings)
    , m_engine(new hearth::ChatEngine(this))
    , m_models(new ModelListModel(this))
{
    Q_ASSERT(settings);
    connect(m_engine, &hearth::ChatEngine::loadProgress, this, [this](double fraction) {
        if (m_state == State::Loading) {
            setProgress(fraction);
        }
    });
    connect(settings, &AppSettings::modelsFolderChanged, this, &ModelManager::updateFolders);
    connect(settings, &AppSettings::extraModelFoldersChanged, this, &ModelManager::updateFolders);
    updateFolders();
}

ModelManager::~ModelManager() = default;

ModelManager *ModelManager::instance()
{
    static QPointer<ModelManager> manager;
    if (!manager) {
        manager = new ModelManager(AppSettings::instance());
        // Deleted first thing in QCoreApplication's destructor (post routines run before Qt takes anything
        // down): the engine's thread is stopped and joined, the model released and a reply in flight saved
        // by the chat controller (a child) while the application is still whole.
        qAddPostRoutine([] {
            delete manager;
        });
    }
    return manager;
}

ModelManager *ModelManager::create(QQmlEngine *qmlEngine, QJSEngine *jsEngine)
{
    Q_UNUSED(qmlEngine)
    Q_UNUSED(jsEngine)
    ModelManager *manager = instance();
    QJSEngine::setObjectOwnership(manager, QJSEngine::CppOwnership);
    return manager;
}

hearth::ChatEngine *ModelManager::engine() const
{
    return m_engine;
}

AppSettings *ModelManager::settings() const
{
    return m_settings;
}

ModelManager::State ModelManager::state() const
{
    return m_state;
}

bool ModelManager::isLoaded() const
{
    return m_state == State::Loaded;
}

bool ModelManager::isBusy() const
{
    return m_state == State::Loading;
}

QString ModelManager::modelPath() const
{
    return m_modelPath;
}

QString ModelManager::modelName() const
{
    if (!m_modelInfo.name.isEmpty()) {
        return m_modelInfo.name;
    }
    return m_modelPath.isEmpty() ? QString() : QFileInfo(m_modelPath).completeBaseName();
}

double ModelManager::loadProgress() const
{
    return m_progress;
}

qint64 ModelManager::ramEstimate() const
{
    return m_ramEstimate;
}

hearth::ModelInfo ModelManager::modelInfo() const
{
    return m_modelInfo;
}

QString ModelManager::errorString() const
{
    return m_errorString;
}

QString ModelManager::modelsFolder() const
{
    return m_settings ? m_settings->modelsFolder() : QString();
}

QStringList ModelManager::folders() const
{
    return m_models->folders();
}

ModelListModel *ModelManager::models() const
{
    return m_models;
}

hearth::LoadParams ModelManager::loadParams() const
{
    hearth::LoadParams params;
    if (!m_settings) {
        return params;
    }
    params.threads = m_settings->threads();
    params.contextSize = m_settings->contextSize();
    switch (m_settings->kvCacheType()) {
    case AppSettings::KvCacheType::F32:
        params.kvType = u"f32"_s;
        break;
    case AppSettings::KvCacheType::F16:
        params.kvType = u"f16"_s;
        break;
    case AppSettings::KvCacheType::Q8_0:
        params.kvType = u"q8_0"_s;
        break;
    }
    params.templateFamily = m_settings->templateFamily();
    return params;
}

QString ModelManager::localPath(const QString &pathOrUrl)
{
    const QUrl url(pathOrUrl);
    return url.isLocalFile() ? url.toLocalFile() : pathOrUrl;
}

bool ModelManager::isInModelFolders(const QString &path) const
{
    const QString file = QFileInfo(localPath(path)).canonicalFilePath();
    if (file.isEmpty()) {
        return false;
    }
    for (const QString &folder : folders()) {
        const QString canonical = QFileInfo(folder).canonicalFilePath();
        if (!canonical.isEmpty() && file.startsWith(canonical + QLatin1Char('/'))) {
            return true;
        }
    }
    return false;
}

void ModelManager::load(const QString &path)
{
    const QString file = QFileInfo(localPath(path)).absoluteFilePath();
    const quint64 generation = ++m_loadGeneration;
    setErrorString({});
    setRamEstimate(0);
    setProgress(0.0);
    setModel(file, {});
    setState(State::Loading);
    loadModel(file, loadParams(), generation);
}

QCoro::Task<void> ModelManager::loadModel(QString path, hearth::LoadParams params, quint64 generation)
{
    const QPointer<ModelManager> self(this);
    const hearth::LoadResult result = co_await m_engine->load(path, params);
    if (!self || generation != m_loadGeneration) {
        co_return; // destroyed, unloaded or superseded meanwhile
    }
    setRamEstimate(result.model.estimatedBytes);
    if (!result.ok()) {
        qCWarning(HEARTH_UI) << "loading" << path << "failed:" << result.error;
        setModel({}, {});
        setProgress(0.0);
        setErrorString(result.error);
        setState(State::Failed);
        Q_EMIT loadFailed(result.error);
        co_return;
    }
    setModel(path, result.model);
    setProgress(1.0);
    setState(State::Loaded);
    if (m_settings) {
        m_settings->setLastModel(path);
    }
    Q_EMIT modelLoaded(path);
}

void ModelManager::unload()
{
    ++m_loadGeneration;
    const bool hadModel = m_state == State::Loaded || m_state == State::Loading;
    m_engine->unload();
    setModel({}, {});
    setProgress(0.0);
    setRamEstimate(0);
    setState(State::Unloaded);
    if (hadModel) {
        // Unloaded on purpose: do not load it again at the next start.
        if (m_settings) {
            m_settings->setLastModel({});
        }
        Q_EMIT modelUnloaded();
    }
}

void ModelManager::addFolder(const QString &folderOrUrl)
{
    const QString folder = QDir::cleanPath(QFileInfo(localPath(folderOrUrl)).absoluteFilePath());
    if (!m_settings || !QFileInfo(folder).isDir() || folders().contains(folder)) {
        return;
    }
    m_settings->setExtraModelFolders(m_settings->extraModelFolders() << folder);
}

void ModelManager::removeFolder(const QString &folder)
{
    if (!m_settings) {
        return;
    }
    QStringList extra = m_settings->extraModelFolders();
    if (extra.removeAll(QDir::cleanPath(localPath(folder))) > 0) {
        m_settings->setExtraModelFolders(extra);
    }
}

QString ModelManager::removeModel(const QString &path)
{
    const QString file = QFileInfo(localPath(path)).absoluteFilePath();
    const QString name = QFileInfo(file).fileName();
    if (!isInModelFolders(file)) {
        return i18n("%1 is not in a models folder; Hearth deletes only files in its models folders.", name);
    }
    if (file == m_modelPath) {
        unload();
    }
    QFile model(file);
    if (!model.remove()) {
        return i18n("Could not delete %1: %2", name, model.errorString());
    }
    qCInfo(HEARTH_UI) << "deleted" << file;
    refresh();
    return {};
}

void ModelManager::refresh()
{
    m_models->refresh();
}

QString ModelManager::importing() const
{
    return m_importing;
}

void ModelManager::importModels(const QStringList &pathsOrUrls)
{
    for (const QString &pathOrUrl : pathsOrUrls) {
        const QFileInfo file(localPath(pathOrUrl));
        if (file.isDir()) {
            addFolder(file.absoluteFilePath());
        } else {
            m_importQueue.append(file.absoluteFilePath());
        }
    }
    if (m_importing.isEmpty() && !m_importQueue.isEmpty()) {
        importNext();
    }
}

QCoro::Task<void> ModelManager::importNext()
{
    const QPointer<ModelManager> self(this);
    while (!m_importQueue.isEmpty()) {
        const QString source = m_importQueue.takeFirst();
        setImporting(QFileInfo(source).fileName());
        const ImportResult result = co_await QtConcurrent::run(&copyModel, source, modelsFolder());
        if (!self) {
            co_return;
        }
        if (!result.error.isEmpty()) {
            qCInfo(HEARTH_UI) << "import refused:" << result.error;
            Q_EMIT importFailed(result.error);
            continue;
        }
        qCInfo(HEARTH_UI) << "imported" << source << "as" << result.path;
        refresh();
        Q_EMIT importFinished(result.path);
    }
    setImporting({});
}

void ModelManager::setImporting(const QString &name)
{
    if (m_importing != name) {
        m_importing = name;
        Q_EMIT importingChanged();
    }
}

void ModelManager::setState(State state)
{
    if (m_state != state) {
        m_state = state;
        Q_EMIT stateChanged();
    }
}

void ModelManager::setProgress(double progress)
{
    if (m_progress != progress) {
        m_progress = progress;
        Q_EMIT loadProgressChanged();
    }
}

void ModelManager::setRamEstimate(qint64 bytes)
{
    if (m_ramEstimate != bytes) {
        m_ramEstimate = bytes;
        Q_EMIT ramEstimateChanged();
    }
}

void ModelManager::setErrorString(const QString &message)
{
    if (m_errorString != message) {
        m_errorString = message;
        Q_EMIT errorStringChanged();
    }
}

void ModelManager::setModel(const QString &path, const hearth::ModelInfo &info)
{
    m_modelPath = path;
    m_modelInfo = info;
    Q_EMIT modelChanged();
}

void ModelManager::updateFolders()
{
    if (m_settings) {
        m_models->setFolders(m_settings->allModelFolders());
    }
    Q_EMIT foldersChanged();
}
