// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtTest
import org.hearthapp.hearth

Item {
    width: 300
    height: 200

    ChatShortcuts {
        id: shortcuts
    }
    SignalSpy {
        id: newChat
        target: shortcuts
        signalName: "newChatRequested"
    }
    SignalSpy {
        id: search
        target: shortcuts
        signalName: "searchRequested"
    }
    SignalSpy {
        id: stop
        target: shortcuts
        signalName: "stopRequested"
    }

    TestCase {
        name: "ChatShortcuts"
        when: windowShown

        function init(): void {
            newChat.clear();
            search.clear();
            stop.clear();
        }

        function test_ctrlNStartsANewChat(): void {
            keyClick(Qt.Key_N, Qt.ControlModifier);
            compare(newChat.count, 1);
            compare(search.count, 0);
        }

        function test_ctrlFSearches(): void {
            keyClick(Qt.Key_F, Qt.ControlModifier);
            compare(search.count, 1);
        }

        function test_escStopsOnlyAReply(): void {
            keyClick(Qt.Key_Escape);
            compare(stop.count, 0);
            shortcuts.generating = true;
            keyClick(Qt.Key_Escape);
            compare(stop.count, 1);
            shortcuts.generating = false;
        }
    }
}
