// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ModelFileInfo.h"

#include <QAbstractListModel>
#include <QCoroTask>
#include <QList>
#include <QQmlEngine>
#include <QStringList>

// The GGUF files in a set of folders (and their subfolders), with what the Models page shows about each.
// Files that cannot be used (not GGUF, truncated) stay listed with their error, so the user sees why.
// Scanning reads only headers and runs off the GUI thread; the list is replaced when a scan finishes.
class ModelListModel : public QAbstractListModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("ModelManager.models is the list")

    Q_PROPERTY(QStringList folders READ folders WRITE setFolders NOTIFY foldersChanged)
    Q_PROPERTY(bool scanning READ isScanning NOTIFY scanningChanged)
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

public:
    enum Role {
        PathRole = Qt::UserRole + 1,
        FileNameRole,
        NameRole,
        FolderRole,
        ArchitectureRole,
        ParameterCountRole,
        ParameterTextRole, // "1.1B"
        QuantizationRole,
        FileSizeRole,
        FileSizeTextRole, // "638 MB"
        ContextLengthRole,
        TemplateFamilyRole, // "llama3"; empty when none or not recognised
        TemplateTextRole, // what the page prints: "Llama 3", "none", "not recognised (ChatML)"
        ErrorRole, // empty for usable files
    };
    Q_ENUM(Role)

    explicit ModelListModel(QObject *parent = nullptr);
    ~ModelListModel() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    QStringList folders() const;
    void setFolders(const QStringList &folders);
    bool isScanning() const;

    const ModelFileInfo &at(int row) const;
    Q_INVOKABLE int indexOfPath(const QString &path) const; // -1 when not listed

    // Rescans every folder; scanFinished() follows. A scan started while one runs supersedes it.
    Q_INVOKABLE void refresh();

    // The scan itself, synchronous; sorted by name, then path. For the worker thread and tests.
    static QList<ModelFileInfo> scanFolders(const QStringList &folders);

Q_SIGNALS:
    void foldersChanged();
    void scanningChanged();
    void countChanged();
    void scanFinished();

private:
    QCoro::Task<void> scan();

    QStringList m_folders;
    QList<ModelFileInfo> m_models;
    bool m_scanning = false;
    quint64 m_generation = 0; // scans finishing after a newer one started are dropped
};
