// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick

// The chat's keyboard shortcuts, anywhere in the window: Ctrl+N new chat, Ctrl+F search, Esc stops the reply
// being generated.
Item {
    id: shortcuts

    property bool generating: false

    signal newChatRequested()
    signal searchRequested()
    signal stopRequested()

    Shortcut {
        sequence: StandardKey.New
        onActivated: shortcuts.newChatRequested()
    }
    Shortcut {
        sequence: StandardKey.Find
        onActivated: shortcuts.searchRequested()
    }
    Shortcut {
        sequence: "Escape"
        enabled: shortcuts.generating
        onActivated: shortcuts.stopRequested()
    }
}
