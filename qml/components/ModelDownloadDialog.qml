// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls as QQC2
import QtQuick.Layouts
import org.kde.kirigami as Kirigami

// Asks for a model's address and, optionally, its SHA-256.
Kirigami.Dialog {
    id: dialog

    signal downloadRequested(string url, string sha256)

    objectName: "downloadDialog"
    title: i18nc("@title:dialog", "Download a Model")
    padding: Kirigami.Units.largeSpacing
    preferredWidth: Kirigami.Units.gridUnit * 30
    standardButtons: Kirigami.Dialog.Cancel

    customFooterActions: [
        Kirigami.Action {
            text: i18nc("@action:button", "Download")
            icon.name: "download"
            enabled: urlField.text.trim().length > 0
            onTriggered: {
                dialog.downloadRequested(urlField.text.trim(), hashField.text.trim());
                dialog.close();
            }
        }
    ]

    onOpened: urlField.forceActiveFocus()

    Kirigami.FormLayout {
        QQC2.TextField {
            id: urlField
            Kirigami.FormData.label: i18nc("@label:textbox", "Address:")
            Layout.fillWidth: true
            placeholderText: "https://huggingface.co/…/resolve/main/model.gguf"
        }
        QQC2.TextField {
            id: hashField
            Kirigami.FormData.label: i18nc("@label:textbox", "SHA-256 (optional):")
            Layout.fillWidth: true
            placeholderText: i18nc("@info:placeholder", "From the model's page; Hugging Face sends it anyway")
        }
        QQC2.Label {
            Layout.fillWidth: true
            Layout.maximumWidth: Kirigami.Units.gridUnit * 24
            wrapMode: Text.Wrap
            font: Kirigami.Theme.smallFont
            text: i18nc("@info", "The file is saved in the models folder and checked before it appears there. An interrupted download resumes where it stopped.")
        }
    }
}
