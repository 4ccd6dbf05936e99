// SPDX-License-Identifier: GPL-3.0-or-later
#include "App.h"
#include "TestScript.h"
#include "WindowCapture.h"

#include <KAboutData>
#include <KLocalizedQmlContext>
#include <KLocalizedString>
#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QQmlApplicationEngine>
#include <QQuickWindow>
#include <QTimer>
#include <QtQml/QQmlExtensionPlugin>

#include <cstdio>

Q_IMPORT_QML_PLUGIN(org_hearthapp_hearthPlugin)

using namespace Qt::StringLiterals;

// Without a display Qt would abort with a terse error; say what happened and how to render offscreen.
static bool haveDisplay()
{
#if defined(Q_OS_LINUX) || defined(Q_OS_FREEBSD)
    return qEnvironmentVariableIsSet("QT_QPA_PLATFORM") || qEnvironmentVariableIsSet("DISPLAY")
        || qEnvironmentVariableIsSet("WAYLAND_DISPLAY");
#else
    return true;
#endif
}

int main(int argc, char *argv[])
{
    if (!haveDisplay()) {
        std::fputs("hearth: no display found (DISPLAY and WAYLAND_DISPLAY are unset).\n"
                   "hearth: to render the window offscreen and save a picture of it:\n"
                   "hearth:   QT_QPA_PLATFORM=offscreen hearth --screenshot hearth.png\n",
                   stderr);
        return 1;
    }
    App::setupStyle();
    QApplication app(argc, argv);
    KLocalizedString::setApplicationDomain("hearth");
    App::setupIconTheme();

    KAboutData about = App::makeAboutData();
    KAboutData::setApplicationData(about);

    QCommandLineParser parser;
    const QCommandLineOption modelOption(u"model"_s, i18n("Open the GGUF model <file>."), i18n("file"));
    const QCommandLineOption screenshotOption(u"screenshot"_s,
                                              i18n("Render the window, save it as PNG to <file> and quit."),
                                              i18n("file"));
    const QCommandLineOption pageOption(u"page"_s,
                                        i18n("Start on <page>: chats, models, quantize, settings or about."),
                                        i18n("page"));
    const QCommandLineOption testScriptOption(u"test-script"_s,
                                              i18n("Run the commands in <file> against the window (for automated tests)."),
                                              i18n("file"));
    parser.addOptions({modelOption, screenshotOption, pageOption, testScriptOption});
    about.setupCommandLine(&parser);
    parser.process(app);
    about.processCommandLine(&parser);

    if (parser.isSet(modelOption)) {
        const QFileInfo model(parser.value(modelOption));
        if (!model.isFile()) {
            std::fprintf(stderr, "hearth: %s\n",
                         qPrintable(i18n("The model file %1 does not exist.", model.filePath())));
            return 1;
        }
        App::instance()->setRequestedModel(model.absoluteFilePath());
    }

    QQmlApplicationEngine engine;
    KLocalization::setupLocalizedContext(&engine);
    engine.loadFromModule("org.hearthapp.hearth", "Main");
    if (engine.rootObjects().isEmpty()) {
        return 1;
    }
    auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().constFirst());
    if (parser.isSet(pageOption)) {
        bool found = false;
        QMetaObject::invokeMethod(window, "showPage", Q_RETURN_ARG(bool, found), Q_ARG(QString, parser.value(pageOption)));
        if (!found) {
            std::fprintf(stderr, "hearth: %s\n", qPrintable(i18n("There is no page named %1.", parser.value(pageOption))));
            return 1;
        }
    }

    if (parser.isSet(testScriptOption)) {
        auto *script = TestScript::fromFile(window, parser.value(testScriptOption), &app);
        if (!script) {
            return 1;
        }
        script->start();
    }
    if (parser.isSet(screenshotOption)) {
        // Let page transitions and icon loading settle before the picture.
        QTimer::singleShot(1000, window, [window, path = parser.value(screenshotOption)] {
            const QString error = WindowCapture::save(window, path);
            if (!error.isEmpty()) {
                std::fprintf(stderr, "hearth: %s\n", qPrintable(error));
            }
            QCoreApplication::exit(error.isEmpty() ? 0 : 1);
        });
    }
    return app.exec();
}
