// SPDX-License-Identifier: GPL-3.0-or-later
#include "ModelListModel.h"

#include "hearthui_logging.h"
#include "util/TemporaryFiles.h"

#include <KFormat>
#include <KLocalizedString>
#include <QCoroFuture>
#include <QCoroTask>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QPointer>
#include <QSet>
#include <QtConcurrentRun>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace
{
QString templateText(const ModelFileInfo &info)
{
    if (!info.hasTemplate) {
        return i18nc("@info chat template family", "none (continues text)");
    }
    if (info.templateFamily.isEmpty()) {
        return i18nc("@info chat template family", "not recognised (ChatML)");
    }
    static const QHash<QString, QString> names{
        {u"chatml"_s, u"ChatML"_s},   {u"zephyr"_s, u"Zephyr"_s}, {u"llama2"_s, u"Llama 2"_s},
        {u"llama3"_s, u"Llama 3"_s},  {u"mistral"_s, u"Mistral"_s}, {u"phi3"_s, u"Phi-3"_s},
        {u"gemma"_s, u"Gemma"_s},     {u"deepseek"_s, u"DeepSeek"_s},
    };
    return names.value(info.templateFamily, info.templateFamily);
}
}

ModelListModel::ModelListModel(QObject *parent)
    : QAbstractListModel(parent)
{
}

ModelListModel::~ModelListModel() = default;

int ModelListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_models.size());
}

QVariant ModelListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const ModelFileInfo &info = m_models.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case NameRole:
        return info.name.isEmpty() ? info.fileName : info.name;
    case PathRole:
        return info.path;
    case FileNameRole:
        return info.fileName;
    case FolderRole:
        return QFileInfo(info.path).absolutePath();
    case ArchitectureRole:
        return info.architecture;
    case ParameterCountRole:
        return info.parameterCount;
    case ParameterTextRole:
        return info.isValid() ? ModelFileInfo::formatParameterCount(info.parameterCount) : QString();
    case QuantizationRole:
        return info.quantization;
    case FileSizeRole:
        return info.fileSize;
    case FileSizeTextRole:
        return KFormat().formatByteSize(double(info.fileSize), 1); // the dialect the QML pages use too
    case ContextLengthRole:
        return info.contextLength;
    case TemplateFamilyRole:
        return info.templateFamily;
    case TemplateTextRole:
        return info.isValid() ? templateText(info) : QString();
    case ErrorRole:
        return info.error;
    default:
        return {};
    }
}

QHash<int, QByteArray> ModelListModel::roleNames() const
{
    return {
        {PathRole, "path"},
        {FileNameRole, "fileName"},
        {NameRole, "name"},
        {FolderRole, "folder"},
        {ArchitectureRole, "architecture"},
        {ParameterCountRole, "parameterCount"},
        {ParameterTextRole, "parameterText"},
        {QuantizationRole, "quantization"},
        {FileSizeRole, "fileSize"},
        {FileSizeTextRole, "fileSizeText"},
        {ContextLengthRole, "contextLength"},
        {TemplateFamilyRole, "templateFamily"},
        {TemplateTextRole, "templateText"},
        {ErrorRole, "error"},
    };
}

QStringList ModelListModel::folders() const
{
    return m_folders;
}

void ModelListModel::setFolders(const QStringList &folders)
{
    if (m_folders == folders) {
        return;
    }
    m_folders = folders;
    Q_EMIT foldersChanged();
    refresh();
}

bool ModelListModel::isScanning() const
{
    return m_scanning;
}

const ModelFileInfo &ModelListModel::at(int row) const
{
    return m_models.at(row);
}

int ModelListModel::indexOfPath(const QString &path) const
{
    const QString wanted = QFileInfo(path).absoluteFilePath();
    const auto it = std::find_if(m_models.cbegin(), m_models.cend(), [&](const ModelFileInfo &info) {
        return info.path == wanted;
    });
    return it == m_models.cend() ? -1 : int(it - m_models.cbegin());
}

void ModelListModel::refresh()
{
    scan();
}

QList<ModelFileInfo> ModelListModel::scanFolders(const QStringList &folders)
{
    QList<ModelFileInfo> found;
    QSet<QString> seen; // a folder inside another, or the same folder added twice, lists a file once
    for (const QString &folder : folders) {
        if (folder.isEmpty()) {
            continue;
        }
        // What a quantization (GgufWriter) killed mid-write left behind.
        for (const std::string &stale : hearth::TemporaryFiles::removeStale(QFile::encodeName(folder).toStdString())) {
            qCInfo(HEARTH_UI) << "removed the stale temporary file" << QFile::decodeName(stale.c_str());
        }
        QDirIterator it(folder, {u"*.gguf"_s}, QDir::Files | QDir::Readable, QDirIterator::Subdirectories | QDirIterator::FollowSymlinks);
        while (it.hasNext()) {
            const QString path = QFileInfo(it.next()).canonicalFilePath();
            if (path.isEmpty() || seen.contains(path)) {
                continue;
            }
            seen.insert(path);
            found.append(ModelFileInfo::read(path));
        }
    }
    std::sort(found.begin(), found.end(), [](const ModelFileInfo &a, const ModelFileInfo &b) {
        const int byName = QString::localeAwareCompare(a.name.isEmpty() ? a.fileName : a.name, b.name.isEmpty() ? b.fileName : b.name);
        return byName != 0 ? byName < 0 : a.path < b.path;
    });
    return found;
}

QCoro::Task<void> ModelListModel::scan()
{
    const quint64 generation = ++m_generation;
    if (!m_scanning) {
        m_scanning = true;
        Q_EMIT scanningChanged();
    }
    const QPointer<ModelListModel> self(this);
    const QStringList folders = m_folders;
    QList<ModelFileInfo> models = co_await QtConcurrent::run(&ModelListModel::scanFolders, folders);
    if (!self || generation != m_generation) {
        co_return; // destroyed meanwhile, or a newer scan owns the result
    }
    qCDebug(HEARTH_UI) << "found" << models.size() << "models in" << folders;
    const bool countChanges = models.size() != m_models.size();
    beginResetModel();
    m_models = std::move(models);
    endResetModel();
    if (countChanges) {
        Q_EMIT countChanged();
    }
    m_scanning = false;
    Q_EMIT scanningChanged();
    Q_EMIT scanFinished();
}
