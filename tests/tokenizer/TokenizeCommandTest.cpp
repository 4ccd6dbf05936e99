// SPDX-License-Identifier: GPL-3.0-or-later
// `hearth-cli tokenize`, run as a process; expected ids are llama.cpp's (reference/stories260K-llamacpp.json).
#include "CommandRun.h"
#include "TestData.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace Qt::StringLiterals;

namespace
{
CommandResult runTokenize(const QStringList &args)
{
    return runCommand(QStringLiteral(HEARTH_CLI_PATH), QStringList{u"tokenize"_s} + args);
}

QString stories()
{
    return TestData::sharedFile(u"models/stories260K.gguf"_s);
}
}

class TokenizeCommandTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void text()
    {
        HEARTH_REQUIRE_SHARED(u"models/stories260K.gguf"_s);
        const CommandResult r = runTokenize({u"-m"_s, stories(), u"Once upon a time"_s});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, u"     1 '<s>'\n   403 ' Once'\n   407 ' upon'\n   261 ' a'\n   378 ' time'\n"_s);
    }

    void json()
    {
        HEARTH_REQUIRE_SHARED(u"models/stories260K.gguf"_s);
        const CommandResult r = runTokenize({u"--json"_s, u"--no-bos"_s, u"-m"_s, stories(), u"Once upon a time"_s});
        QCOMPARE(r.exitCode, 0);
        QJsonParseError error{};
        const QJsonObject root = QJsonDocument::fromJson(r.out.toUtf8(), &error).object();
        QCOMPARE(error.error, QJsonParseError::NoError);
        QCOMPARE(root[u"tokens"_s].toArray(), (QJsonArray{403, 407, 261, 378}));
        QCOMPARE(root[u"pieces"_s].toArray(), (QJsonArray{u" Once"_s, u" upon"_s, u" a"_s, u" time"_s}));
    }

    void parseSpecial()
    {
        HEARTH_REQUIRE_SHARED(u"models/stories260K.gguf"_s);
        const CommandResult plain = runTokenize({u"--json"_s, u"--no-bos"_s, u"-m"_s, stories(), u"</s>"_s});
        const QJsonArray plainTokens = QJsonDocument::fromJson(plain.out.toUtf8()).object()[u"tokens"_s].toArray();
        QVERIFY(plainTokens.size() > 1);
        QVERIFY(!plainTokens.contains(2));
        const CommandResult special = runTokenize({u"--json"_s, u"--no-bos"_s, u"--parse-special"_s, u"-m"_s, stories(), u"</s>"_s});
        QCOMPARE(QJsonDocument::fromJson(special.out.toUtf8()).object()[u"tokens"_s].toArray(), QJsonArray{2});
    }

    void escapesControlCharacters()
    {
        HEARTH_REQUIRE_SHARED(u"models/stories260K.gguf"_s);
        const CommandResult r = runTokenize({u"--no-bos"_s, u"-m"_s, stories(), u"a\nb"_s});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(u"'\\n'"_s), qPrintable(r.out));
    }

    void errors()
    {
        const CommandResult missingModel = runTokenize({u"text"_s});
        QCOMPARE(missingModel.exitCode, 1);
        QVERIFY(missingModel.err.startsWith(u"hearth-cli: "_s));

        const CommandResult noFile = runTokenize({u"-m"_s, u"/nonexistent/model.gguf"_s, u"text"_s});
        QCOMPARE(noFile.exitCode, 1);
        QVERIFY2(noFile.err.startsWith(u"hearth-cli: /nonexistent/model.gguf: "_s), qPrintable(noFile.err));
    }
};

QTEST_GUILESS_MAIN(TokenizeCommandTest)
#include "TokenizeCommandTest.moc"
