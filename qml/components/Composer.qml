// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls as QQC2
import QtQuick.Layouts
import org.kde.kirigami as Kirigami

// Where the user writes: Enter sends, Shift+Enter starts a new line, Esc stops the reply being generated (or
// leaves editing a message). The button sends, or stops while a reply streams.
RowLayout {
    id: composer

    property alias text: input.text
    property alias placeholderText: input.placeholderText
    // A reply is being generated: Enter does nothing, the button stops it.
    property bool generating: false
    // A model is loaded: without one nothing can be written.
    property bool ready: true
    // An earlier message is being edited.
    property bool editing: false

    signal sendRequested(string text)
    signal stopRequested()
    signal editCancelled()

    function focusInput(): void {
        input.forceActiveFocus();
    }

    QQC2.ScrollView {
        Layout.fillWidth: true
        Layout.maximumHeight: Kirigami.Units.gridUnit * 8

        QQC2.TextArea {
            id: input
            objectName: "messageInput"
            wrapMode: TextEdit.Wrap
            enabled: composer.ready
            Keys.onPressed: event => {
                if ((event.key === Qt.Key_Return || event.key === Qt.Key_Enter) && !(event.modifiers & Qt.ShiftModifier)) {
                    event.accepted = true;
                    if (!composer.generating && input.text.trim().length > 0) {
                        composer.sendRequested(input.text);
                    }
                } else if (event.key === Qt.Key_Escape && (composer.generating || composer.editing)) {
                    event.accepted = true;
                    if (composer.generating) {
                        composer.stopRequested();
                    } else {
                        composer.editCancelled();
                    }
                }
            }
        }
    }
    QQC2.Button {
        objectName: composer.generating ? "stopButton" : "sendButton"
        icon.name: composer.generating ? "media-playback-stop" : "document-send"
        text: composer.generating ? i18nc("@action:button", "Stop") : i18nc("@action:button", "Send")
        enabled: composer.generating || (composer.ready && input.text.trim().length > 0)
        onClicked: composer.generating ? composer.stopRequested() : composer.sendRequested(input.text)
    }
}
