// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine/ChatEngine.h"
#include "engine/ChatWorker.h"
#include "chat/ChatTemplate.h"
#include "chat/HistoryTrimmer.h"
#include "model/LlamaModel.h"
#include "tokenizer/Tokenizer.h"

#include "EngineTestUtil.h"
#include "TestData.h"

#include <QCoroTask>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace hearth;
using namespace EngineTestUtil;
using namespace Qt::StringLiterals;

namespace
{
QString modelPath()
{
    return TestData::sharedFile(QString::fromLatin1(modelFile));
}

LoadParams zephyrParams()
{
    LoadParams params;
    params.templateFamily = u"zephyr"_s;
    params.kvType = u"f32"_s;
    params.threads = 1;
    return params;
}

GenerationParams greedyParams(int maxNewTokens)
{
    GenerationParams params;
    params.temperature = 0;
    params.repeatPenalty = 1;
    params.maxNewTokens = maxNewTokens;
    return params;
}

std::vector<ChatMessage> toChat(const QList<ConversationMessage> &messages)
{
    std::vector<ChatMessage> out;
    for (const ConversationMessage &m : messages) {
        out.push_back({m.role.toStdString(), m.content.toStdString()});
    }
    return out;
}
}

class ChatEngineTest : public QObject
{
    Q_OBJECT

    std::unique_ptr<LlamaModel> m_model; // for the independent greedy runs

    // The prompt as the whole rendered text tokenized at once (what the trimmer must match for plain content).
    std::vector<int32_t> prompt(const QList<ConversationMessage> &messages) const
    {
        const ChatTemplate zephyr = ChatTemplate::forFamily(TemplateFamily::Zephyr, "<s>", "</s>");
        return m_model->tokenizer().encode(zephyr.renderText(toChat(messages), true), true, true);
    }

    static LoadResult load(ChatEngine &engine, const QString &path, const LoadParams &params)
    {
        return QCoro::waitFor(engine.load(path, params));
    }

private Q_SLOTS:
    void initTestCase()
    {
        HEARTH_REQUIRE_SHARED(QString::fromLatin1(modelFile));
        m_model = LlamaModel::load(modelPath().toStdString());
    }

    void loadReportsModelAndProgress()
    {
        ChatEngine engine;
        QSignalSpy progress(&engine, &ChatEngine::loadProgress);
        QSignalSpy changed(&engine, &ChatEngine::modelChanged);
        const LoadResult result = load(engine, modelPath(), {});
        QVERIFY2(result.ok(), qPrintable(result.error));
        QVERIFY(engine.isLoaded());
        QVERIFY(!engine.isLoading());
        QCOMPARE(changed.count(), 1);
        const ModelInfo info = engine.model();
        QCOMPARE(info, result.model);
        QCOMPARE(info.path, modelPath());
        QCOMPARE(info.contextSize, 2048);
        QCOMPARE(info.trainingContext, 2048);
        QCOMPARE(info.vocabularySize, 512);
        QCOMPARE(info.templateFamily, u"completion"_s); // no template in the file: plain text
        QVERIFY(!info.templateFallback);
        QCOMPARE(info.weightBytes, qint64(1171200));
        // F16 KV: 5 layers x 2048 positions x 32 values x 2 bytes, keys and values.
        QCOMPARE(info.kvCacheBytes, qint64(2 * 5 * 2048 * 32 * 2));
        QVERIFY(info.estimatedBytes > info.weightBytes + info.kvCacheBytes);
        QVERIFY(progress.count() >= 2);
        double last = -1;
        for (const QList<QVariant> &signal : progress) {
            QVERIFY(signal.first().toDouble() >= last);
            last = signal.first().toDouble();
        }
        QCOMPARE(last, 1.0);
    }

    void loadErrors_data()
    {
        QTest::addColumn<QString>("file"); // "model": the real one; else a file made in the test
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("templateFamily");
        QTest::addColumn<QString>("kvType");
        QTest::addColumn<QString>("message");
        QFile model(TestData::sharedFile(QString::fromLatin1(modelFile)));
        QByteArray bytes;
        if (model.open(QIODevice::ReadOnly)) {
            bytes = model.readAll();
        }
        QTest::newRow("missing") << u"missing.gguf"_s << QByteArray() << QString() << u"f16"_s << u"missing.gguf"_s;
        QTest::newRow("truncated") << u"truncated.gguf"_s << bytes.left(bytes.size() / 2) << QString() << u"f16"_s << u"truncated.gguf"_s;
        QTest::newRow("header only") << u"header.gguf"_s << bytes.left(5000) << QString() << u"f16"_s << u"header.gguf"_s;
        QTest::newRow("not gguf") << u"notes.gguf"_s << QByteArray("These are my notes, not a model.\n") << QString() << u"f16"_s << u"notes.gguf"_s;
        QTest::newRow("template") << u"model"_s << QByteArray() << u"jinja-magic"_s << u"f16"_s << u"jinja-magic"_s;
        QTest::newRow("kv type") << u"model"_s << QByteArray() << QString() << u"q4_0"_s << u"q4_0"_s;
    }
    void loadErrors()
    {
        QFETCH(QString, file);
        QFETCH(QByteArray, content);
        QFETCH(QString, templateFamily);
        QFETCH(QString, kvType);
        QFETCH(QString, message);
        QTemporaryDir dir;
        QString path = modelPath();
        if (file != u"model"_s) {
            path = dir.filePath(file);
            if (!content.isEmpty()) {
                QFile out(path);
                QVERIFY(out.open(QIODevice::WriteOnly));
                out.write(content);
            }
        }
        ChatEngine engine;
        QSignalSpy errors(&engine, &ChatEngine::errorOccurred);
        LoadParams params;
        params.templateFamily = templateFamily;
        params.kvType = kvType;
        const LoadResult result = load(engine, path, params);
        QVERIFY(!result.ok());
        QVERIFY2(result.error.contains(message), qPrintable(result.error));
        QVERIFY(!engine.isLoaded());
        QCOMPARE(errors.count(), 1);
        QCOMPARE(errors.first().first().toString(), result.error);
        // The engine stays usable.
        const ChatReply reply = QCoro::waitFor(engine.generate(1, {{u"user"_s, u"Hi"_s}}, greedyParams(4)));
        QCOMPARE(reply.error, u"No model is loaded."_s);
    }

    void refusesWhatDoesNotFitIntoMemory()
    {
        ChatEngine engine;
        LoadParams params;
        params.memoryLimit = 2'000'000; // less than weights + KV cache + buffers
        const LoadResult result = load(engine, modelPath(), params);
        QVERIFY2(result.error.startsWith(u"Not enough memory for stories260K.gguf"_s), qPrintable(result.error));
        QVERIFY(result.model.estimatedBytes > params.memoryLimit);
        QVERIFY(!engine.isLoaded());
        params.memoryLimit = result.model.estimatedBytes;
        QVERIFY(load(engine, modelPath(), params).ok());
    }

    // The streamed pieces add up to the reply, which is the plain greedy continuation of the prompt.
    void streamedTextEqualsGreedyOutput_data()
    {
        QTest::addColumn<QString>("user");
        QTest::addColumn<int>("maxNewTokens");
        QTest::newRow("story") << u"Once upon a time"_s << 120;
        QTest::newRow("park") << u"Lily and Tom went to the park"_s << 60;
    }
    void streamedTextEqualsGreedyOutput()
    {
        QFETCH(QString, user);
        QFETCH(int, maxNewTokens);
        ChatEngine engine;
        QVERIFY(load(engine, modelPath(), zephyrParams()).ok());
        QString streamed;
        int updates = 0;
        connect(&engine, &ChatEngine::textGenerated, this, [&](quint64 id, const QString &delta) {
            QCOMPARE(id, quint64(7));
            streamed += delta;
            ++updates;
        });
        const QList<ConversationMessage> messages{{u"user"_s, user}};
        const ChatReply reply = QCoro::waitFor(engine.generate(7, messages, greedyParams(maxNewTokens)));
        QVERIFY2(reply.ok(), qPrintable(reply.error));
        QCOMPARE(reply.requestId, quint64(7));
        QCOMPARE(streamed, reply.text);
        QVERIFY(updates >= 1);

        const std::vector<int32_t> tokens = prompt(messages);
        const std::vector<int32_t> expected = greedy(*m_model, tokens, maxNewTokens, GgmlType::F32);
        QCOMPARE(reply.text, QString::fromStdString(m_model->tokenizer().decode(expected)));
        const ReplyStats &stats = reply.stats;
        QCOMPARE(stats.promptTokens, int(tokens.size()));
        QCOMPARE(stats.evaluatedTokens, int(tokens.size()));
        QCOMPARE(stats.reusedTokens, 0);
        QCOMPARE(stats.newTokens, int(expected.size()));
        QCOMPARE(stats.contextSize, 2048);
        if (int(expected.size()) == maxNewTokens) {
            QCOMPARE(stats.stopReason, ReplyStats::MaxTokens);
            QCOMPARE(stats.contextUsed, int(tokens.size() + expected.size()) - 1); // the last token is never evaluated
        } else {
            QCOMPARE(stats.stopReason, ReplyStats::EndOfTurn);
            QCOMPARE(stats.contextUsed, int(tokens.size() + expected.size()));
        }
        QVERIFY(stats.timeToFirstTokenMs > 0);
        QCOMPARE(stats.droppedMessages, 0);
    }

    // Turn after turn, only the tokens the cache does not hold are evaluated: exactly those after the common
    // prefix with (previous prompt + generated tokens); never more than the new turn's, also once trimming
    // drops old turns (the cache is shifted then).
    void laterTurnsEvaluateOnlyNewTokens()
    {
        ChatEngine engine;
        QVERIFY(load(engine, modelPath(), zephyrParams()).ok());
        const ChatTemplate zephyr = ChatTemplate::forFamily(TemplateFamily::Zephyr, "<s>", "</s>");
        const HistoryTrimmer trimmer(zephyr, m_model->tokenizer());
        GenerationParams params = greedyParams(24);
        params.replyReserve = 2048 - 200; // the budget: 200 tokens, so later turns drop the oldest
        const QStringList questions{u"Tell me about a dog."_s, u"What did the dog do next?"_s, u"Was the dog happy?"_s,
                                    u"Who was the dog's friend?"_s, u"Where did they go?"_s, u"What did they eat?"_s, u"How did it end?"_s};
        QList<ConversationMessage> messages{{u"system"_s, u"You tell short stories."_s}};
        std::vector<int32_t> cached;
        bool shifted = false;
        for (const QString &question : questions) {
            messages.append({u"user"_s, question});
            const ChatReply reply = QCoro::waitFor(engine.generate(1, messages, params));
            QVERIFY2(reply.ok(), qPrintable(reply.error));
            const ReplyStats &stats = reply.stats;
            QList<ConversationMessage> kept;
            for (int i = 0; i < messages.size(); ++i) {
                if (!stats.droppedIndexes.contains(i)) {
                    kept.append(messages[i]);
                }
            }
            const std::vector<int32_t> tokens = prompt(kept);
            QCOMPARE(stats.promptTokens, int(tokens.size()));
            QVERIFY(stats.promptTokens <= 200);
            QCOMPARE(stats.evaluatedTokens + stats.reusedTokens, stats.promptTokens);
            if (stats.shiftedTokens > 0) {
                shifted = true;
                QVERIFY(stats.droppedMessages > 0);
            } else if (!shifted) {
                QCOMPARE(stats.reusedTokens, int(std::min(commonPrefix(cached, tokens), tokens.size() - 1)));
            }
            if (messages.size() > 2) {
                // The new part of the prompt: the previous reply and the new question with their markers.
                const int newPart = int(trimmer.tokenize(toChat({messages[messages.size() - 2], messages.back()})).size());
                QVERIFY2(stats.evaluatedTokens <= newPart, qPrintable(u"%1 > %2"_s.arg(stats.evaluatedTokens).arg(newPart)));
            }
            const std::vector<int32_t> generated = greedy(*m_model, tokens, 24, GgmlType::F32);
            if (!shifted) {
                // After a shift the cache only approximates a fresh evaluation (see LlamaContext::shift), so the
                // reply and what the cache holds may differ from the independent run from then on.
                QCOMPARE(reply.text, QString::fromStdString(m_model->tokenizer().decode(generated)));
            }
            cached = tokens;
            cached.insert(cached.end(), generated.begin(), generated.end() - (int(generated.size()) == 24 ? 1 : 0));
            messages.append({u"assistant"_s, reply.text});
        }
        QVERIFY(shifted);
    }

    // Regenerate evaluates one token; edit-and-resend evaluates from the edit on.
    void regenerateAndEditReuseThePrefix()
    {
        ChatEngine engine;
        QVERIFY(load(engine, modelPath(), zephyrParams()).ok());
        QList<ConversationMessage> messages{{u"system"_s, u"You tell short stories."_s}, {u"user"_s, u"Tell me about a cat."_s}};
        ChatReply reply = QCoro::waitFor(engine.generate(1, messages, greedyParams(16)));
        const std::vector<int32_t> first = prompt(messages);
        QCOMPARE(reply.stats.evaluatedTokens, int(first.size()));
        reply = QCoro::waitFor(engine.generate(2, messages, greedyParams(16)));
        QCOMPARE(reply.stats.evaluatedTokens, 1);
        messages.last().content = u"Tell me about a big cat."_s;
        const std::vector<int32_t> edited = prompt(messages);
        reply = QCoro::waitFor(engine.generate(3, messages, greedyParams(16)));
        QCOMPARE(reply.stats.evaluatedTokens, int(edited.size() - commonPrefix(first, edited)));
        QVERIFY(reply.stats.evaluatedTokens < int(edited.size()) / 2);
    }

    // The worker stops before the next token once asked: nothing follows the text delivered when stop came.
    void stopEndsWithinOneToken()
    {
        auto flags = std::make_shared<StopFlags>();
        ChatWorker worker(flags);
        QVERIFY(worker.load(1, modelPath(), zephyrParams()).ok());
        QString delivered;
        QString atStop;
        connect(
            &worker, &ChatWorker::textGenerated, this,
            [&](quint64, const QString &delta) {
                delivered += delta;
                if (atStop.isNull()) {
                    atStop = delivered;
                    flags->generationUpTo = 2; // what ChatEngine::stop() does, from this thread
                }
            },
            Qt::DirectConnection);
        const ChatReply reply = worker.generate(2, 1, {{u"user"_s, u"Once upon a time"_s}}, greedyParams(0));
        QCOMPARE(reply.stats.stopReason, ReplyStats::Stopped);
        QVERIFY(!atStop.isEmpty());
        QCOMPARE(reply.text, atStop);
        QCOMPARE(delivered, atStop);
    }

    void stopThroughTheEngine()
    {
        ChatEngine engine;
        QVERIFY(load(engine, modelPath(), zephyrParams()).ok());
        connect(&engine, &ChatEngine::textGenerated, &engine, &ChatEngine::stop);
        const ChatReply stopped = QCoro::waitFor(engine.generate(1, {{u"user"_s, u"Once upon a time"_s}}, greedyParams(0)));
        QCOMPARE(stopped.stats.stopReason, ReplyStats::Stopped);
        QVERIFY(stopped.ok());
        QVERIFY(stopped.stats.newTokens < 2048 - stopped.stats.promptTokens);
        disconnect(&engine, &ChatEngine::textGenerated, &engine, &ChatEngine::stop);
        // stop() when idle does not affect the next request.
        engine.stop();
        const ChatReply next = QCoro::waitFor(engine.generate(2, {{u"user"_s, u"Once upon a time"_s}}, greedyParams(8)));
        QCOMPARE(next.stats.stopReason, ReplyStats::MaxTokens);
        QCOMPARE(next.stats.newTokens, 8);
    }

    // load() while a reply streams stops it first; the engine then answers with the new model.
    void loadWhileGenerating()
    {
        ChatEngine engine;
        QVERIFY(load(engine, modelPath(), zephyrParams()).ok());
        QSignalSpy generating(&engine, &ChatEngine::generatingChanged);
        QCoro::Task<ChatReply> running = engine.generate(1, {{u"user"_s, u"Once upon a time"_s}}, greedyParams(0));
        QVERIFY(engine.isGenerating());
        QCoro::Task<ChatReply> second = engine.generate(2, {{u"user"_s, u"Once upon a time"_s}}, greedyParams(0));
        const LoadResult loaded = load(engine, modelPath(), zephyrParams());
        QVERIFY2(loaded.ok(), qPrintable(loaded.error));
        const ChatReply first = QCoro::waitFor(std::move(running));
        const ChatReply replaced = QCoro::waitFor(std::move(second));
        QCOMPARE(first.stats.stopReason, ReplyStats::Stopped);
        QCOMPARE(replaced.stats.stopReason, ReplyStats::Stopped);
        QVERIFY(!engine.isGenerating());
        QCOMPARE(generating.count(), 2);
        const ChatReply after = QCoro::waitFor(engine.generate(3, {{u"user"_s, u"Once upon a time"_s}}, greedyParams(8)));
        QVERIFY(after.ok());
        QCOMPARE(after.stats.newTokens, 8);
        QCOMPARE(after.stats.reusedTokens, 0); // a new model starts with an empty cache
    }

    // Destroying the engine mid-reply stops the worker and ends the awaiting task without a crash.
    void destroyWhileGenerating()
    {
        auto engine = std::make_unique<ChatEngine>();
        QVERIFY(load(*engine, modelPath(), zephyrParams()).ok());
        QCoro::Task<ChatReply> running = engine->generate(1, {{u"user"_s, u"Once upon a time"_s}}, greedyParams(0));
        QTest::qWait(20);
        engine.reset();
        const ChatReply reply = QCoro::waitFor(std::move(running));
        QVERIFY(reply.stats.stopReason == ReplyStats::Stopped || reply.stats.stopReason == ReplyStats::Error);
    }

    void trimmingErrorsReachTheReply()
    {
        ChatEngine engine;
        QVERIFY(load(engine, modelPath(), zephyrParams()).ok());
        GenerationParams params = greedyParams(4);
        params.historyPolicy = GenerationParams::StopAtLimit;
        params.replyReserve = 2040;
        const ChatReply reply = QCoro::waitFor(engine.generate(1, {{u"user"_s, u"Once upon a time there was a little dog"_s}}, params));
        QCOMPARE(reply.stats.stopReason, ReplyStats::Error);
        QVERIFY2(reply.error.contains(u"room for 8"_s), qPrintable(reply.error));
    }
};

QTEST_GUILESS_MAIN(ChatEngineTest)
#include "ChatEngineTest.moc"
