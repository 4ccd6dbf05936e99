// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls as QQC2
import QtQuick.Layouts
import QtQuick.Dialogs
import org.kde.kirigami as Kirigami
import org.hearthapp.hearth

// Conversations on the left (search, grouped by day, pinned first), the open conversation on the right.
Kirigami.Page {
    id: page

    objectName: "chatsPage"
    title: i18nc("@title", "Chats")
    padding: 0

    readonly property bool showSidebar: width > Kirigami.Units.gridUnit * 36 || sidebarToggle.checked
    // The user message being edited (edit and resend); 0 when composing a new one.
    property var editingId: 0

    function focusSearch(): void {
        sidebarToggle.checked = !(width > Kirigami.Units.gridUnit * 36);
        searchField.forceActiveFocus();
    }
    function newChat(): void {
        ChatController.newConversation();
        page.editingId = 0;
        input.text = "";
        input.forceActiveFocus();
    }
    function sendInput(): void {
        const text = input.text;
        const sent = page.editingId !== 0 ? ChatController.editAndResend(page.editingId, text) : ChatController.send(text);
        if (sent) {
            input.text = "";
            page.editingId = 0;
        }
    }

    // Code blocks are coloured for the background they are shown on.
    Binding {
        target: ChatController.messages
        property: "darkTheme"
        value: Kirigami.ColorUtils.brightnessForColor(Kirigami.Theme.backgroundColor) === Kirigami.ColorUtils.Dark
    }

    Connections {
        target: ChatController
        function onModelRequested(path: string): void {
            if (!ModelManager.busy) {
                ModelManager.load(path);
            }
        }
    }

    actions: [
        Kirigami.Action {
            id: sidebarToggle
            text: i18nc("@action:button", "Conversations")
            icon.name: "view-list-details"
            checkable: true
            visible: page.width <= Kirigami.Units.gridUnit * 36
            displayHint: Kirigami.DisplayHint.IconOnly
        },
        Kirigami.Action {
            objectName: "newChatAction"
            text: i18nc("@action:button", "New Chat")
            icon.name: "list-add"
            onTriggered: page.newChat()
        },
        Kirigami.Action {
            text: i18nc("@action:button", "System Prompt…")
            icon.name: "configure"
            enabled: ChatController.conversationId > 0
            displayHint: Kirigami.DisplayHint.AlwaysHide
            onTriggered: {
                systemPromptArea.text = ChatController.systemPrompt;
                systemPromptDialog.open();
            }
        },
        Kirigami.Action {
            text: i18nc("@action:button", "Export as Markdown…")
            icon.name: "document-export"
            enabled: ChatController.conversationId > 0
            displayHint: Kirigami.DisplayHint.AlwaysHide
            onTriggered: {
                exportDialog.format = "md";
                exportDialog.open();
            }
        },
        Kirigami.Action {
            text: i18nc("@action:button", "Export as JSON…")
            icon.name: "document-export"
            enabled: ChatController.conversationId > 0
            displayHint: Kirigami.DisplayHint.AlwaysHide
            onTriggered: {
                exportDialog.format = "json";
                exportDialog.open();
            }
        },
        Kirigami.Action {
            text: i18nc("@action:button", "Import…")
            icon.name: "document-import"
            displayHint: Kirigami.DisplayHint.AlwaysHide
            onTriggered: importDialog.open()
        }
    ]

    FileDialog {
        id: exportDialog
        property string format: "md"
        fileMode: FileDialog.SaveFile
        nameFilters: format === "md" ? [i18n("Markdown (*.md)")] : [i18n("JSON (*.json)")]
        onAccepted: ChatController.exportConversation(selectedFile, format)
    }
    FileDialog {
        id: importDialog
        fileMode: FileDialog.OpenFile
        nameFilters: [i18n("Hearth conversation (*.json)")]
        onAccepted: ChatController.importConversation(selectedFile)
    }

    Kirigami.PromptDialog {
        id: renameDialog
        property var conversationId: 0
        title: i18nc("@title:window", "Rename Conversation")
        standardButtons: Kirigami.Dialog.Ok | Kirigami.Dialog.Cancel
        onAccepted: ChatController.conversations.rename(conversationId, renameField.text)
        QQC2.TextField {
            id: renameField
            onAccepted: renameDialog.accept()
        }
    }

    Kirigami.PromptDialog {
        id: systemPromptDialog
        title: i18nc("@title:window", "System Prompt")
        subtitle: i18n("How the assistant should behave in this conversation. Leave it empty to use the default from Settings.")
        standardButtons: Kirigami.Dialog.Ok | Kirigami.Dialog.Cancel
        onAccepted: ChatController.systemPrompt = systemPromptArea.text
        QQC2.TextArea {
            id: systemPromptArea
            wrapMode: TextEdit.Wrap
            Layout.preferredHeight: Kirigami.Units.gridUnit * 6
        }
    }

    RowLayout {
        anchors.fill: parent
        spacing: 0

        // The conversation list.
        ColumnLayout {
            visible: page.showSidebar
            Layout.fillHeight: true
            Layout.preferredWidth: Kirigami.Units.gridUnit * 16
            Layout.maximumWidth: Kirigami.Units.gridUnit * 16
            spacing: 0

            Kirigami.SearchField {
                id: searchField
                objectName: "searchField"
                Layout.fillWidth: true
                Layout.margins: Kirigami.Units.smallSpacing
                placeholderText: i18nc("@info:placeholder", "Search conversations…")
                onAccepted: ChatController.conversations.filter = text
                Keys.onEscapePressed: {
                    text = "";
                    ChatController.conversations.filter = "";
                }
            }

            QQC2.ScrollView {
                Layout.fillWidth: true
                Layout.fillHeight: true

                ListView {
                    id: conversationList
                    objectName: "conversationList"
                    clip: true
                    model: ChatController.conversations
                    // The open conversation, found again whenever the list or the conversation changes.
                    function syncCurrent(): void {
                        currentIndex = ChatController.conversations.rowOf(ChatController.conversationId);
                    }
                    Component.onCompleted: syncCurrent()
                    Connections {
                        target: ChatController.conversations
                        function onModelReset(): void {
                            conversationList.syncCurrent();
                        }
                    }
                    Connections {
                        target: ChatController
                        function onConversationChanged(): void {
                            conversationList.syncCurrent();
                        }
                    }
                    section.property: "section"
                    section.delegate: Kirigami.ListSectionHeader {
                        required property string section
                        width: ListView.view.width
                        text: section
                    }

                    delegate: QQC2.ItemDelegate {
                        id: conversationDelegate
                        required property int index
                        required property var conversationId
                        required property string title
                        required property string snippet
                        required property bool pinned

                        width: ListView.view.width
                        highlighted: ListView.isCurrentItem
                        onClicked: ChatController.openConversation(conversationId)

                        contentItem: RowLayout {
                            spacing: Kirigami.Units.smallSpacing
                            ColumnLayout {
                                Layout.fillWidth: true
                                spacing: 0
                                QQC2.Label {
                                    Layout.fillWidth: true
                                    text: conversationDelegate.title
                                    elide: Text.ElideRight
                                }
                                QQC2.Label {
                                    Layout.fillWidth: true
                                    visible: conversationDelegate.snippet.length > 0
                                    text: conversationDelegate.snippet
                                    textFormat: Text.StyledText
                                    wrapMode: Text.Wrap
                                    maximumLineCount: 2
                                    elide: Text.ElideRight
                                    font: Kirigami.Theme.smallFont
                                    opacity: 0.8
                                }
                            }
                            QQC2.ToolButton {
                                icon.name: conversationDelegate.pinned ? "window-unpin" : "window-pin"
                                display: QQC2.AbstractButton.IconOnly
                                text: conversationDelegate.pinned ? i18nc("@action:button", "Unpin") : i18nc("@action:button", "Pin")
                                visible: conversationDelegate.hovered || conversationDelegate.highlighted || conversationDelegate.pinned
                                onClicked: ChatController.conversations.setPinned(conversationDelegate.conversationId, !conversationDelegate.pinned)
                                QQC2.ToolTip.text: text
                                QQC2.ToolTip.visible: hovered
                            }
                            QQC2.ToolButton {
                                icon.name: "edit-rename"
                                display: QQC2.AbstractButton.IconOnly
                                text: i18nc("@action:button", "Rename")
                                visible: conversationDelegate.hovered || conversationDelegate.highlighted
                                onClicked: {
                                    renameDialog.conversationId = conversationDelegate.conversationId;
                                    renameField.text = conversationDelegate.title;
                                    renameDialog.open();
                                    renameField.selectAll();
                                    renameField.forceActiveFocus();
                                }
                                QQC2.ToolTip.text: text
                                QQC2.ToolTip.visible: hovered
                            }
                            QQC2.ToolButton {
                                icon.name: "edit-delete"
                                display: QQC2.AbstractButton.IconOnly
                                text: i18nc("@action:button", "Delete")
                                visible: conversationDelegate.hovered || conversationDelegate.highlighted
                                onClicked: {
                                    if (ChatController.conversations.remove(conversationDelegate.conversationId)) {
                                        applicationWindow().showPassiveNotification(i18n("Conversation deleted"), "long",
                                            i18nc("@action:button", "Undo"), () => ChatController.conversations.undoRemove());
                                    }
                                }
                                QQC2.ToolTip.text: text
                                QQC2.ToolTip.visible: hovered
                            }
                        }
                    }

                    Kirigami.PlaceholderMessage {
                        anchors.centerIn: parent
                        width: parent.width - Kirigami.Units.gridUnit * 2
                        visible: conversationList.count === 0
                        icon.name: ChatController.conversations.filter.length > 0 ? "edit-find" : "dialog-messages"
                        text: ChatController.conversations.filter.length > 0 ? i18nc("@info:placeholder", "Nothing found")
                                                                              : i18nc("@info:placeholder", "No conversations yet")
                    }
                }
            }
        }

        Kirigami.Separator {
            visible: page.showSidebar
            Layout.fillHeight: true
        }

        // The open conversation.
        ColumnLayout {
            Layout.fillWidth: true
            Layout.fillHeight: true
            spacing: 0

            Kirigami.InlineMessage {
                objectName: "errorMessage"
                Layout.fillWidth: true
                Layout.margins: Kirigami.Units.smallSpacing
                type: Kirigami.MessageType.Error
                text: ChatController.errorString
                visible: text.length > 0
                showCloseButton: true
            }
            Kirigami.InlineMessage {
                objectName: "trimNotice"
                Layout.fillWidth: true
                Layout.margins: Kirigami.Units.smallSpacing
                type: Kirigami.MessageType.Information
                text: ChatController.trimNotice
                visible: text.length > 0
            }

            Item {
                Layout.fillWidth: true
                Layout.fillHeight: true

                // First run, or no model loaded: how to get one.
                Kirigami.PlaceholderMessage {
                    objectName: "welcome"
                    anchors.centerIn: parent
                    width: parent.width - Kirigami.Units.gridUnit * 4
                    visible: !ChatController.modelLoaded && messageList.count === 0
                    icon.source: "qrc:/icons/org.hearthapp.hearth.svg"
                    text: ModelManager.models.count === 0 ? i18nc("@info:placeholder", "Welcome to Hearth")
                                                          : i18nc("@info:placeholder", "Load a model to chat")
                    explanation: ModelManager.models.count === 0
                        ? i18nc("@info:placeholder", "Hearth chats with language models on this computer; nothing leaves it. To add a model, drop a GGUF file on the Models page, choose a folder that holds models, or download one by its URL.")
                        : i18nc("@info:placeholder", "Your models are listed under Models. Load one there, then come back to chat.")
                    helpfulAction: Kirigami.Action {
                        icon.name: "cpu"
                        text: ModelManager.models.count === 0 ? i18nc("@action:button", "Add a Model…") : i18nc("@action:button", "Go to Models")
                        onTriggered: applicationWindow().showPage("models")
                    }
                }

                Kirigami.PlaceholderMessage {
                    anchors.centerIn: parent
                    width: parent.width - Kirigami.Units.gridUnit * 4
                    visible: ChatController.modelLoaded && messageList.count === 0
                    icon.name: "dialog-messages"
                    text: i18nc("@info:placeholder", "Start a conversation")
                    explanation: i18nc("@info:placeholder", "Chatting with %1. Type a message below; Enter sends it, Shift+Enter starts a new line.", ModelManager.modelName)
                }

                QQC2.ScrollView {
                    anchors.fill: parent
                    visible: messageList.count > 0

                    ListView {
                        id: messageList
                        objectName: "messageList"
                        clip: true
                        model: ChatController.messages
                        spacing: Kirigami.Units.largeSpacing
                        topMargin: Kirigami.Units.largeSpacing
                        bottomMargin: Kirigami.Units.largeSpacing
                        onCountChanged: Qt.callLater(positionViewAtEnd)

                        delegate: MessageBubble {
                            width: ListView.view.width
                            isLast: index === ListView.view.count - 1
                            onEditRequested: (messageId, content) => {
                                page.editingId = messageId;
                                input.text = content;
                                input.forceActiveFocus();
                            }
                            // Deferred: repositioning from inside the list's own layout pass re-enters it
                            // (a crash while a reply streamed).
                            onContentHeightChanged: if (streaming) {
                                Qt.callLater(messageList.positionViewAtEnd);
                            }
                        }
                    }
                }
            }

            QQC2.Label {
                objectName: "statusLine"
                Layout.fillWidth: true
                Layout.leftMargin: Kirigami.Units.largeSpacing
                Layout.rightMargin: Kirigami.Units.largeSpacing
                text: ChatController.status
                visible: text.length > 0
                font: Kirigami.Theme.smallFont
                opacity: 0.7
                elide: Text.ElideRight
            }

            Kirigami.Separator {
                Layout.fillWidth: true
                Layout.topMargin: Kirigami.Units.smallSpacing
            }

            RowLayout {
                Layout.fillWidth: true
                Layout.margins: Kirigami.Units.smallSpacing

                QQC2.ScrollView {
                    Layout.fillWidth: true
                    Layout.maximumHeight: Kirigami.Units.gridUnit * 8

                    QQC2.TextArea {
                        id: input
                        objectName: "messageInput"
                        placeholderText: page.editingId !== 0 ? i18nc("@info:placeholder", "Edit your message and press Enter to send it again…")
                                                              : i18nc("@info:placeholder", "Message…")
                        wrapMode: TextEdit.Wrap
                        enabled: ChatController.modelLoaded
                        Keys.onPressed: event => {
                            if ((event.key === Qt.Key_Return || event.key === Qt.Key_Enter) && !(event.modifiers & Qt.ShiftModifier)) {
                                event.accepted = true;
                                page.sendInput();
                            } else if (event.key === Qt.Key_Escape && page.editingId !== 0) {
                                event.accepted = true;
                                page.editingId = 0;
                                input.text = "";
                            }
                        }
                    }
                }
                QQC2.Button {
                    objectName: ChatController.generating ? "stopButton" : "sendButton"
                    icon.name: ChatController.generating ? "media-playback-stop" : "document-send"
                    text: ChatController.generating ? i18nc("@action:button", "Stop") : i18nc("@action:button", "Send")
                    enabled: ChatController.generating || (ChatController.modelLoaded && input.text.trim().length > 0)
                    onClicked: ChatController.generating ? ChatController.stop() : page.sendInput()
                }
            }
        }
    }
}
