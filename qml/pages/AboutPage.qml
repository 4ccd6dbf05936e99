// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import org.kde.kirigami as Kirigami
import org.hearthapp.hearth

// Kirigami's own about page: Kirigami Addons 1.7's FormCard.AboutPage warns at load (its MessageDialog
// cannot resolve its own enum), and QML warnings fail our tests.
Kirigami.AboutPage {
    objectName: "aboutPage"
    aboutData: App.aboutData
}
