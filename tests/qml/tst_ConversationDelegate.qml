// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtTest
import HearthTest
import org.hearthapp.hearth

// The sidebar's conversation delegate and the rename dialog on the real conversation list (SQLite).
Item {
    width: 500
    height: 400

    // Stands in for the window's passive notification: records what it was asked to show.
    QtObject {
        id: fakeWindow
        property var shown: []
        function showPassiveNotification(message, timeout, actionText, callback): void {
            shown.push({message: message, actionText: actionText, callback: callback});
        }
    }

    ListView {
        id: list
        anchors.fill: parent
        model: Fixture.conversations
        delegate: ConversationDelegate {
            width: ListView.view.width
            highlighted: true // shows the buttons, as for the open conversation
            conversations: Fixture.conversations
            notifier: fakeWindow
            onRenameRequested: (id, title) => renameDialog.openFor(id, title)
        }
    }

    RenameDialog {
        id: renameDialog
        conversations: Fixture.conversations
    }

    TestCase {
        name: "ConversationDelegate"
        when: windowShown

        function delegateOf(id: var): var {
            const row = Fixture.conversations.rowOf(id);
            verify(row >= 0, "conversation " + id + " is listed");
            list.positionViewAtIndex(row, ListView.Contain);
            return list.itemAtIndex(row);
        }

        function test_renameDialogRenames(): void {
            const id = Fixture.addConversation("Old title");
            mouseClick(findChild(delegateOf(id), "renameButton"));
            tryVerify(() => renameDialog.opened);
            const field = findChild(renameDialog, "renameField");
            compare(field.text, "Old title");
            tryVerify(() => field.activeFocus);
            // The whole title is selected: typing replaces it.
            for (const c of "new") {
                keyClick(c);
            }
            keyClick(Qt.Key_Return);
            tryVerify(() => !renameDialog.visible);
            compare(Fixture.storedTitle(id), "new");
            tryCompare(delegateOf(id), "title", "new");
        }

        function test_renameCancelled(): void {
            const id = Fixture.addConversation("Keep me");
            mouseClick(findChild(delegateOf(id), "renameButton"));
            tryVerify(() => renameDialog.opened);
            findChild(renameDialog, "renameField").text = "Lost";
            renameDialog.reject();
            tryVerify(() => !renameDialog.visible);
            compare(Fixture.storedTitle(id), "Keep me");
        }

        function test_deleteOffersUndo(): void {
            const id = Fixture.addConversation("Doomed");
            const count = Fixture.conversations.count;
            fakeWindow.shown = [];
            mouseClick(findChild(delegateOf(id), "deleteButton"));
            compare(Fixture.conversations.count, count - 1);
            compare(Fixture.conversations.rowOf(id), -1);
            compare(Fixture.storedTitle(id), "");
            compare(fakeWindow.shown.length, 1);
            compare(fakeWindow.shown[0].message, "Conversation deleted");
            compare(fakeWindow.shown[0].actionText, "Undo");
            // Undo: the conversation is back, under its id, with its title.
            fakeWindow.shown[0].callback();
            compare(Fixture.conversations.count, count);
            compare(Fixture.storedTitle(id), "Doomed");
            compare(delegateOf(id).title, "Doomed");
        }

        function test_pin(): void {
            const id = Fixture.addConversation("Pin me");
            verify(!delegateOf(id).pinned);
            mouseClick(findChild(delegateOf(id), "pinButton"));
            tryCompare(delegateOf(id), "pinned", true);
            compare(Fixture.conversations.rowOf(id), 0); // pinned first
        }
    }
}
