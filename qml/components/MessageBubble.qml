// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls as QQC2
import QtQuick.Layouts
import org.kde.kirigami as Kirigami

// One message of the chat: who wrote it, its Markdown rendered (code blocks highlighted), and what can be
// done with it: copy; edit and resend (the user's); regenerate (the last reply).
Item {
    id: bubble

    required property int index
    required property var messageId
    required property string role
    required property string content
    required property string html
    required property string stats
    required property bool streaming
    property bool isLast: false
    // A reply is being generated: nothing can be edited or regenerated meanwhile.
    property bool busy: false
    // A model is loaded: the last reply can be generated again.
    property bool canRegenerate: false
    readonly property bool fromUser: role === "user"
    readonly property real contentHeight: body.implicitHeight

    signal editRequested(var messageId, string content)
    signal copyRequested(string content)
    signal regenerateRequested()

    implicitHeight: card.implicitHeight

    Rectangle {
        id: card

        anchors.left: bubble.fromUser ? undefined : parent.left
        anchors.right: bubble.fromUser ? parent.right : undefined
        anchors.leftMargin: Kirigami.Units.largeSpacing
        anchors.rightMargin: Kirigami.Units.largeSpacing
        width: Math.min(parent.width * (bubble.fromUser ? 0.8 : 0.95), Kirigami.Units.gridUnit * 45)
        implicitHeight: column.implicitHeight + Kirigami.Units.largeSpacing * 2
        radius: Kirigami.Units.cornerRadius
        color: bubble.fromUser ? Kirigami.ColorUtils.tintWithAlpha(Kirigami.Theme.backgroundColor, Kirigami.Theme.highlightColor, 0.15)
                               : Kirigami.Theme.alternateBackgroundColor
        border.color: Kirigami.ColorUtils.linearInterpolation(Kirigami.Theme.backgroundColor, Kirigami.Theme.textColor, 0.15)
        border.width: 1

        ColumnLayout {
            id: column
            anchors.fill: parent
            anchors.margins: Kirigami.Units.largeSpacing
            spacing: Kirigami.Units.smallSpacing

            RowLayout {
                Layout.fillWidth: true
                Kirigami.Heading {
                    level: 5
                    text: bubble.fromUser ? i18nc("@label message author", "You")
                                          : bubble.role === "system" ? i18nc("@label message author", "System")
                                                                     : i18nc("@label message author", "Assistant")
                    Layout.fillWidth: true
                }
                QQC2.BusyIndicator {
                    objectName: "streamingIndicator"
                    visible: bubble.streaming
                    running: visible
                    Layout.preferredHeight: Kirigami.Units.iconSizes.small
                    Layout.preferredWidth: Kirigami.Units.iconSizes.small
                }
            }

            TextEdit {
                id: body
                objectName: "messageBody"
                Layout.fillWidth: true
                text: bubble.html
                textFormat: TextEdit.RichText
                readOnly: true
                selectByMouse: true
                wrapMode: TextEdit.Wrap
                color: Kirigami.Theme.textColor
                selectedTextColor: Kirigami.Theme.highlightedTextColor
                selectionColor: Kirigami.Theme.highlightColor
                font: Kirigami.Theme.defaultFont
                onLinkActivated: link => Qt.openUrlExternally(link)
            }

            RowLayout {
                Layout.fillWidth: true
                visible: !bubble.streaming
                spacing: 0

                QQC2.Label {
                    objectName: "messageStats"
                    Layout.fillWidth: true
                    text: bubble.stats
                    font: Kirigami.Theme.smallFont
                    opacity: 0.7
                    elide: Text.ElideRight
                }
                QQC2.ToolButton {
                    objectName: "copyButton"
                    icon.name: "edit-copy"
                    display: QQC2.AbstractButton.IconOnly
                    text: i18nc("@action:button", "Copy")
                    onClicked: bubble.copyRequested(bubble.content)
                    QQC2.ToolTip.text: text
                    QQC2.ToolTip.visible: hovered
                }
                QQC2.ToolButton {
                    objectName: "editButton"
                    visible: bubble.fromUser
                    enabled: !bubble.busy
                    icon.name: "document-edit"
                    display: QQC2.AbstractButton.IconOnly
                    text: i18nc("@action:button", "Edit and Resend")
                    onClicked: bubble.editRequested(bubble.messageId, bubble.content)
                    QQC2.ToolTip.text: text
                    QQC2.ToolTip.visible: hovered
                }
                QQC2.ToolButton {
                    objectName: "regenerateButton"
                    visible: bubble.isLast && bubble.role === "assistant"
                    enabled: !bubble.busy && bubble.canRegenerate
                    icon.name: "view-refresh"
                    display: QQC2.AbstractButton.IconOnly
                    text: i18nc("@action:button", "Regenerate")
                    onClicked: bubble.regenerateRequested()
                    QQC2.ToolTip.text: text
                    QQC2.ToolTip.visible: hovered
                }
            }
        }
    }
}
