// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls as QQC2
import QtQuick.Layouts
import org.kde.kirigami as Kirigami

// One conversation in the sidebar: its title, the search snippet, and pin, rename and delete (with Undo).
QQC2.ItemDelegate {
    id: delegate

    required property var conversationId
    required property string title
    required property string snippet
    required property bool pinned
    // The list it belongs to (a ConversationListModel): pin and delete go through it.
    property var conversations
    // Shows "Conversation deleted" with Undo: the application window (showPassiveNotification()).
    property var notifier

    signal renameRequested(var conversationId, string title)

    contentItem: RowLayout {
        spacing: Kirigami.Units.smallSpacing
        ColumnLayout {
            Layout.fillWidth: true
            spacing: 0
            QQC2.Label {
                Layout.fillWidth: true
                text: delegate.title
                elide: Text.ElideRight
            }
            QQC2.Label {
                Layout.fillWidth: true
                visible: delegate.snippet.length > 0
                text: delegate.snippet
                textFormat: Text.StyledText
                wrapMode: Text.Wrap
                maximumLineCount: 2
                elide: Text.ElideRight
                font: Kirigami.Theme.smallFont
                opacity: 0.8
            }
        }
        QQC2.ToolButton {
            objectName: "pinButton"
            icon.name: delegate.pinned ? "window-unpin" : "window-pin"
            display: QQC2.AbstractButton.IconOnly
            text: delegate.pinned ? i18nc("@action:button", "Unpin") : i18nc("@action:button", "Pin")
            visible: delegate.hovered || delegate.highlighted || delegate.pinned
            onClicked: delegate.conversations.setPinned(delegate.conversationId, !delegate.pinned)
            QQC2.ToolTip.text: text
            QQC2.ToolTip.visible: hovered
        }
        QQC2.ToolButton {
            objectName: "renameButton"
            icon.name: "edit-rename"
            display: QQC2.AbstractButton.IconOnly
            text: i18nc("@action:button", "Rename")
            visible: delegate.hovered || delegate.highlighted
            onClicked: delegate.renameRequested(delegate.conversationId, delegate.title)
            QQC2.ToolTip.text: text
            QQC2.ToolTip.visible: hovered
        }
        QQC2.ToolButton {
            objectName: "deleteButton"
            icon.name: "edit-delete"
            display: QQC2.AbstractButton.IconOnly
            text: i18nc("@action:button", "Delete")
            visible: delegate.hovered || delegate.highlighted
            onClicked: {
                // Removing the row destroys this delegate: keep what the notification needs.
                const conversations = delegate.conversations;
                const notifier = delegate.notifier;
                if (conversations.remove(delegate.conversationId)) {
                    notifier.showPassiveNotification(i18n("Conversation deleted"), "long", i18nc("@action:button", "Undo"),
                                                     () => conversations.undoRemove());
                }
            }
            QQC2.ToolTip.text: text
            QQC2.ToolTip.visible: hovered
        }
    }
}
