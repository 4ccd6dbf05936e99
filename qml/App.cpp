// SPDX-License-Identifier: GPL-3.0-or-later
#include "App.h"

#include "hearth-version.h"

#include <KLocalizedString>
#include <QGuiApplication>
#include <QIcon>
#include <QQuickStyle>

using namespace Qt::StringLiterals;

App::App(QObject *parent)
    : QObject(parent)
{
}

App *App::instance()
{
    static App app;
    return &app;
}

App *App::create(QQmlEngine *qmlEngine, QJSEngine *jsEngine)
{
    Q_UNUSED(qmlEngine)
    Q_UNUSED(jsEngine)
    // One instance shared by C++ (main) and QML; QML must not delete it.
    QJSEngine::setObjectOwnership(instance(), QJSEngine::CppOwnership);
    return instance();
}

KAboutData App::makeAboutData()
{
    KAboutData about(u"hearth"_s,
                     i18nc("@title", "Hearth"),
                     QStringLiteral(HEARTH_VERSION_STRING),
                     i18n("Chat with large language models, privately, on your own computer."),
                     KAboutLicense::GPL_V3,
                     i18n("© 2026 The Hearth developers"));
    about.setDesktopFileName(u"org.hearthapp.hearth"_s);
    about.addAuthor(i18n("The Hearth developers"));
    return about;
}

void App::setupStyle()
{
    if (qEnvironmentVariableIsEmpty("QT_QUICK_CONTROLS_STYLE")) {
        QQuickStyle::setStyle(u"org.kde.desktop"_s);
    }
}

void App::setupIconTheme()
{
    const QString theme = QIcon::themeName();
    if (theme.isEmpty() || theme == u"hicolor"_s) {
        QIcon::setThemeName(u"breeze"_s);
    }
    QIcon::setFallbackThemeName(u"breeze"_s);
    QGuiApplication::setWindowIcon(QIcon::fromTheme(u"org.hearthapp.hearth"_s, QIcon(u":/icons/org.hearthapp.hearth.svg"_s)));
}

KAboutData App::aboutData() const
{
    return KAboutData::applicationData();
}

QString App::requestedModel() const
{
    return m_requestedModel;
}

void App::setRequestedModel(const QString &path)
{
    if (m_requestedModel == path) {
        return;
    }
    m_requestedModel = path;
    Q_EMIT requestedModelChanged();
}
