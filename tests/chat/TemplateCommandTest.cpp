// SPDX-License-Identifier: GPL-3.0-or-later
// `hearth-cli template`, run as a process, against the jinja2 golden renders.
#include "CommandRun.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace
{
const QString chatTestDir = QStringLiteral(HEARTH_CHAT_TEST_DIR);

CommandResult runCli(const QStringList &args)
{
    return runCommand(QStringLiteral(HEARTH_CLI_PATH), QStringList{u"template"_s} + args);
}

QJsonObject readJson(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(file.readAll()).object() : QJsonObject();
}

// A golden case: the conversation and jinja2's prompt.
struct GoldenCase {
    QJsonArray messages;
    QString expected;
};

GoldenCase goldenCase(const QString &goldenName, const QString &conversation, bool addGenerationPrompt)
{
    const QJsonObject golden = readJson(chatTestDir + u"/golden/"_s + goldenName);
    for (const QJsonValue &value : golden[u"cases"_s].toArray()) {
        if (value[u"conversation"_s].toString() == conversation && value[u"add_generation_prompt"_s].toBool() == addGenerationPrompt) {
            return {golden[u"conversations"_s][conversation].toArray(), value[u"expected"_s].toString()};
        }
    }
    return {};
}
}

class TemplateCommandTest : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QString writeMessages(const QJsonArray &messages)
    {
        const QString path = m_dir.filePath(u"messages.json"_s);
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
            return {};
        }
        file.write(QJsonDocument(messages).toJson());
        return path;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
    }

    void rendersLikeJinja_data()
    {
        QTest::addColumn<QString>("templateName");
        QTest::addColumn<QString>("conversation");
        QTest::addColumn<bool>("addGenerationPrompt");
        QTest::newRow("llama 2, system, 3 turns") << u"llama-2-7b-chat"_s << u"three_turns_system"_s << true;
        QTest::newRow("zephyr, no generation prompt") << u"tinyllama-1.1b-chat-v1.0"_s << u"whitespace_unicode"_s << false;
        QTest::newRow("chatml, control text") << u"openhermes-2.5-chatml"_s << u"control_text"_s << true;
    }
    void rendersLikeJinja()
    {
        QFETCH(QString, templateName);
        QFETCH(QString, conversation);
        QFETCH(bool, addGenerationPrompt);
        const GoldenCase golden = goldenCase(templateName + u".json"_s, conversation, addGenerationPrompt);
        QVERIFY(!golden.messages.isEmpty());
        QStringList args{u"--template"_s, chatTestDir + u"/templates/"_s + templateName + u".jinja"_s, u"--messages"_s,
                         writeMessages(golden.messages)};
        if (!addGenerationPrompt) {
            args << u"--no-generation-prompt"_s;
        }
        const CommandResult r = runCli(args);
        QCOMPARE(r.err, QString());
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, golden.expected);
    }

    void jsonSegmentsAndFallback()
    {
        const QString messages = writeMessages({QJsonObject{{u"role"_s, u"user"_s}, {u"content"_s, u"<|im_end|>"_s}}});
        const QString unknown = m_dir.filePath(u"unknown.jinja"_s);
        QFile file(unknown);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("{% for m in messages %}{{ m.content }}{% endfor %}");
        file.close();

        const CommandResult r = runCli({u"--template"_s, unknown, u"--messages"_s, messages, u"--json"_s});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject root = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(root[u"family"_s].toString(), u"chatml"_s);
        QCOMPARE(root[u"fallback"_s].toBool(), true);
        const QJsonArray expected{
            QJsonObject{{u"text"_s, u"<|im_start|>"_s}, {u"trusted"_s, true}},
            QJsonObject{{u"text"_s, u"user"_s}, {u"trusted"_s, false}},
            QJsonObject{{u"text"_s, u"\n"_s}, {u"trusted"_s, true}},
            QJsonObject{{u"text"_s, u"<|im_end|>"_s}, {u"trusted"_s, false}},
            QJsonObject{{u"text"_s, u"<|im_end|>\n<|im_start|>assistant\n"_s}, {u"trusted"_s, true}},
        };
        QCOMPARE(root[u"segments"_s].toArray(), expected);

        const CommandResult plain = runCli({u"--template"_s, unknown, u"--messages"_s, messages, u"--family"_s, u"Phi3"_s});
        QCOMPARE(plain.exitCode, 0);
        QCOMPARE(plain.out, u"<|user|>\n<|im_end|><|end|>\n<|assistant|>\n"_s);
    }

    void errors()
    {
        const QString badJson = m_dir.filePath(u"bad.json"_s);
        QFile file(badJson);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("[{\"role\": \"user\"}]");
        file.close();
        const QString chatml = chatTestDir + u"/templates/openhermes-2.5-chatml.jinja"_s;

        const CommandResult noContent = runCli({u"--template"_s, chatml, u"--messages"_s, badJson});
        QCOMPARE(noContent.exitCode, 1);
        QCOMPARE(noContent.err, u"hearth-cli: %1: message 1 needs a string \"role\" and a string \"content\"\n"_s.arg(badJson));

        const CommandResult noSource = runCli({u"--messages"_s, badJson});
        QCOMPARE(noSource.exitCode, 1);
        QVERIFY(noSource.err.startsWith(u"hearth-cli: template needs"_s));

        const CommandResult badFamily = runCli({u"--template"_s, chatml, u"--messages"_s, badJson, u"--family"_s, u"alpaca"_s});
        QCOMPARE(badFamily.exitCode, 1);
        QVERIFY(badFamily.err.startsWith(u"hearth-cli: unknown template family 'alpaca'"_s));

        const CommandResult missing = runCli({u"--template"_s, m_dir.filePath(u"none.jinja"_s), u"--messages"_s, badJson});
        QCOMPARE(missing.exitCode, 1);
        QVERIFY2(missing.err.startsWith(u"hearth-cli: %1: cannot read"_s.arg(m_dir.filePath(u"none.jinja"_s))), qPrintable(missing.err));
    }
};

QTEST_GUILESS_MAIN(TemplateCommandTest)
#include "TemplateCommandTest.moc"
