// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QDir>
#include <QFileInfo>
#include <QString>
#include <QTest>

// Shared test data lives in ../shared beside the checkout; HEARTH_SHARED_DIR (environment or CMake cache)
// points elsewhere. Tests that need it skip, saying so, when it is absent.
namespace TestData
{
inline QString sharedDir()
{
    const QString fromEnv = qEnvironmentVariable("HEARTH_SHARED_DIR");
    return QDir::cleanPath(fromEnv.isEmpty() ? QStringLiteral(HEARTH_SHARED_DIR_DEFAULT) : fromEnv);
}

inline QString sharedFile(const QString &relative)
{
    return sharedDir() + QLatin1Char('/') + relative;
}

inline QString screenshotPath(const QString &name)
{
    return QStringLiteral(HEARTH_SCREENSHOT_DIR "/") + name + QStringLiteral(".png");
}
}

// Skips the current test when a file of the shared data is missing.
#define HEARTH_REQUIRE_SHARED(relative)                                                                      \
    do {                                                                                                     \
        if (!QFileInfo::exists(TestData::sharedFile(relative))) {                                             \
            QSKIP(qPrintable(QStringLiteral("shared test data not found: %1 (set HEARTH_SHARED_DIR)")           \
                                 .arg(TestData::sharedFile(relative))));                                      \
        }                                                                                                    \
    } while (false)
