// SPDX-License-Identifier: GPL-3.0-or-later
// Starts the real main window offscreen, walks the global navigation and saves a screenshot of each page.
#include "App.h"
#include "MainWindowHarness.h"
#include "TestData.h"

#include <KAboutData>
#include <KLocalizedString>
#include <QApplication>
#include <QImage>
#include <QQuickItem>
#include <QQuickWindow>
#include <QSet>
#include <QTest>
#include <QtQml/QQmlExtensionPlugin>

Q_IMPORT_QML_PLUGIN(org_hearthapp_hearthPlugin)

using namespace Qt::StringLiterals;

class MainWindowTest : public QObject
{
    Q_OBJECT

private:
    MainWindowHarness m_main;

    QObject *currentPage() const
    {
        auto *pageStack = m_main.window->property("pageStack").value<QObject *>();
        return pageStack ? pageStack->property("currentItem").value<QObject *>() : nullptr;
    }

private Q_SLOTS:
    void initTestCase()
    {
        KLocalizedString::setApplicationDomain("hearth");
        App::setupIconTheme();
        KAboutData::setApplicationData(App::makeAboutData());

        m_main.open(this, QSize(1100, 720));
        QVERIFY(!QTest::currentTestFailed());
        QCOMPARE(m_main.window->title(), u"Hearth"_s);
    }

    // QML warnings (binding loops, type errors, missing modules) are bugs: none may appear on any page.
    void cleanup()
    {
        m_main.verifyNoWarnings();
    }

    void startsOnChats()
    {
        QVERIFY(currentPage());
        QCOMPARE(currentPage()->objectName(), u"chatsPage"_s);
    }

    void navigation_data()
    {
        QTest::addColumn<QString>("action");
        QTest::addColumn<QString>("page");
        QTest::addColumn<QString>("title");
        QTest::newRow("chats") << u"chats"_s << u"chatsPage"_s << u"Chats"_s;
        QTest::newRow("models") << u"models"_s << u"modelsPage"_s << u"Models"_s;
        QTest::newRow("quantize") << u"quantize"_s << u"quantizePage"_s << u"Quantize"_s;
        QTest::newRow("settings") << u"settings"_s << u"settingsPage"_s << u"Settings"_s;
        QTest::newRow("about") << u"about"_s << u"aboutPage"_s << u"About Hearth"_s;
    }

    void navigation()
    {
        QFETCH(QString, action);
        QFETCH(QString, page);
        QFETCH(QString, title);

        m_main.showPage(action);
        QVERIFY(!QTest::currentTestFailed());
        QTRY_COMPARE(currentPage()->objectName(), page);
        // The page stack holds just the chosen page: navigation replaces, it does not pile up.
        auto *pageStack = m_main.window->property("pageStack").value<QObject *>();
        QCOMPARE(pageStack->property("depth").toInt(), 1);
        if (action != u"about"_s) { // FormCard.AboutPage titles itself
            QCOMPARE(currentPage()->property("title").toString(), title);
        }

        QTest::qWait(300); // page transition
        const QString path = TestData::screenshotPath(u"main-"_s + action);
        const QString error = WindowCapture::save(m_main.window, path);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const QImage image(path);
        QCOMPARE(image.size(), m_main.window->size() * m_main.window->devicePixelRatio());
        // A drawn window has text, icons and a sidebar: many distinct colours, not a blank fill.
        QSet<QRgb> colours;
        for (int y = 0; y < image.height(); y += 3) {
            for (int x = 0; x < image.width(); x += 3) {
                colours.insert(image.pixel(x, y));
            }
        }
        QVERIFY2(colours.size() > 20, qPrintable(u"only %1 colours in %2"_s.arg(colours.size()).arg(path)));
    }

    void unknownPageIsRefused()
    {
        bool found = true;
        QVERIFY(QMetaObject::invokeMethod(m_main.window, "showPage", Q_RETURN_ARG(bool, found), Q_ARG(QString, u"nope"_s)));
        QVERIFY(!found);
    }

    void aboutDataReachesQml()
    {
        QCOMPARE(App::instance()->aboutData().componentName(), u"hearth"_s);
        QCOMPARE(App::instance()->aboutData().licenses().constFirst().key(), KAboutLicense::GPL_V3);
    }
};

int main(int argc, char *argv[])
{
    App::setupStyle();
    QApplication app(argc, argv);
    MainWindowTest test;
    return QTest::qExec(&test, argc, argv);
}
#include "MainWindowTest.moc"
