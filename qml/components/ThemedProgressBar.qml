// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls as QQC2
import org.kde.kirigami as Kirigami

// A progress bar drawn in the theme's colours. The desktop style paints its bar with the platform's QStyle, and
// without Breeze's (offscreen, or the AppImage on another desktop) that paints nothing at all.
QQC2.ProgressBar {
    id: bar

    from: 0
    to: 1
    topInset: 0
    bottomInset: 0
    padding: 0
    // The sweep leaves the fill wherever it stopped.
    onIndeterminateChanged: fill.x = 0

    background: Rectangle {
        implicitHeight: Kirigami.Units.smallSpacing * 2
        radius: height / 2
        color: Kirigami.ColorUtils.linearInterpolation(Kirigami.Theme.backgroundColor, Kirigami.Theme.textColor, 0.15)
    }
    contentItem: Item {
        implicitHeight: Kirigami.Units.smallSpacing * 2
        clip: bar.indeterminate

        Rectangle {
            id: fill

            // Indeterminate: a third of the bar sweeping across it.
            width: bar.indeterminate ? parent.width / 3 : bar.visualPosition * parent.width
            height: parent.height
            radius: height / 2
            color: Kirigami.Theme.highlightColor

            XAnimator on x {
                running: bar.indeterminate && bar.visible
                loops: Animation.Infinite
                from: -fill.width
                to: bar.width
                duration: Kirigami.Units.veryLongDuration * 3
            }
        }
    }
}
