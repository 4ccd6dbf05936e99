// SPDX-License-Identifier: GPL-3.0-or-later
// The real app quits while a model is loaded and a reply is streaming: it must end promptly with status 0 (the
// engine's thread stopped and joined, the engine and the model freed before the application object goes; in
// the sanitizer build LeakSanitizer's exit status catches anything left behind), and the reply in flight is
// kept in the conversation file as far as it got.
#include "AppProcess.h"
#include "TestData.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

class AppExitTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        HEARTH_REQUIRE_SHARED(u"models/stories260K.gguf"_s);
    }

    void quitWhileStreaming()
    {
        QTemporaryDir home;
        QVERIFY(home.isValid());
        const QString question = u"Tell me a long story about a dragon"_s;
        {
            AppProcess app(home.path());
            // Long replies (up to the whole context) at a fixed seed: the reply is still streaming at "quit".
            QVERIFY2(app.start({u"set maxTokens 100000"_s,
                                u"set seed 7"_s,
                                u"load "_s + TestData::sharedFile(u"models/stories260K.gguf"_s),
                                u"stream "_s + question,
                                u"quit"_s}),
                     qPrintable(app.error()));
            QCOMPARE(app.waitFor(u"streaming"_s), u"streaming yes"_s);
            QCOMPARE(app.waitFor(u"quit"_s), u"quit generating yes"_s);
            QVERIFY2(app.finish(), "the app did not end after quit with a reply streaming");
            QVERIFY2(app.exitedCleanly(), qPrintable(u"exit code %1: %2"_s.arg(app.exitCode()).arg(app.standardError().right(3000))));
        }
        // The reply in flight was saved on the way out.
        AppProcess again(home.path());
        QVERIFY2(again.start({u"open 0"_s, u"quit"_s}), qPrintable(again.error()));
        QVERIFY(again.finish());
        QVERIFY2(again.exitedCleanly(), qPrintable(again.standardError().right(3000)));
        QStringList messages;
        for (const QString &line : again.results()) {
            if (line.startsWith(u"message "_s)) {
                messages.append(line);
            }
        }
        QCOMPARE(messages.size(), 2);
        const auto content = [](const QString &line) {
            const QString quoted = line.section(u' ', 2);
            return QJsonDocument::fromJson((u'[' + quoted + u']').toUtf8()).array().first().toString();
        };
        QVERIFY(messages[0].startsWith(u"message user "_s));
        QCOMPARE(content(messages[0]), question);
        QVERIFY(messages[1].startsWith(u"message assistant "_s));
        QVERIFY2(!content(messages[1]).isEmpty(), "the reply in flight was lost");
    }
};

QTEST_GUILESS_MAIN(AppExitTest)
#include "AppExitTest.moc"
