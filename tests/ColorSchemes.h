// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QApplication>
#include <QColor>
#include <QFile>
#include <QPalette>
#include <QString>

// Colour schemes for screenshot tests, applied with QApplication::setPalette() (Kirigami's theme follows it).
namespace ColorSchemes
{
// Breeze Dark's colours, as the palette a dark colour scheme gives the application.
inline QPalette dark()
{
    QPalette p;
    const QColor window(0x20, 0x23, 0x26), base(0x14, 0x16, 0x18), text(0xfc, 0xfc, 0xfc), button(0x29, 0x2c, 0x30);
    const QColor highlight(0x3d, 0xae, 0xe9), disabled(0x6e, 0x71, 0x75);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0x1d, 0x1f, 0x22));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, button);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::Highlight, highlight);
    p.setColor(QPalette::HighlightedText, text);
    p.setColor(QPalette::ToolTipBase, window);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(0xa1, 0xa9, 0xb1));
    p.setColor(QPalette::Link, QColor(0x1d, 0x99, 0xf3));
    p.setColor(QPalette::Mid, QColor(0x1c, 0x1e, 0x20));
    p.setColor(QPalette::Dark, QColor(0x10, 0x11, 0x12));
    p.setColor(QPalette::Light, QColor(0x40, 0x43, 0x47));
    p.setColor(QPalette::Disabled, QPalette::Text, disabled);
    p.setColor(QPalette::Disabled, QPalette::WindowText, disabled);
    p.setColor(QPalette::Disabled, QPalette::ButtonText, disabled);
    return p;
}

// Switches the application to Breeze Dark or Breeze (light). KDE's Qt Quick style takes Kirigami's colours from
// the colour scheme file named by the application's KDE_COLOR_SCHEME_PATH property (what KColorSchemeManager
// sets), re-read when the palette changes. Both schemes are written as files into `schemeFolder`, so the result
// does not depend on the user's kdeglobals.
inline void apply(bool dark, const QPalette &light, const QString &schemeFolder)
{
    const QString path = schemeFolder + (dark ? QStringLiteral("/HearthTestDark.colors") : QStringLiteral("/HearthTestLight.colors"));
    QFile file(path);
    if (file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        // Breeze's and Breeze Dark's values for the colour sets Kirigami uses: name, background, alternate.
        const char *darkSets[][3] = {
            {"View", "20,22,24", "29,31,34"},      {"Window", "32,35,38", "29,31,34"},
            {"Button", "41,44,48", "35,38,41"},    {"Selection", "61,174,233", "29,153,243"},
            {"Tooltip", "41,44,48", "32,35,38"},   {"Complementary", "42,46,50", "27,30,32"},
            {"Header", "41,44,48", "32,35,38"},
        };
        const char *lightSets[][3] = {
            {"View", "255,255,255", "247,247,247"}, {"Window", "239,240,241", "227,229,231"},
            {"Button", "252,252,252", "239,240,241"}, {"Selection", "61,174,233", "29,153,243"},
            {"Tooltip", "247,247,247", "239,240,241"}, {"Complementary", "42,46,50", "27,30,32"},
            {"Header", "222,224,226", "239,240,241"},
        };
        const QByteArray foreground = dark ? "252,252,252" : "35,38,41";
        QByteArray text = "[General]\nColorScheme=HearthTest\n\n";
        for (const auto &set : dark ? darkSets : lightSets) {
            text += QByteArray("[Colors:") + set[0] + "]\nBackgroundNormal=" + set[1] + "\nBackgroundAlternate=" + set[2]
                + "\nForegroundNormal=" + foreground
                + "\nForegroundInactive=112,125,138\nForegroundActive=61,174,233"
                  "\nForegroundLink=29,153,243\nForegroundVisited=155,89,182\nForegroundNegative=218,68,83"
                  "\nForegroundNeutral=246,116,0\nForegroundPositive=39,174,96\nDecorationFocus=61,174,233"
                  "\nDecorationHover=61,174,233\n\n";
        }
        file.write(text);
        file.close();
    }
    qApp->setProperty("KDE_COLOR_SCHEME_PATH", path);
    QApplication::setPalette(dark ? ColorSchemes::dark() : light);
}
}
