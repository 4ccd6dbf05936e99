// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "WindowCapture.h"

#include <KLocalizedQmlContext>
#include <QColor>
#include <QImage>
#include <QQmlApplicationEngine>
#include <QQuickWindow>
#include <QSignalSpy>
#include <QTest>

#include <memory>

// The real main window for the UI tests: the QML engine, the window, and every QML warning printed since it
// was opened. The helpers use QVERIFY, which returns from the helper only: callers that go on afterwards check
// QTest::currentTestFailed().
struct MainWindowHarness {
    QQmlApplicationEngine *engine = nullptr;
    QQuickWindow *window = nullptr;
    std::unique_ptr<QSignalSpy> warnings;

    void open(QObject *owner, QSize size)
    {
        engine = new QQmlApplicationEngine(owner);
        KLocalization::setupLocalizedContext(engine);
        warnings = std::make_unique<QSignalSpy>(engine, &QQmlEngine::warnings);
        engine->loadFromModule("org.hearthapp.hearth", "Main");
        QCOMPARE(engine->rootObjects().size(), 1);
        window = qobject_cast<QQuickWindow *>(engine->rootObjects().constFirst());
        QVERIFY(window);
        window->resize(size);
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window));
    }

    // For each test's cleanup(): a QML warning fails the test that caused it.
    void verifyNoWarnings() const
    {
        const QString first = warnings->isEmpty() ? QString() : warnings->first().first().toString();
        QVERIFY2(warnings->isEmpty(), qPrintable(first));
    }

    void showPage(const QString &name) const
    {
        bool found = false;
        QVERIFY(QMetaObject::invokeMethod(window, "showPage", Q_RETURN_ARG(bool, found), Q_ARG(QString, name)));
        QVERIFY(found);
    }

    // Saves the window to PATH and checks it is drawn in the scheme's colours: the bottom right corner is page
    // background, dark in the dark scheme and light in the light one.
    void saveScreenshot(const QString &path, bool dark) const
    {
        const QString error = WindowCapture::save(window, path);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const QImage image(path);
        QVERIFY(!image.isNull());
        const QColor corner = image.pixelColor(image.width() - 3, image.height() - 3);
        QVERIFY2(dark ? corner.lightnessF() < 0.35 : corner.lightnessF() > 0.65,
                 qPrintable(QStringLiteral("%1: background %2").arg(path, corner.name())));
    }
};
