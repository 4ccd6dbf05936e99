// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import org.kde.kirigami as Kirigami

Kirigami.ScrollablePage {
    objectName: "quantizePage"
    title: i18nc("@title", "Quantize")

    Kirigami.PlaceholderMessage {
        anchors.centerIn: parent
        width: parent.width - Kirigami.Units.gridUnit * 4
        icon.name: "archive-insert"
        text: i18nc("@info:placeholder", "Make a model smaller and faster")
        explanation: i18nc("@info:placeholder", "Drop a GGUF file or a Hugging Face model folder here to quantize it.")
    }
}
