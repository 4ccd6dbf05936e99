// SPDX-License-Identifier: GPL-3.0-or-later
#include "WindowCapture.h"

#include <KLocalizedString>
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QQuickWindow>
#include <QSaveFile>

QString WindowCapture::save(QQuickWindow *window, const QString &path)
{
    const QImage image = window->grabWindow();
    if (image.isNull()) {
        return i18n("Could not render the window for %1.", path);
    }
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || !image.save(&file, "PNG") || !file.commit()) {
        return i18n("Could not write the screenshot %1: %2", path, file.errorString());
    }
    return {};
}
