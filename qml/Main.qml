// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls as QQC2
import org.kde.kirigami as Kirigami
import org.hearthapp.hearth

Kirigami.ApplicationWindow {
    id: root

    title: i18nc("@title:window", "Hearth")
    width: Kirigami.Units.gridUnit * 60
    height: Kirigami.Units.gridUnit * 40
    minimumWidth: Kirigami.Units.gridUnit * 22
    minimumHeight: Kirigami.Units.gridUnit * 20

    // Pages are created once and kept, so switching back keeps their state (scroll position, drafts).
    Kirigami.PagePool {
        id: pool
    }

    // Navigation by name, for the keyboard shortcuts and the screenshot tests.
    function showPage(name: string): bool {
        for (const action of globalDrawer.actions) {
            if (action.objectName === name) {
                action.trigger();
                return true;
            }
        }
        return false;
    }

    // The chats page, shown (it is created on first use and kept).
    function chatsPage(): var {
        showPage("chats");
        return pool.pageForUrl(Qt.resolvedUrl("pages/ChatsPage.qml"));
    }

    ChatShortcuts {
        generating: ChatController.generating
        onNewChatRequested: root.chatsPage().newChat()
        onSearchRequested: root.chatsPage().focusSearch()
        onStopRequested: ChatController.stop()
    }

    globalDrawer: Kirigami.GlobalDrawer {
        isMenu: false
        modal: !root.wideScreen
        collapsible: true
        collapsed: !root.wideScreen
        showHeaderWhenCollapsed: true
        title: i18nc("@title", "Hearth")
        titleIcon: "qrc:/icons/org.hearthapp.hearth.svg"

        actions: [
            Kirigami.PagePoolAction {
                objectName: "chats"
                text: i18nc("@action:inmenu", "Chats")
                icon.name: "dialog-messages"
                pagePool: pool
                page: Qt.resolvedUrl("pages/ChatsPage.qml")
            },
            Kirigami.PagePoolAction {
                objectName: "models"
                text: i18nc("@action:inmenu", "Models")
                icon.name: "cpu"
                pagePool: pool
                page: Qt.resolvedUrl("pages/ModelsPage.qml")
            },
            Kirigami.PagePoolAction {
                objectName: "quantize"
                text: i18nc("@action:inmenu", "Quantize")
                icon.name: "archive-insert"
                pagePool: pool
                page: Qt.resolvedUrl("pages/QuantizePage.qml")
            },
            Kirigami.PagePoolAction {
                objectName: "settings"
                text: i18nc("@action:inmenu", "Settings")
                icon.name: "settings-configure"
                pagePool: pool
                page: Qt.resolvedUrl("pages/SettingsPage.qml")
            },
            Kirigami.PagePoolAction {
                objectName: "about"
                text: i18nc("@action:inmenu", "About Hearth")
                icon.name: "help-about"
                pagePool: pool
                page: Qt.resolvedUrl("pages/AboutPage.qml")
            }
        ]
    }

    Component.onCompleted: showPage(App.requestedModel.length > 0 ? "models" : "chats")
}
