// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls as QQC2
import QtQuick.Layouts
import org.kde.kirigami as Kirigami
import org.hearthapp.hearth

// Below the model list: which folders were searched, with a way to stop using a folder the user added.
ColumnLayout {
    spacing: 0

    Kirigami.ListSectionHeader {
        Layout.fillWidth: true
        text: i18nc("@title:group", "Folders")
    }

    Repeater {
        model: ModelManager.folders

        delegate: RowLayout {
            id: folderRow

            required property string modelData
            required property int index

            Layout.fillWidth: true
            Layout.leftMargin: Kirigami.Units.largeSpacing
            Layout.rightMargin: Kirigami.Units.largeSpacing

            Kirigami.Icon {
                Layout.preferredWidth: Kirigami.Units.iconSizes.small
                Layout.preferredHeight: Kirigami.Units.iconSizes.small
                source: "folder"
            }
            QQC2.Label {
                Layout.fillWidth: true
                text: folderRow.index === 0 ? i18nc("@info the main models folder", "%1 (models folder)", folderRow.modelData) : folderRow.modelData
                elide: Text.ElideMiddle
            }
            QQC2.ToolButton {
                visible: folderRow.index > 0
                icon.name: "list-remove"
                text: i18nc("@action:button", "Stop Using This Folder")
                display: QQC2.AbstractButton.IconOnly
                QQC2.ToolTip.text: text
                QQC2.ToolTip.visible: hovered
                QQC2.ToolTip.delay: Kirigami.Units.toolTipDelay
                onClicked: ModelManager.removeFolder(folderRow.modelData)
            }
        }
    }
}
