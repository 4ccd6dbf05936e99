// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import org.kde.kirigami as Kirigami

Kirigami.ScrollablePage {
    objectName: "chatsPage"
    title: i18nc("@title", "Chats")

    Kirigami.PlaceholderMessage {
        anchors.centerIn: parent
        width: parent.width - Kirigami.Units.gridUnit * 4
        icon.name: "dialog-messages"
        text: i18nc("@info:placeholder", "No conversations yet")
        explanation: i18nc("@info:placeholder", "Add a model under Models, then start a chat. Everything runs on this computer; nothing leaves it.")
    }
}
