// SPDX-License-Identifier: GPL-3.0-or-later
// The real app, twice, offscreen, in a private home: load stories260K, chat "Once upon a time" at temperature 0
// and check the streamed reply against llama.cpp's greedy continuation of that prompt (../shared/reference);
// then start again and find the conversation on disk and by search.
//
// stories260K has no chat template, so the app continues the text as it is: the reply must be llama.cpp's 64
// greedy tokens, spelt out here from the vocabulary in the file (not by our tokenizer), character for character.
#include "AppProcess.h"
#include "TestData.h"
#include "gguf/GgufFile.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace
{
// The text of SentencePiece tokens: U+2581 is a space, <0xNN> a byte.
QString spell(const hearth::GgufFile &file, const QJsonArray &ids)
{
    const hearth::GgufValue &tokens = file.require("tokenizer.ggml.tokens");
    QByteArray text;
    static const QRegularExpression byteToken(u"^<0x([0-9A-F]{2})>$"_s);
    for (const QJsonValue &id : ids) {
        const QString piece = QString::fromStdString(tokens.at(size_t(id.toInt())).toString());
        const QRegularExpressionMatch match = byteToken.match(piece);
        text += match.hasMatch() ? QByteArray(1, char(match.captured(1).toInt(nullptr, 16))) : piece.toUtf8().replace("\u2581", " ");
    }
    return QString::fromUtf8(text);
}
}

class EndToEndTest : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_home;

    // Runs hearth with the commands; returns the "hearth-test: " lines of its output.
    QStringList runApp(const QStringList &commands)
    {
        AppProcess app(m_home.path());
        if (!app.start(commands)) {
            qWarning().noquote() << "hearth did not start:" << app.error();
            return {};
        }
        if (!app.finish() || !app.exitedCleanly()) {
            qWarning().noquote() << "hearth failed:" << app.exitCode() << app.standardError();
            return {};
        }
        // QML warnings are bugs: the app's own log must have none.
        const QString err = app.standardError();
        if (err.contains(u"qrc:/"_s) || err.contains(u".qml:"_s)) {
            qWarning().noquote() << "QML warnings:" << err;
            return {};
        }
        return app.results();
    }

    static QString value(const QStringList &results, const QString &key)
    {
        for (const QString &line : results) {
            if (line.startsWith(key + u' ')) {
                return line.mid(key.size() + 1);
            }
        }
        return {};
    }

    static QString jsonString(const QString &quoted)
    {
        return QJsonDocument::fromJson((u'[' + quoted + u']').toUtf8()).array().first().toString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        HEARTH_REQUIRE_SHARED(u"models/stories260K.gguf"_s);
        HEARTH_REQUIRE_SHARED(u"reference/stories260K-llamacpp.json"_s);
        QVERIFY(m_home.isValid());
    }

    void chatPersistsAndIsFound()
    {
        const QString modelPath = TestData::sharedFile(u"models/stories260K.gguf"_s);
        QFile referenceFile(TestData::sharedFile(u"reference/stories260K-llamacpp.json"_s));
        QVERIFY(referenceFile.open(QIODevice::ReadOnly));
        const QJsonObject reference = QJsonDocument::fromJson(referenceFile.readAll()).object()[u"cases"_s].toArray().first().toObject();
        QCOMPARE(reference[u"prompt"_s].toString(), u"Once upon a time"_s);
        const QJsonArray greedy = reference[u"greedy"_s].toArray();
        const QString expectedReply = spell(*hearth::GgufFile::open(modelPath.toStdString()), greedy);
        QVERIFY(expectedReply.startsWith(u", there was"_s)); // it continues the prompt

        // First run: chat.
        const QStringList first = runApp({
            u"set temperature 0"_s,
            u"set repeatPenalty 1"_s,
            u"set maxTokens %1"_s.arg(greedy.size()),
            u"load %1"_s.arg(modelPath),
            u"new"_s,
            u"send Once upon a time"_s,
            u"screenshot %1"_s.arg(TestData::screenshotPath(u"e2e-chat"_s)),
            u"quit"_s,
        });
        QVERIFY(!first.isEmpty());
        const QString reply = jsonString(value(first, u"reply"_s));
        QCOMPARE(reply, expectedReply);
        QVERIFY2(jsonString(value(first, u"status"_s)).contains(u"tokens/s"_s), qPrintable(value(first, u"status"_s)));

        // Second run: the conversation is still there, and search finds it by a word of the reply.
        QString word;
        for (const QString &candidate : expectedReply.split(QRegularExpression(u"\\W+"_s), Qt::SkipEmptyParts)) {
            if (candidate.size() >= 4 && candidate.compare(u"upon"_s, Qt::CaseInsensitive) != 0) {
                word = candidate;
                break;
            }
        }
        QVERIFY2(!word.isEmpty(), qPrintable(expectedReply));
        const QStringList second = runApp({
            u"conversations"_s,
            u"search upon"_s,
            u"search %1"_s.arg(word),
            u"search zzyzx"_s,
            u"conversations"_s,
            u"open 0"_s,
            u"quit"_s,
        });
        QVERIFY(!second.isEmpty());
        QCOMPARE(value(second, u"conversations"_s), u"1"_s);
        QCOMPARE(jsonString(value(second, u"conversation"_s)), u"Once upon a time"_s);
        QCOMPARE(second.count(u"hits 1"_s), 2);
        QCOMPARE(second.count(u"hits 0"_s), 1);
        QCOMPARE(jsonString(value(second, u"hit"_s)), u"Once upon a time"_s);
        QCOMPARE(jsonString(value(second, u"message user"_s)), u"Once upon a time"_s);
        QCOMPARE(jsonString(value(second, u"message assistant"_s)), reply);
    }
};

QTEST_GUILESS_MAIN(EndToEndTest)
#include "EndToEndTest.moc"
