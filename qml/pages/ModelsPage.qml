// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import org.kde.kirigami as Kirigami
import org.hearthapp.hearth

Kirigami.ScrollablePage {
    objectName: "modelsPage"
    title: i18nc("@title", "Models")

    Kirigami.PlaceholderMessage {
        anchors.centerIn: parent
        width: parent.width - Kirigami.Units.gridUnit * 4
        icon.name: "cpu"
        text: App.requestedModel.length > 0
              ? i18nc("@info:placeholder", "Model to open: %1", App.requestedModel)
              : i18nc("@info:placeholder", "No models yet")
        explanation: i18nc("@info:placeholder", "Drop a GGUF file here, choose a models folder, or download one by its URL.")
    }
}
