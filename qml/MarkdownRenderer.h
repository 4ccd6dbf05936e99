// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

// Turns a message's Markdown (GitHub dialect) into the HTML a Qt Quick Text shows: prose through
// QTextDocument's Markdown reader, fenced code blocks coloured by KF6 SyntaxHighlighting for the language
// named after the fence (a language it does not know stays plain monospace) on the theme's background.
namespace MarkdownRenderer
{
QString toHtml(const QString &markdown, bool darkTheme);
}
