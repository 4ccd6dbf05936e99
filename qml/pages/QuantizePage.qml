// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls as QQC2
import QtQuick.Dialogs
import QtQuick.Layouts
import org.kde.kirigami as Kirigami
import org.hearthapp.hearth

// The Quantize wizard: drop a model, choose a type, watch it run, read the report. The result is written
// into the models folder and appears under Models.
Kirigami.ScrollablePage {
    id: page

    objectName: "quantizePage"
    title: i18nc("@title", "Quantize")

    readonly property QuantizeWizard wizard: quantizeWizard

    QuantizeWizard {
        id: quantizeWizard

        outputFolder: ModelManager.modelsFolder
        onFinished: path => ModelManager.refresh()
    }

    actions: [
        Kirigami.Action {
            text: i18nc("@action:button", "Start Over")
            icon.name: "edit-clear-history"
            visible: quantizeWizard.step === QuantizeWizard.Target || quantizeWizard.step === QuantizeWizard.Report
            onTriggered: quantizeWizard.reset()
        }
    ]

    header: Kirigami.InlineMessage {
        objectName: "quantizeError"
        position: Kirigami.InlineMessage.Position.Header
        visible: quantizeWizard.errorString.length > 0
        type: Kirigami.MessageType.Error
        text: quantizeWizard.errorString
    }

    ColumnLayout {
        spacing: Kirigami.Units.largeSpacing

        QuantizeSourceStep {
            Layout.fillWidth: true
            Layout.preferredHeight: page.height - Kirigami.Units.gridUnit * 6
            visible: quantizeWizard.step === QuantizeWizard.Source
            wizard: quantizeWizard
            onChooseFile: fileDialog.open()
            onChooseFolder: folderDialog.open()
        }

        QuantizeTargetStep {
            Layout.fillWidth: true
            visible: quantizeWizard.step === QuantizeWizard.Target
            wizard: quantizeWizard
            onChooseText: textDialog.open()
        }

        QuantizeRunningStep {
            Layout.fillWidth: true
            visible: quantizeWizard.step === QuantizeWizard.Running
            wizard: quantizeWizard
        }

        QuantizeReportStep {
            Layout.fillWidth: true
            visible: quantizeWizard.step === QuantizeWizard.Report
            wizard: quantizeWizard
            onShowModels: applicationWindow().showPage("models")
        }
    }

    FileDialog {
        id: fileDialog

        title: i18nc("@title:window", "Choose a Model to Quantize")
        nameFilters: [i18nc("@item:inlistbox", "GGUF models (*.gguf)"), i18nc("@item:inlistbox", "All files (*)")]
        onAccepted: quantizeWizard.setSource(selectedFile.toString())
    }

    FileDialog {
        id: textDialog

        title: i18nc("@title:window", "Choose a Text to Measure Perplexity On")
        nameFilters: [i18nc("@item:inlistbox", "Text files (*.txt *.md)"), i18nc("@item:inlistbox", "All files (*)")]
        onAccepted: quantizeWizard.perplexityText = selectedFile.toString()
    }

    FolderDialog {
        id: folderDialog

        title: i18nc("@title:window", "Choose a Hugging Face Model Folder")
        onAccepted: quantizeWizard.setSource(selectedFolder.toString())
    }
}
