// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import org.kde.kirigami as Kirigami

Kirigami.ScrollablePage {
    objectName: "settingsPage"
    title: i18nc("@title", "Settings")

    Kirigami.PlaceholderMessage {
        anchors.centerIn: parent
        width: parent.width - Kirigami.Units.gridUnit * 4
        icon.name: "settings-configure"
        text: i18nc("@info:placeholder", "Settings")
        explanation: i18nc("@info:placeholder", "Threads, context size and generation defaults will be set here.")
    }
}
