// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtTest
import org.hearthapp.hearth

Item {
    width: 600
    height: 200

    Composer {
        id: composer
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.bottom: parent.bottom
    }
    SignalSpy {
        id: sent
        target: composer
        signalName: "sendRequested"
    }
    SignalSpy {
        id: stopped
        target: composer
        signalName: "stopRequested"
    }
    SignalSpy {
        id: cancelled
        target: composer
        signalName: "editCancelled"
    }

    TestCase {
        name: "Composer"
        when: windowShown

        property var input: findChild(composer, "messageInput")

        function init(): void {
            composer.text = "";
            composer.generating = false;
            composer.editing = false;
            composer.ready = true;
            sent.clear();
            stopped.clear();
            cancelled.clear();
            composer.focusInput();
            tryVerify(() => input.activeFocus);
        }

        function type(text: string): void {
            for (const c of text) {
                keyClick(c);
            }
        }

        function test_enterSends(): void {
            type("hello");
            compare(composer.text, "hello");
            keyClick(Qt.Key_Return);
            compare(sent.count, 1);
            compare(sent.signalArguments[0][0], "hello");
            // The keypad's Enter too.
            keyClick(Qt.Key_Enter);
            compare(sent.count, 2);
        }

        function test_shiftEnterStartsANewLine(): void {
            type("one");
            keyClick(Qt.Key_Return, Qt.ShiftModifier);
            type("two");
            compare(sent.count, 0);
            compare(composer.text, "one\ntwo");
            keyClick(Qt.Key_Return);
            compare(sent.count, 1);
            compare(sent.signalArguments[0][0], "one\ntwo");
        }

        function test_nothingToSend(): void {
            keyClick(Qt.Key_Return);
            type("  ");
            keyClick(Qt.Key_Return);
            compare(sent.count, 0);
            // Enter never inserts a line, even when it cannot send.
            compare(composer.text, "  ");
        }

        function test_escStops(): void {
            keyClick(Qt.Key_Escape);
            compare(stopped.count, 0);
            composer.generating = true;
            type("more");
            keyClick(Qt.Key_Return);
            compare(sent.count, 0); // no second message while a reply streams
            keyClick(Qt.Key_Escape);
            compare(stopped.count, 1);
            compare(composer.text, "more");
        }

        function test_escLeavesEditing(): void {
            composer.editing = true;
            keyClick(Qt.Key_Escape);
            compare(cancelled.count, 1);
            compare(stopped.count, 0);
        }

        function test_button(): void {
            const send = findChild(composer, "sendButton");
            verify(!send.enabled);
            type("hi");
            verify(send.enabled);
            mouseClick(send);
            compare(sent.count, 1);
            composer.generating = true;
            const stop = findChild(composer, "stopButton");
            verify(stop.enabled);
            mouseClick(stop);
            compare(stopped.count, 1);
        }

        function test_noModelNoInput(): void {
            composer.ready = false;
            verify(!input.enabled);
            verify(!findChild(composer, "sendButton").enabled);
        }
    }
}
