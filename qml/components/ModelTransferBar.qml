// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls as QQC2
import QtQuick.Layouts
import org.kde.kirigami as Kirigami

// A strip above a list showing a copy or a download in progress, with an optional cancel button.
QQC2.Control {
    id: bar

    property alias text: label.text
    property real progress: -1 // 0..1, or -1 while unknown
    property string cancelText
    property string cancelToolTip

    signal cancelled()

    padding: Kirigami.Units.largeSpacing

    background: Rectangle {
        color: Kirigami.Theme.alternateBackgroundColor
        Kirigami.Separator {
            anchors.left: parent.left
            anchors.right: parent.right
            anchors.bottom: parent.bottom
        }
    }

    contentItem: RowLayout {
        spacing: Kirigami.Units.largeSpacing

        ColumnLayout {
            Layout.fillWidth: true
            spacing: Kirigami.Units.smallSpacing

            QQC2.Label {
                id: label
                Layout.fillWidth: true
                elide: Text.ElideMiddle
            }
            ThemedProgressBar {
                Layout.fillWidth: true
                value: Math.max(0, bar.progress)
                indeterminate: bar.progress < 0
            }
        }

        QQC2.Button {
            visible: bar.cancelText.length > 0
            text: bar.cancelText
            icon.name: "media-playback-pause"
            QQC2.ToolTip.text: bar.cancelToolTip
            QQC2.ToolTip.visible: hovered && bar.cancelToolTip.length > 0
            QQC2.ToolTip.delay: Kirigami.Units.toolTipDelay
            onClicked: bar.cancelled()
        }
    }
}
