// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <KAboutData>
#include <QObject>
#include <QQmlEngine>

// Application-wide state the QML pages read: the about data and what the command line asked for.
class App : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_SINGLETON

    Q_PROPERTY(KAboutData aboutData READ aboutData CONSTANT)
    Q_PROPERTY(QString requestedModel READ requestedModel NOTIFY requestedModelChanged)

public:
    static App *instance();

    // Hearth's about data (name, version, licence, authors), set as the application data by main().
    static KAboutData makeAboutData();
    // The Qt Quick style and icon theme, for the app and for tests alike; call before QApplication.
    static void setupStyle();
    // Falls back to Breeze icons where no platform theme chose an icon theme (offscreen, bare X11), and gives the
    // application its icon (windows, the About page).
    static void setupIconTheme();
    static App *create(QQmlEngine *qmlEngine, QJSEngine *jsEngine);

    KAboutData aboutData() const;

    QString requestedModel() const;
    void setRequestedModel(const QString &path);

Q_SIGNALS:
    void requestedModelChanged();

private:
    explicit App(QObject *parent = nullptr);

    QString m_requestedModel;
};
