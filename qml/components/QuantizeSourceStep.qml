// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls as QQC2
import QtQuick.Layouts
import org.kde.kirigami as Kirigami
import org.hearthapp.hearth

// Step 1: a drop target for a GGUF file or a Hugging Face folder, and buttons for the file dialogs.
Item {
    id: step

    required property QuantizeWizard wizard

    signal chooseFile()
    signal chooseFolder()

    implicitHeight: placeholder.implicitHeight + Kirigami.Units.gridUnit * 4

    DropArea {
        id: dropArea

        objectName: "quantizeDropArea"
        anchors.fill: parent
        keys: ["text/uri-list"]
        onDropped: drop => {
            if (drop.hasUrls) {
                step.wizard.setSource(drop.urls[0].toString());
                drop.acceptProposedAction();
            }
        }
    }

    Rectangle {
        anchors.fill: parent
        anchors.margins: Kirigami.Units.gridUnit
        color: dropArea.containsDrag ? Qt.alpha(Kirigami.Theme.highlightColor, 0.15) : "transparent"
        border.color: dropArea.containsDrag ? Kirigami.Theme.highlightColor : Kirigami.ColorUtils.linearInterpolation(Kirigami.Theme.backgroundColor, Kirigami.Theme.textColor, 0.25)
        border.width: 2
        radius: Kirigami.Units.cornerRadius
    }

    Kirigami.PlaceholderMessage {
        id: placeholder

        anchors.centerIn: parent
        width: parent.width - Kirigami.Units.gridUnit * 6
        icon.name: "archive-insert"
        text: step.wizard.inspecting ? i18nc("@info:placeholder", "Reading the model…") : i18nc("@info:placeholder", "Make a model smaller and faster")
        explanation: i18nc("@info:placeholder", "Drop a GGUF file (F32, F16 or BF16) or a Hugging Face model folder (config.json with .safetensors files) here. The quantized copy goes into the models folder; the original is not changed.")

        RowLayout {
            Layout.alignment: Qt.AlignHCenter
            spacing: Kirigami.Units.largeSpacing
            enabled: !step.wizard.inspecting

            QQC2.Button {
                text: i18nc("@action:button", "Choose File…")
                icon.name: "document-open"
                onClicked: step.chooseFile()
            }
            QQC2.Button {
                text: i18nc("@action:button", "Choose Folder…")
                icon.name: "folder-open"
                onClicked: step.chooseFolder()
            }
        }
        QQC2.BusyIndicator {
            Layout.alignment: Qt.AlignHCenter
            visible: step.wizard.inspecting
            running: visible
        }
    }
}
