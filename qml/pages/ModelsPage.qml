// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls as QQC2
import QtQuick.Dialogs
import QtQuick.Layouts
import org.kde.coreaddons as KCoreAddons
import org.kde.kirigami as Kirigami
import org.hearthapp.hearth

// The models on this computer: the models folder and the folders the user added. Load, unload, delete;
// add by drag and drop or a file dialog (files are copied into the models folder), or download by URL.
Kirigami.ScrollablePage {
    id: page

    objectName: "modelsPage"
    title: i18nc("@title", "Models")

    // The last thing that went wrong or right outside a row (a refused drop, a finished download).
    property string message
    property int messageType: Kirigami.MessageType.Information

    function showMessage(text: string, type: int): void {
        message = text;
        messageType = type;
    }

    actions: [
        Kirigami.Action {
            objectName: "addFileAction"
            text: i18nc("@action:button", "Add File…")
            tooltip: i18nc("@info:tooltip", "Copy a GGUF model file into the models folder")
            icon.name: "list-add"
            onTriggered: fileDialog.open()
        },
        Kirigami.Action {
            objectName: "downloadAction"
            text: i18nc("@action:button", "Download…")
            tooltip: i18nc("@info:tooltip", "Download a model by its address")
            icon.name: "download"
            enabled: !downloader.running
            onTriggered: downloadDialog.open()
        },
        Kirigami.Action {
            text: i18nc("@action:button", "Add Folder…")
            tooltip: i18nc("@info:tooltip", "Use the models in a folder where they are")
            icon.name: "folder-new"
            displayHint: Kirigami.DisplayHint.AlwaysHide
            onTriggered: folderDialog.open()
        },
        Kirigami.Action {
            text: i18nc("@action:button", "Refresh")
            icon.name: "view-refresh"
            displayHint: Kirigami.DisplayHint.AlwaysHide
            onTriggered: ModelManager.refresh()
        }
    ]

    header: ColumnLayout {
        spacing: 0

        Kirigami.InlineMessage {
            objectName: "modelsMessage"
            Layout.fillWidth: true
            Layout.margins: Kirigami.Units.smallSpacing
            visible: page.message.length > 0
            text: page.message
            type: page.messageType
            showCloseButton: true
            onVisibleChanged: if (!visible) page.message = ""
        }

        Kirigami.InlineMessage {
            Layout.fillWidth: true
            Layout.margins: Kirigami.Units.smallSpacing
            visible: ModelManager.state === ModelManager.Failed
            type: Kirigami.MessageType.Error
            text: ModelManager.errorString
        }

        ModelTransferBar {
            objectName: "importBar"
            Layout.fillWidth: true
            visible: ModelManager.importing.length > 0
            text: i18nc("@info", "Copying %1 into the models folder…", ModelManager.importing)
            progress: -1
        }

        ModelTransferBar {
            objectName: "downloadBar"
            Layout.fillWidth: true
            visible: downloader.running
            text: downloader.state === ModelDownloader.Verifying
                  ? i18nc("@info", "Checking %1…", downloader.fileName)
                  : downloader.bytesTotal > 0
                    ? i18nc("@info file, bytes done, bytes total", "Downloading %1: %2 of %3", downloader.fileName,
                            KCoreAddons.Format.formatByteSize(downloader.bytesReceived, 1),
                            KCoreAddons.Format.formatByteSize(downloader.bytesTotal, 1))
                    : i18nc("@info", "Downloading %1…", downloader.fileName)
            progress: downloader.state === ModelDownloader.Verifying ? -1 : downloader.progress
            cancelText: i18nc("@action:button", "Pause")
            cancelToolTip: i18nc("@info:tooltip", "Stop the download; starting it again later resumes where it stopped")
            onCancelled: downloader.cancel()
        }
    }

    ListView {
        id: list

        objectName: "modelList"
        model: ModelManager.models
        spacing: 0
        currentIndex: -1

        delegate: ModelListDelegate {
            width: ListView.view.width
            onDeleteRequested: (path, fileName) => {
                deleteDialog.path = path;
                deleteDialog.fileName = fileName;
                deleteDialog.open();
            }
        }

        // A model listed in a folder the user added can be removed from the list with its folder.
        footer: ModelFoldersFooter {
            width: ListView.view.width
            visible: list.count > 0
        }

        Kirigami.PlaceholderMessage {
            objectName: "modelsWelcome"
            parent: list
            anchors.centerIn: parent
            width: parent.width - Kirigami.Units.gridUnit * 4
            visible: list.count === 0 && !ModelManager.models.scanning
            icon.name: "cpu"
            text: App.requestedModel.length > 0
                  ? i18nc("@info:placeholder", "Model to open: %1", App.requestedModel)
                  : i18nc("@info:placeholder", "Welcome! Add a model to start chatting")
            explanation: i18nc("@info:placeholder %1 is a folder",
                               "Hearth runs GGUF models on this computer. Drop a .gguf file here (it is copied into %1), download one by its address, for example a Hugging Face “resolve” link, or add a folder that already holds models (they are used where they are).",
                               ModelManager.modelsFolder)
            helpfulAction: Kirigami.Action {
                text: i18nc("@action:button", "Download a Model…")
                icon.name: "download"
                onTriggered: downloadDialog.open()
            }
        }

        Kirigami.LoadingPlaceholder {
            parent: list
            anchors.centerIn: parent
            visible: list.count === 0 && ModelManager.models.scanning
        }

        DropArea {
            id: dropArea

            objectName: "modelsDropArea"
            parent: list
            anchors.fill: parent
            keys: ["text/uri-list"]
            onDropped: drop => {
                if (!drop.hasUrls) {
                    return;
                }
                page.message = "";
                ModelManager.importModels(drop.urls.map(url => url.toString()));
                drop.acceptProposedAction();
            }
        }

        Rectangle {
            parent: list
            anchors.fill: parent
            anchors.margins: Kirigami.Units.smallSpacing
            visible: dropArea.containsDrag
            color: Qt.alpha(Kirigami.Theme.highlightColor, 0.15)
            border.color: Kirigami.Theme.highlightColor
            border.width: 2
            radius: Kirigami.Units.cornerRadius

            Kirigami.Heading {
                anchors.centerIn: parent
                level: 2
                text: i18nc("@info drop target", "Drop to copy into the models folder")
            }
        }
    }

    Connections {
        target: ModelManager

        function onImportFailed(message: string): void {
            page.showMessage(message, Kirigami.MessageType.Error);
        }
        function onImportFinished(path: string): void {
            page.showMessage(i18nc("@info", "Added %1.", path.substring(path.lastIndexOf("/") + 1)), Kirigami.MessageType.Positive);
        }
    }

    ModelDownloader {
        id: downloader

        onFinished: path => {
            ModelManager.refresh();
            page.showMessage(i18nc("@info", "Downloaded %1.", downloader.fileName), Kirigami.MessageType.Positive);
        }
        onFailed: message => page.showMessage(message, Kirigami.MessageType.Error)
    }

    ModelDownloadDialog {
        id: downloadDialog

        onDownloadRequested: (url, sha256) => {
            page.message = "";
            downloader.start(url, ModelManager.modelsFolder, sha256);
        }
    }

    Kirigami.PromptDialog {
        id: deleteDialog

        property string path
        property string fileName

        objectName: "deleteDialog"
        title: i18nc("@title:dialog", "Delete %1?", fileName)
        subtitle: i18nc("@info", "The file is deleted from the disk. This cannot be undone.")
        standardButtons: Kirigami.Dialog.Cancel
        customFooterActions: [
            Kirigami.Action {
                text: i18nc("@action:button", "Delete")
                icon.name: "edit-delete"
                onTriggered: {
                    const error = ModelManager.removeModel(deleteDialog.path);
                    if (error.length > 0) {
                        page.showMessage(error, Kirigami.MessageType.Error);
                    }
                    deleteDialog.close();
                }
            }
        ]
    }

    FileDialog {
        id: fileDialog

        title: i18nc("@title:window", "Add Models")
        fileMode: FileDialog.OpenFiles
        nameFilters: [i18nc("@item:inlistbox", "GGUF models (*.gguf)"), i18nc("@item:inlistbox", "All files (*)")]
        onAccepted: ModelManager.importModels(selectedFiles.map(url => url.toString()))
    }

    FolderDialog {
        id: folderDialog

        title: i18nc("@title:window", "Add a Models Folder")
        onAccepted: ModelManager.addFolder(selectedFolder.toString())
    }
}
