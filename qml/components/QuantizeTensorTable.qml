// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls as QQC2
import QtQuick.Layouts
import org.kde.kirigami as Kirigami

// The per-tensor rows of a quantization report, as a plain table inside the page's own scrolling.
ColumnLayout {
    id: table

    property alias model: rows.model

    spacing: 0

    component Cell: QQC2.Label {
        Layout.preferredWidth: Kirigami.Units.gridUnit * 6
        elide: Text.ElideRight
    }

    RowLayout {
        Layout.fillWidth: true
        Cell { Layout.fillWidth: true; text: i18nc("@title:column", "Tensor"); font.bold: true }
        Cell { Layout.preferredWidth: Kirigami.Units.gridUnit * 7; text: i18nc("@title:column", "Shape"); font.bold: true }
        Cell { text: i18nc("@title:column", "Type"); font.bold: true }
        Cell { text: i18nc("@title:column", "RMSE"); font.bold: true }
        Cell { text: i18nc("@title:column", "Largest"); font.bold: true }
        Cell { text: i18nc("@title:column", "Relative"); font.bold: true }
    }
    Kirigami.Separator {
        Layout.fillWidth: true
    }

    Repeater {
        id: rows

        delegate: Rectangle {
            id: tensorRow

            required property int index
            required property string name
            required property string shape
            required property string sourceType
            required property string type
            required property bool fallback
            required property real rmse
            required property real maxAbsError
            required property real meanRelError
            required property bool warning

            Layout.fillWidth: true
            implicitHeight: cells.implicitHeight + Kirigami.Units.smallSpacing
            color: index % 2 ? Kirigami.Theme.alternateBackgroundColor : "transparent"

            RowLayout {
                id: cells
                anchors.fill: parent
                Cell {
                    Layout.fillWidth: true
                    text: tensorRow.name
                    color: tensorRow.warning ? Kirigami.Theme.neutralTextColor : Kirigami.Theme.textColor
                }
                Cell { Layout.preferredWidth: Kirigami.Units.gridUnit * 7; text: tensorRow.shape }
                Cell {
                    text: tensorRow.sourceType === tensorRow.type ? tensorRow.type : tensorRow.sourceType + " → " + tensorRow.type
                    font.italic: tensorRow.fallback
                }
                Cell { text: tensorRow.rmse.toExponential(2) }
                Cell { text: tensorRow.maxAbsError.toExponential(2) }
                Cell { text: (tensorRow.meanRelError * 100).toFixed(2) + " %" }
            }
        }
    }
}
