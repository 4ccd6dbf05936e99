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
    // The loaded model has no chat template: the conversation is one text that the model continues.
    readonly property bool plainCompletion: ModelManager.loaded && ModelManager.modelInfo.templateFamily === "completion"
    // The user message being edited (edit and resend); 0 when composing a new one.
    property var editingId: 0

    function focusSearch(): void {
        sidebarToggle.checked = !(width > Kirigami.Units.gridUnit * 36);
        searchField.forceActiveFocus();
    }
    function newChat(): void {
        ChatController.newConversation();
        page.editingId = 0;
        composer.text = "";
        composer.focusInput();
    }
    function sendInput(): void {
        const text = composer.text;
        const sent = page.editingId !== 0 ? ChatController.editAndResend(page.editingId, text) : ChatController.send(text);
        if (sent) {
            composer.text = "";
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
            // modelPath is also the model being loaded: ask for it once.
            if (ModelManager.modelPath !== path) {
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

    RenameDialog {
        id: renameDialog
        conversations: ChatController.conversations
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

                    delegate: ConversationDelegate {
                        width: ListView.view.width
                        highlighted: ListView.isCurrentItem
                        conversations: ChatController.conversations
                        notifier: applicationWindow()
                        onClicked: ChatController.openConversation(conversationId)
                        onRenameRequested: (id, title) => renameDialog.openFor(id, title)
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

            // The conversation's model: the one it chats with, or for a new chat the one loaded.
            RowLayout {
                Layout.fillWidth: true
                Layout.margins: Kirigami.Units.smallSpacing
                visible: ModelManager.models.count > 0

                QQC2.Label {
                    text: i18nc("@label:listbox", "Model:")
                }
                QQC2.ComboBox {
                    id: modelPicker
                    objectName: "modelPicker"
                    readonly property string path: ChatController.conversationModel.length > 0 ? ChatController.conversationModel : ModelManager.modelPath
                    Layout.fillWidth: true
                    Layout.maximumWidth: Kirigami.Units.gridUnit * 20
                    model: ModelManager.models
                    textRole: "fileName"
                    valueRole: "path"
                    enabled: !ChatController.generating
                    // The file of a conversation whose model is not in the folders any more.
                    displayText: currentIndex >= 0 ? currentText : path.length > 0 ? path.substring(path.lastIndexOf("/") + 1)
                                                                                    : i18nc("@item:inlistbox", "No model")
                    onActivated: index => ChatController.chooseModel(valueAt(index))
                    // Follows the conversation and the scans, also after the user picked an entry.
                    Binding on currentIndex {
                        value: ModelManager.models.count >= 0 ? ModelManager.models.indexOfPath(modelPicker.path) : -1
                    }
                }
                QQC2.BusyIndicator {
                    visible: ModelManager.busy
                    running: visible
                    Layout.preferredHeight: Kirigami.Units.iconSizes.smallMedium
                    Layout.preferredWidth: Kirigami.Units.iconSizes.smallMedium
                }
                Item {
                    Layout.fillWidth: true
                }
            }

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
                objectName: "completionNotice"
                Layout.fillWidth: true
                Layout.margins: Kirigami.Units.smallSpacing
                type: Kirigami.MessageType.Information
                visible: page.plainCompletion
                text: i18n("%1 has no chat template: it does not answer, it continues the text. Your first message is the beginning of the text; each reply carries it on.", ModelManager.modelName)
                actions: Kirigami.Action {
                    icon.name: "settings-configure"
                    text: i18nc("@action:button", "Choose a Chat Template…")
                    onTriggered: applicationWindow().showPage("settings")
                }
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
                    text: page.plainCompletion ? i18nc("@info:placeholder", "Start a text") : i18nc("@info:placeholder", "Start a conversation")
                    explanation: page.plainCompletion
                        ? i18nc("@info:placeholder", "%1 continues what you write. Type the beginning of a text below; Enter sends it, Shift+Enter starts a new line.", ModelManager.modelName)
                        : i18nc("@info:placeholder", "Chatting with %1. Type a message below; Enter sends it, Shift+Enter starts a new line.", ModelManager.modelName)
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
                            busy: ChatController.generating
                            canRegenerate: ChatController.modelLoaded
                            onCopyRequested: content => ChatController.copyToClipboard(content)
                            onRegenerateRequested: ChatController.regenerate()
                            onEditRequested: (messageId, content) => {
                                page.editingId = messageId;
                                composer.text = content;
                                composer.focusInput();
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

            Kirigami.Separator {
                Layout.fillWidth: true
            }

            Composer {
                id: composer
                Layout.fillWidth: true
                Layout.margins: Kirigami.Units.smallSpacing
                generating: ChatController.generating
                ready: ChatController.modelLoaded
                editing: page.editingId !== 0
                placeholderText: page.editingId !== 0 ? i18nc("@info:placeholder", "Edit your message and press Enter to send it again…")
                                                      : page.plainCompletion ? i18nc("@info:placeholder", "Text to continue…")
                                                                             : i18nc("@info:placeholder", "Message…")
                onSendRequested: page.sendInput()
                onStopRequested: ChatController.stop()
                onEditCancelled: {
                    page.editingId = 0;
                    composer.text = "";
                }
            }
        }
    }
}
