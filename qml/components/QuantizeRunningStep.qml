// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls as QQC2
import QtQuick.Layouts
import org.kde.coreaddons as KCoreAddons
import org.kde.kirigami as Kirigami
import org.hearthapp.hearth

// Step 3: progress by tensor and bytes, then (optionally) by perplexity chunk; cancel.
ColumnLayout {
    id: step

    required property QuantizeWizard wizard

    spacing: Kirigami.Units.largeSpacing

    Item {
        Layout.preferredHeight: Kirigami.Units.gridUnit * 3
    }
    Kirigami.Heading {
        objectName: "runningHeading"
        // Filling the width lets the whole step fill it (a layout is no wider than its widest child may grow),
        // so the other rows centre on the page.
        Layout.fillWidth: true
        horizontalAlignment: Text.AlignHCenter
        level: 2
        text: step.wizard.measuring
              ? i18nc("@info", "Measuring perplexity on %1…", step.wizard.perplexityTextName)
              : i18nc("@info", "Quantizing %1 to %2…", step.wizard.input.name ?? "", step.wizard.target)
    }
    ThemedProgressBar {
        objectName: "quantizeProgress"
        Layout.alignment: Qt.AlignHCenter
        Layout.preferredWidth: Kirigami.Units.gridUnit * 24
        value: step.wizard.progress
    }
    QQC2.Label {
        objectName: "runningTensor"
        Layout.alignment: Qt.AlignHCenter
        Layout.maximumWidth: Kirigami.Units.gridUnit * 30
        elide: Text.ElideRight
        text: {
            if (step.wizard.measuring) {
                return step.wizard.chunkCount > 0
                    ? i18nc("@info chunk number, count", "Chunk %1 of %2, the original and the result side by side",
                            Math.min(step.wizard.chunkIndex + 1, step.wizard.chunkCount), step.wizard.chunkCount)
                    : i18nc("@info", "Loading both models…");
            }
            return step.wizard.tensorCount > 0
                ? i18nc("@info tensor number, count, name", "Tensor %1 of %2: %3", step.wizard.tensorIndex + 1, step.wizard.tensorCount, step.wizard.currentTensor)
                : i18nc("@info", "Starting…");
        }
        opacity: 0.8
    }
    QQC2.Label {
        objectName: "runningBytes"
        Layout.alignment: Qt.AlignHCenter
        visible: !step.wizard.measuring && step.wizard.bytesTotal > 0
        text: i18nc("@info bytes done, bytes in all, percent", "%1 of %2 (%3 %)",
                    KCoreAddons.Format.formatByteSize(step.wizard.bytesDone, 1),
                    KCoreAddons.Format.formatByteSize(step.wizard.bytesTotal, 1),
                    Math.floor(step.wizard.progress * 100))
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
        // The quantized file is complete while measuring: cancelling then only skips the measurement.
        text: step.wizard.measuring ? i18nc("@action:button", "Skip Measurement") : i18nc("@action:button", "Cancel")
        icon.name: step.wizard.measuring ? "media-skip-forward" : "dialog-cancel"
        onClicked: step.wizard.cancel()
    }
}
