// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls as QQC2
import org.kde.kirigami as Kirigami

// Asks for a conversation's new title; OK or Enter renames it in `conversations` (a ConversationListModel).
Kirigami.PromptDialog {
    id: dialog

    property var conversations
    property var conversationId: 0

    function openFor(id: var, currentTitle: string): void {
        conversationId = id;
        field.text = currentTitle;
        open();
        field.selectAll();
        field.forceActiveFocus();
    }

    title: i18nc("@title:window", "Rename Conversation")
    standardButtons: Kirigami.Dialog.Ok | Kirigami.Dialog.Cancel
    onAccepted: conversations.rename(conversationId, field.text)

    QQC2.TextField {
        id: field
        objectName: "renameField"
        onAccepted: dialog.accept()
    }
}
