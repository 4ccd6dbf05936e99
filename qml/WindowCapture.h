// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

class QQuickWindow;

namespace WindowCapture
{
// Renders the window's current frame and writes it as PNG. Returns an empty string on success,
// otherwise a message naming the file and the problem.
QString save(QQuickWindow *window, const QString &path);
}
