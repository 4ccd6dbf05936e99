// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtTest
import org.hearthapp.hearth

Item {
    id: root
    width: 600
    height: 400

    Component {
        id: bubbleComponent
        MessageBubble {
            width: root.width
        }
    }

    TestCase {
        name: "MessageBubble"
        when: windowShown

        function make(properties: var): var {
            const defaults = {
                index: 0,
                messageId: 7,
                role: "user",
                content: "Hi *there*",
                html: "<p>Hi <i>there</i></p>",
                stats: "",
                streaming: false
            };
            const bubble = createTemporaryObject(bubbleComponent, root, Object.assign(defaults, properties));
            verify(bubble);
            return bubble;
        }

        function test_rendersTheHtml(): void {
            const body = findChild(make({}), "messageBody");
            compare(body.getText(0, body.length), "Hi there");
        }

        function test_userMessageCanBeEdited(): void {
            const bubble = make({});
            const spy = signalSpy.createObject(bubble, {target: bubble, signalName: "editRequested"});
            const edit = findChild(bubble, "editButton");
            verify(edit.visible && edit.enabled);
            verify(!findChild(bubble, "regenerateButton").visible);
            mouseClick(edit);
            compare(spy.count, 1);
            compare(spy.signalArguments[0][0], 7);
            compare(spy.signalArguments[0][1], "Hi *there*"); // the Markdown, not the HTML
            bubble.busy = true;
            verify(!edit.enabled);
        }

        function test_copyGivesTheMarkdown(): void {
            const bubble = make({role: "assistant"});
            const spy = signalSpy.createObject(bubble, {target: bubble, signalName: "copyRequested"});
            mouseClick(findChild(bubble, "copyButton"));
            compare(spy.count, 1);
            compare(spy.signalArguments[0][0], "Hi *there*");
        }

        function test_lastReplyCanBeRegenerated(): void {
            const bubble = make({role: "assistant", isLast: true, canRegenerate: true, stats: "12.0 tokens/s"});
            const spy = signalSpy.createObject(bubble, {target: bubble, signalName: "regenerateRequested"});
            const regenerate = findChild(bubble, "regenerateButton");
            verify(regenerate.visible && regenerate.enabled);
            verify(!findChild(bubble, "editButton").visible);
            compare(findChild(bubble, "messageStats").text, "12.0 tokens/s");
            mouseClick(regenerate);
            compare(spy.count, 1);
            bubble.busy = true;
            verify(!regenerate.enabled);
            bubble.busy = false;
            bubble.isLast = false;
            verify(!regenerate.visible);
        }

        function test_streamingReply(): void {
            const bubble = make({role: "assistant", isLast: true, streaming: true});
            verify(findChild(bubble, "streamingIndicator").visible);
            // Nothing to do with a reply until it is complete.
            verify(!findChild(bubble, "copyButton").visible);
            verify(!findChild(bubble, "regenerateButton").visible);
        }
    }

    Component {
        id: signalSpy
        SignalSpy {}
    }
}
