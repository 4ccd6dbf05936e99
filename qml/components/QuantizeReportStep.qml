// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls as QQC2
import QtQuick.Layouts
import QtGraphs
import org.kde.coreaddons as KCoreAddons
import org.kde.kirigami as Kirigami
import org.hearthapp.hearth

// Step 4: what the quantization cost: totals, the error of each layer as a chart, and every tensor.
ColumnLayout {
    id: step

    required property QuantizeWizard wizard

    readonly property bool hasPerplexity: Object.keys(step.wizard.perplexity).length > 0

    signal showModels()

    spacing: Kirigami.Units.largeSpacing

    function percent(fraction: real): string {
        return i18nc("@info percentage", "%1 %", (fraction * 100).toLocaleString(Qt.locale(), 'f', 2));
    }
    function number(value: real): string {
        return value.toExponential(2);
    }
    function decimal(value: real, decimals: int): string {
        return value.toLocaleString(Qt.locale(), 'f', decimals);
    }

    Kirigami.FormLayout {
        Layout.fillWidth: true

        Kirigami.Separator {
            Kirigami.FormData.isSection: true
            Kirigami.FormData.label: i18nc("@title:group", "Done")
        }
        QQC2.Label {
            objectName: "reportOutput"
            Kirigami.FormData.label: i18nc("@label", "Saved as:")
            Layout.maximumWidth: Kirigami.Units.gridUnit * 30
            text: step.wizard.outputPath
            elide: Text.ElideMiddle
        }
        QQC2.Label {
            objectName: "reportSize"
            Kirigami.FormData.label: i18nc("@label", "Size:")
            text: i18nc("@info input size, output size, percent", "%1 → %2 (%3 % of the original)",
                        KCoreAddons.Format.formatByteSize(step.wizard.summary.inputBytes ?? 0, 1),
                        KCoreAddons.Format.formatByteSize(step.wizard.summary.outputBytes ?? 0, 1),
                        Math.round(100 * (step.wizard.summary.outputBytes ?? 0) / Math.max(1, step.wizard.summary.inputBytes ?? 1)))
        }
        QQC2.Label {
            objectName: "reportError"
            Kirigami.FormData.label: i18nc("@label", "Error:")
            text: i18nc("@info mean relative error, rmse, max error", "mean relative %1, RMSE %2, largest %3",
                        step.percent(step.wizard.summary.meanRelError ?? 0), step.number(step.wizard.summary.rmse ?? 0),
                        step.number(step.wizard.summary.maxAbsError ?? 0))
        }
        QQC2.Label {
            Kirigami.FormData.label: i18nc("@label", "Time:")
            text: i18nc("@info seconds", "%1 s", (step.wizard.summary.seconds ?? 0).toLocaleString(Qt.locale(), 'f', 1))
        }
        QQC2.Label {
            Kirigami.FormData.label: i18nc("@label", "Warnings:")
            Layout.maximumWidth: Kirigami.Units.gridUnit * 30
            readonly property var warnings: step.wizard.summary.warnings ?? []
            visible: warnings.length > 0
            // The first few; every tensor is in the table below.
            text: warnings.length <= 3 ? warnings.join("\n")
                  : warnings.slice(0, 3).join("\n") + "\n" + i18ncp("@info", "and %1 more (see the table)", "and %1 more (see the table)", warnings.length - 3)
            wrapMode: Text.Wrap
            color: Kirigami.Theme.neutralTextColor
        }
        Kirigami.Separator {
            Kirigami.FormData.isSection: true
            Kirigami.FormData.label: i18nc("@title:group", "Perplexity on %1", step.wizard.perplexity.text ?? "")
            visible: step.hasPerplexity
        }
        QQC2.Label {
            objectName: "perplexityError"
            Kirigami.FormData.label: i18nc("@label", "Not measured:")
            Layout.maximumWidth: Kirigami.Units.gridUnit * 30
            visible: step.hasPerplexity && step.wizard.perplexity.error !== undefined
            text: step.wizard.perplexity.error ?? ""
            wrapMode: Text.Wrap
            color: step.wizard.perplexity.skipped ? Kirigami.Theme.textColor : Kirigami.Theme.negativeTextColor
        }
        QQC2.Label {
            objectName: "perplexityBefore"
            Kirigami.FormData.label: i18nc("@label perplexity of the original", "Before:")
            visible: step.wizard.perplexity.before !== undefined
            text: step.decimal(step.wizard.perplexity.before ?? 0, 3)
        }
        QQC2.Label {
            objectName: "perplexityAfter"
            Kirigami.FormData.label: i18nc("@label perplexity of the result", "After:")
            visible: step.wizard.perplexity.after !== undefined
            text: step.wizard.perplexity.change === undefined
                  ? i18nc("@info perplexity ± standard error", "%1 ± %2", step.decimal(step.wizard.perplexity.after ?? 0, 3), step.decimal(step.wizard.perplexity.afterError ?? 0, 3))
                  : i18nc("@info perplexity, change in percent", "%1 (%2 %)", step.decimal(step.wizard.perplexity.after ?? 0, 3),
                          ((step.wizard.perplexity.change >= 0 ? "+" : "") + step.decimal(step.wizard.perplexity.change * 100, 2)))
        }
        QQC2.Label {
            objectName: "perplexityKl"
            Kirigami.FormData.label: i18nc("@label", "KL divergence:")
            visible: step.wizard.perplexity.meanKl !== undefined
            text: i18nc("@info mean, largest KL divergence, percent of same top token", "mean %1, largest %2; same top token %3",
                        step.number(step.wizard.perplexity.meanKl ?? 0), step.number(step.wizard.perplexity.maxKl ?? 0),
                        step.percent(step.wizard.perplexity.sameTopToken ?? 0))
        }
        QQC2.Label {
            Kirigami.FormData.label: i18nc("@label", "Scored:")
            visible: step.wizard.perplexity.tokens !== undefined
            text: i18ncp("@info chunks, tokens scored", "%2 tokens in %1 chunk", "%2 tokens in %1 chunks",
                         step.wizard.perplexity.chunks ?? 0, step.wizard.perplexity.tokens ?? 0)
        }
        RowLayout {
            spacing: Kirigami.Units.largeSpacing
            QQC2.Button {
                objectName: "showModelsButton"
                text: i18nc("@action:button", "Show in Models")
                icon.name: "cpu"
                onClicked: step.showModels()
            }
            QQC2.Button {
                text: i18nc("@action:button", "Try Another Type")
                icon.name: "go-previous"
                onClicked: step.wizard.chooseAnotherTarget()
            }
        }
    }

    Kirigami.Heading {
        Layout.leftMargin: Kirigami.Units.largeSpacing
        level: 3
        text: i18nc("@title", "Mean relative error by layer")
    }

    GraphsView {
        id: chart

        objectName: "layerErrorChart"
        Layout.fillWidth: true
        Layout.preferredHeight: Kirigami.Units.gridUnit * 14
        Layout.leftMargin: Kirigami.Units.largeSpacing
        Layout.rightMargin: Kirigami.Units.largeSpacing

        readonly property bool dark: Kirigami.ColorUtils.brightnessForColor(Kirigami.Theme.backgroundColor) === Kirigami.ColorUtils.Dark

        theme: GraphsTheme {
            colorScheme: chart.dark ? GraphsTheme.ColorScheme.Dark : GraphsTheme.ColorScheme.Light
            backgroundVisible: false
            plotAreaBackgroundVisible: false
            labelTextColor: Kirigami.Theme.textColor
            seriesColors: [Kirigami.Theme.highlightColor]
            borderColors: [Kirigami.Theme.highlightColor]
        }
        axisX: BarCategoryAxis {
            categories: step.wizard.layerErrors.map(layer => String(layer.layer))
            gridVisible: false
            subGridVisible: false
        }
        axisY: ValueAxis {
            min: 0
            // Room above the tallest bar; in percent.
            max: Math.max(0.01, step.wizard.maxLayerRelError * 100 * 1.15)
            labelDecimals: 2
            subGridVisible: false
        }
        BarSeries {
            BarSet {
                label: i18nc("@label chart series", "Mean relative error (%)")
                values: step.wizard.layerErrors.map(layer => layer.meanRelError * 100)
            }
        }
    }

    Kirigami.Heading {
        Layout.leftMargin: Kirigami.Units.largeSpacing
        level: 3
        text: i18nc("@title", "Tensors")
    }

    QuantizeTensorTable {
        Layout.fillWidth: true
        Layout.leftMargin: Kirigami.Units.largeSpacing
        Layout.rightMargin: Kirigami.Units.largeSpacing
        model: step.wizard.report
    }
}
