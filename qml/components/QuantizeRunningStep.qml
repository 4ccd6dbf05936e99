// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls as QQC2
import QtQuick.Layouts
import org.kde.kirigami as Kirigami
import org.hearthapp.hearth

// Step 3: progress by tensor, and cancel.
ColumnLayout {
    id: step

    required property QuantizeWizard wizard

    spacing: Kirigami.Units.largeSpacing

    Item {
        Layout.preferredHeight: Kirigami.Units.gridUnit * 3
    }
    Kirigami.Heading {
        Layout.alignment: Qt.AlignHCenter
        level: 2
        text: i18nc("@info", "Quantizing %1 to %2…", step.wizard.input.name ?? "", step.wizard.target)
    }
    QQC2.ProgressBar {
        objectName: "quantizeProgress"
        Layout.alignment: Qt.AlignHCenter
        Layout.preferredWidth: Kirigami.Units.gridUnit * 24
        from: 0
        to: 1
        value: step.wizard.progress
    }
    QQC2.Label {
        Layout.alignment: Qt.AlignHCenter
        text: step.wizard.tensorCount > 0
              ? i18nc("@info tensor number, count, name", "Tensor %1 of %2: %3", step.wizard.tensorIndex + 1, step.wizard.tensorCount, step.wizard.currentTensor)
              : i18nc("@info", "Starting…")
        opacity: 0.8
    }
    QQC2.Label {
        Layout.alignment: Qt.AlignHCenter
        Layout.maximumWidth: Kirigami.Units.gridUnit * 30
        text: step.wizard.outputPath
        elide: Text.ElideMiddle
        font: Kirigami.Theme.smallFont
        opacity: 0.6
    }
    QQC2.Button {
        objectName: "cancelButton"
        Layout.alignment: Qt.AlignHCenter
        text: i18nc("@action:button", "Cancel")
        icon.name: "dialog-cancel"
        onClicked: step.wizard.cancel()
    }
}
