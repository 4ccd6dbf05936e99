// SPDX-License-Identifier: GPL-3.0-or-later
// The model file changes on disk while ChatEngine holds it (stories260K, copied): truncated, or copied over in
// place, the next reply is an error naming the file (instead of the SIGBUS handler stopping the process, or
// weights changing under the reply); renamed over, it is harmless (the mapping keeps the old file).
#include "TestData.h"
#include "engine/ChatEngine.h"

#include <QCoroTask>
#include <QDateTime>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cstdio>

using namespace hearth;
using namespace Qt::StringLiterals;

namespace
{
GenerationParams shortReply()
{
    GenerationParams params;
    params.temperature = 0;
    params.maxNewTokens = 8;
    return params;
}

ChatReply ask(ChatEngine &engine)
{
    return QCoro::waitFor(engine.generate(1, {{u"user"_s, u"Once upon a time"_s}}, shortReply()));
}
}

class ModelFileChangedTest : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QByteArray m_model; // stories260K.gguf

    // A private copy of the model, loaded into `engine`, answering; empty on failure (the test has failed then).
    QString loadCopy(ChatEngine &engine, const QString &name)
    {
        const QString path = m_dir.filePath(name);
        QFile file(path);
        // Written a while ago: a later write gets another time stamp even on a coarse file system clock.
        if (!file.open(QIODevice::WriteOnly) || file.write(m_model) != m_model.size() || !file.flush()
            || !file.setFileTime(QDateTime::currentDateTime().addSecs(-3600), QFileDevice::FileModificationTime)) {
            return {};
        }
        file.close();
        LoadParams params;
        params.threads = 1;
        const LoadResult loaded = QCoro::waitFor(engine.load(path, params));
        if (!loaded.ok()) {
            qWarning() << loaded.error;
            return {};
        }
        const ChatReply reply = ask(engine);
        return reply.ok() && !reply.text.isEmpty() ? path : QString();
    }

    static void verifyError(const ChatReply &reply, const QString &expected)
    {
        QVERIFY2(reply.error.contains(expected), qPrintable(reply.error));
        QCOMPARE(reply.stats.stopReason, ReplyStats::Error);
        QVERIFY(reply.text.isEmpty());
    }

private Q_SLOTS:
    void initTestCase()
    {
        HEARTH_REQUIRE_SHARED(u"models/stories260K.gguf"_s);
        QVERIFY(m_dir.isValid());
        QFile model(TestData::sharedFile(u"models/stories260K.gguf"_s));
        QVERIFY(model.open(QIODevice::ReadOnly));
        m_model = model.readAll();
    }

    void truncated()
    {
        ChatEngine engine;
        const QString path = loadCopy(engine, u"truncated.gguf"_s);
        QVERIFY(!path.isEmpty());
        QVERIFY(QFile::resize(path, m_model.size() / 2));
        verifyError(ask(engine), path + u": the file was truncated while in use"_s);
        // Every further reply says so too, until the model is loaded again.
        verifyError(ask(engine), path + u": the file was truncated while in use"_s);
        QVERIFY(QFile::remove(path));
        QVERIFY(!loadCopy(engine, u"truncated.gguf"_s).isEmpty());
    }

    void copiedOverInPlace()
    {
        ChatEngine engine;
        const QString path = loadCopy(engine, u"overwritten.gguf"_s);
        QVERIFY(!path.isEmpty());
        // As `cp other.gguf model.gguf` does: the same file, truncated and written again (here: same bytes).
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QCOMPARE(file.write(m_model), m_model.size());
        file.close();
        verifyError(ask(engine), path + u": the file was changed while in use"_s);
    }

    void renamedOverIsHarmless()
    {
        ChatEngine engine;
        const QString path = loadCopy(engine, u"renamed.gguf"_s);
        QVERIFY(!path.isEmpty());
        QFile other(m_dir.filePath(u"other.gguf"_s));
        QVERIFY(other.open(QIODevice::WriteOnly));
        QCOMPARE(other.write(m_model.left(4096)), 4096); // not even a whole model
        other.close();
        QVERIFY(::rename(QFile::encodeName(other.fileName()).constData(), QFile::encodeName(path).constData()) == 0);
        const ChatReply after = ask(engine);
        QVERIFY2(after.ok(), qPrintable(after.error));
        QVERIFY(!after.text.isEmpty());
    }
};

QTEST_GUILESS_MAIN(ModelFileChangedTest)
#include "ModelFileChangedTest.moc"
