// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls as QQC2
import QtQuick.Layouts
import org.kde.coreaddons as KCoreAddons
import org.kde.kirigami as Kirigami
import org.hearthapp.hearth

// Step 2: what the input is, and the target types with the size each one gives.
ColumnLayout {
    id: step

    required property QuantizeWizard wizard

    signal chooseText()

    spacing: Kirigami.Units.largeSpacing

    // Plain words for each type, so the choice does not need a glossary.
    function describe(name: string): string {
        switch (name) {
        case "F32": return i18nc("@info quantization type", "Full precision; no loss. For converting a Hugging Face folder.");
        case "F16": return i18nc("@info quantization type", "Half precision; practically no loss.");
        case "BF16": return i18nc("@info quantization type", "Half precision with the range of F32.");
        case "Q8_K": return i18nc("@info quantization type", "8 bits in super-blocks; near lossless.");
        case "Q8_0": return i18nc("@info quantization type", "8 bits; near lossless, half of F16. A safe choice.");
        case "Q6_K": return i18nc("@info quantization type", "6.6 bits; very small loss.");
        case "Q5_K_M": return i18nc("@info quantization type", "5.5 bits, sensitive tensors kept higher; small loss.");
        case "Q4_K_M": return i18nc("@info quantization type", "4.8 bits, sensitive tensors kept higher; the usual balance of size and quality.");
        case "Q4_0": return i18nc("@info quantization type", "4.5 bits, simple; the smallest, with the most loss.");
        }
        return "";
    }

    Kirigami.FormLayout {
        Layout.fillWidth: true

        Kirigami.Separator {
            Kirigami.FormData.isSection: true
            Kirigami.FormData.label: i18nc("@title:group", "The model")
        }
        QQC2.Label {
            objectName: "inputName"
            Kirigami.FormData.label: i18nc("@label", "Name:")
            text: step.wizard.input.name ?? ""
        }
        QQC2.Label {
            Kirigami.FormData.label: i18nc("@label", "File:")
            Layout.maximumWidth: Kirigami.Units.gridUnit * 30
            text: step.wizard.sourcePath
            elide: Text.ElideMiddle
        }
        QQC2.Label {
            objectName: "inputKind"
            Kirigami.FormData.label: i18nc("@label", "Kind:")
            text: step.wizard.input.kind === "huggingface" ? i18nc("@info", "Hugging Face folder (safetensors)") : i18nc("@info", "GGUF file")
        }
        QQC2.Label {
            objectName: "inputShape"
            Kirigami.FormData.label: i18nc("@label", "Architecture:")
            text: i18nc("@info architecture, parameters, layers, width", "%1, %2 parameters, %3 layers, width %4",
                        step.wizard.input.architecture ?? "", step.wizard.input.parameterText ?? "",
                        step.wizard.input.layers ?? 0, step.wizard.input.embedding ?? 0)
        }
        QQC2.Label {
            Kirigami.FormData.label: i18nc("@label", "Weights:")
            text: i18nc("@info type, tensor count, size", "%1, %2 tensors, %3", step.wizard.input.weightType ?? "",
                        step.wizard.input.tensorCount ?? 0, KCoreAddons.Format.formatByteSize(step.wizard.input.sizeBytes ?? 0, 1))
        }

    }

    Kirigami.Heading {
        Layout.leftMargin: Kirigami.Units.largeSpacing
        level: 3
        text: i18nc("@title:group", "Quantize to")
    }

    QQC2.ButtonGroup {
        id: targetGroup
    }

    ColumnLayout {
        Layout.leftMargin: Kirigami.Units.largeSpacing
        Layout.rightMargin: Kirigami.Units.largeSpacing
        spacing: 0

        Repeater {
            model: step.wizard.targets

            delegate: RowLayout {
                id: targetRow

                required property var modelData

                spacing: Kirigami.Units.largeSpacing

                QQC2.RadioButton {
                    objectName: "target-" + targetRow.modelData.name
                    Layout.preferredWidth: Kirigami.Units.gridUnit * 6
                    text: targetRow.modelData.name
                    checked: step.wizard.target === targetRow.modelData.name
                    QQC2.ButtonGroup.group: targetGroup
                    onToggled: if (checked) step.wizard.target = targetRow.modelData.name
                }
                QQC2.Label {
                    Layout.preferredWidth: Kirigami.Units.gridUnit * 8
                    text: i18nc("@info output size, percent of input", "%1 (%2 %)",
                                KCoreAddons.Format.formatByteSize(targetRow.modelData.expectedBytes, 1),
                                Math.round(targetRow.modelData.ratio * 100))
                    font.bold: step.wizard.target === targetRow.modelData.name
                }
                QQC2.Label {
                    Layout.fillWidth: true
                    text: step.describe(targetRow.modelData.name)
                    wrapMode: Text.Wrap
                    opacity: 0.8
                }
            }
        }
    }

    Kirigami.Heading {
        Layout.leftMargin: Kirigami.Units.largeSpacing
        level: 3
        text: i18nc("@title:group", "Quality")
    }

    ColumnLayout {
        Layout.leftMargin: Kirigami.Units.largeSpacing
        Layout.rightMargin: Kirigami.Units.largeSpacing
        spacing: Kirigami.Units.smallSpacing

        QQC2.CheckBox {
            objectName: "measurePerplexity"
            text: i18nc("@option:check", "Measure perplexity before and after")
            checked: step.wizard.measurePerplexity
            onToggled: step.wizard.measurePerplexity = checked
        }
        QQC2.Label {
            Layout.fillWidth: true
            Layout.leftMargin: Kirigami.Units.gridUnit * 2
            text: step.wizard.input.kind === "huggingface"
                  ? i18nc("@info", "How well the result predicts a text, lower is better. A Hugging Face folder cannot be run as it is, so only the result is measured.")
                  : i18nc("@info", "How well the original and the result predict a text, lower is better, and how far their predictions differ (KL divergence). Runs both models over the text after quantizing.")
            wrapMode: Text.Wrap
            opacity: 0.8
        }
        RowLayout {
            Layout.leftMargin: Kirigami.Units.gridUnit * 2
            enabled: step.wizard.measurePerplexity
            spacing: Kirigami.Units.largeSpacing

            QQC2.Label {
                objectName: "perplexityTextName"
                text: i18nc("@info text name", "Text: %1", step.wizard.perplexityTextName)
            }
            QQC2.Button {
                text: i18nc("@action:button", "Choose Text…")
                icon.name: "document-open"
                onClicked: step.chooseText()
            }
            QQC2.Button {
                text: i18nc("@action:button", "Use the Sample")
                icon.name: "edit-undo"
                visible: step.wizard.perplexityText.length > 0
                onClicked: step.wizard.perplexityText = ""
            }
        }
    }

    RowLayout {
        Layout.leftMargin: Kirigami.Units.largeSpacing
        Layout.rightMargin: Kirigami.Units.largeSpacing
        spacing: Kirigami.Units.largeSpacing

        QQC2.Button {
            objectName: "startButton"
            text: i18nc("@action:button", "Quantize to %1", step.wizard.target)
            icon.name: "media-playback-start"
            enabled: step.wizard.outputPath.length > 0
            onClicked: step.wizard.start()
        }
        QQC2.Label {
            objectName: "outputPath"
            Layout.fillWidth: true
            text: i18nc("@info", "Saved as %1", step.wizard.outputPath)
            elide: Text.ElideMiddle
            opacity: 0.8
        }
    }
}
