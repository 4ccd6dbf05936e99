// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls as QQC2
import QtQuick.Layouts
import org.kde.coreaddons as KCoreAddons
import org.kde.kirigami as Kirigami
import org.hearthapp.hearth

// One model file of ModelManager.models: what it is, and load / unload / delete.
QQC2.ItemDelegate {
    id: row

    required property int index
    required property string path
    required property string name
    required property string folder
    required property string architecture
    required property string parameterText
    required property string quantization
    required property string fileSizeText
    required property var contextLength
    required property string templateText
    required property string error

    readonly property bool current: ModelManager.modelPath === path
    readonly property bool loading: current && ModelManager.state === ModelManager.Loading
    readonly property bool loaded: current && ModelManager.state === ModelManager.Loaded

    signal deleteRequested(string path, string fileName)

    objectName: "model-" + name
    hoverEnabled: true
    highlighted: loaded
    down: false

    // Facts first, the way people compare models: size class, quantization, file size, context.
    readonly property string facts: error.length > 0 ? ""
        : [architecture.length > 0 ? architecture : i18nc("@info unknown architecture", "unknown architecture"),
           i18nc("@info model size", "%1 parameters", parameterText),
           quantization,
           fileSizeText,
           contextLength > 0 ? i18nc("@info", "context %1", contextLength) : "",
           i18nc("@info chat template family", "template: %1", templateText)].filter(s => s.length > 0).join(" · ")

    contentItem: RowLayout {
        spacing: Kirigami.Units.largeSpacing

        Kirigami.Icon {
            Layout.preferredWidth: Kirigami.Units.iconSizes.medium
            Layout.preferredHeight: Kirigami.Units.iconSizes.medium
            Layout.alignment: Qt.AlignTop
            source: row.error.length > 0 ? "dialog-warning" : (row.loaded ? "media-playback-start" : "cpu")
        }

        ColumnLayout {
            Layout.fillWidth: true
            spacing: Kirigami.Units.smallSpacing

            QQC2.Label {
                Layout.fillWidth: true
                text: row.name
                font.bold: true
                elide: Text.ElideRight
            }
            QQC2.Label {
                Layout.fillWidth: true
                visible: row.facts.length > 0
                text: row.facts
                wrapMode: Text.Wrap
                opacity: 0.8
            }
            QQC2.Label {
                objectName: "modelError"
                Layout.fillWidth: true
                visible: row.error.length > 0
                text: row.error
                color: row.highlighted ? Kirigami.Theme.highlightedTextColor : Kirigami.Theme.negativeTextColor
                wrapMode: Text.Wrap
            }
            QQC2.Label {
                Layout.fillWidth: true
                text: row.folder
                elide: Text.ElideMiddle
                font: Kirigami.Theme.smallFont
                opacity: 0.6
            }
            ThemedProgressBar {
                objectName: "loadProgress"
                Layout.fillWidth: true
                visible: row.loading
                value: ModelManager.loadProgress
            }
            QQC2.Label {
                objectName: "ramEstimate"
                Layout.fillWidth: true
                visible: row.loaded && ModelManager.ramEstimate > 0
                text: i18nc("@info memory use, context tokens",
                            "Loaded: uses about %1 of memory with a context of %2 tokens",
                            KCoreAddons.Format.formatByteSize(ModelManager.ramEstimate, 1), ModelManager.modelInfo.contextSize)
                wrapMode: Text.Wrap
                font.bold: true
            }
        }

        QQC2.Button {
            objectName: "loadButton"
            Layout.alignment: Qt.AlignTop
            visible: row.error.length === 0
            enabled: !row.loading
            text: row.current && !row.loading ? i18nc("@action:button", "Unload") : i18nc("@action:button", "Load")
            icon.name: row.current && !row.loading ? "media-eject" : "media-playback-start"
            onClicked: row.current ? ModelManager.unload() : ModelManager.load(row.path)
        }
        QQC2.ToolButton {
            objectName: "deleteButton"
            Layout.alignment: Qt.AlignTop
            icon.name: "edit-delete"
            text: i18nc("@action:button", "Delete")
            display: QQC2.AbstractButton.IconOnly
            QQC2.ToolTip.text: text
            QQC2.ToolTip.visible: hovered
            QQC2.ToolTip.delay: Kirigami.Units.toolTipDelay
            onClicked: row.deleteRequested(row.path, row.path.substring(row.path.lastIndexOf("/") + 1))
        }
    }
}
