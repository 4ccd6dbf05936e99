// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import org.kde.kirigamiaddons.formcard as FormCard

// A FormCard spin box for a decimal setting: SpinBox counts integers, so it counts hundredths here.
FormCard.FormSpinBoxDelegate {
    id: delegate

    property real realValue: 0
    property real realFrom: 0
    property real realTo: 1
    property real realStep: 0.05

    signal edited(real value)

    readonly property int factor: 100

    from: Math.round(realFrom * factor)
    to: Math.round(realTo * factor)
    stepSize: Math.max(1, Math.round(realStep * factor))
    value: Math.round(realValue * factor)
    textFromValue: (value, locale) => Number(value / factor).toLocaleString(locale, 'f', 2)
    valueFromText: (text, locale) => Math.round(Number.fromLocaleString(locale, text) * factor)
    onValueChanged: if (Math.round(realValue * factor) !== value) {
        delegate.edited(value / factor);
    }
}
