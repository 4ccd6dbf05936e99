// SPDX-License-Identifier: GPL-3.0-or-later
// LlamaContext on stories260K: batched prefill against token-by-token decode, truncation, KV cache types,
// thread counts and the errors of eval().
#include "TestData.h"

#include "model/LlamaContext.h"
#include "model/LlamaModel.h"
#include "tokenizer/Tokenizer.h"
#include "util/Error.h"

#include <QTest>

#include <algorithm>
#include <cmath>

using namespace hearth;
using namespace Qt::StringLiterals;

namespace
{
const QString modelFile = u"models/stories260K.gguf"_s;

std::vector<float> copy(std::span<const float> logits)
{
    return {logits.begin(), logits.end()};
}

float maxDifference(const std::vector<float> &a, const std::vector<float> &b)
{
    float max = 0.0f;
    for (size_t i = 0; i < a.size(); ++i) {
        max = std::max(max, std::abs(a[i] - b[i]));
    }
    return max;
}

int32_t argmax(std::span<const float> logits)
{
    return int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

std::vector<int32_t> greedy(LlamaContext &context, const std::vector<int32_t> &prompt, int count)
{
    std::span<const float> logits = context.eval(prompt);
    std::vector<int32_t> ids;
    for (int i = 0; i < count; ++i) {
        ids.push_back(argmax(logits));
        logits = context.eval(std::span(&ids.back(), 1));
    }
    return ids;
}
}

class LlamaContextTest : public QObject
{
    Q_OBJECT

    std::unique_ptr<LlamaModel> m_model;
    std::vector<int32_t> m_prompt;

private Q_SLOTS:
    void initTestCase()
    {
        HEARTH_REQUIRE_SHARED(modelFile);
        m_model = LlamaModel::load(TestData::sharedFile(modelFile).toStdString());
        m_prompt = m_model->tokenizer().encode("Lily and Tom went to the park. They saw a big dog", true);
        QVERIFY(m_prompt.size() > 10);
    }

    void batchEqualsTokenByToken_data()
    {
        QTest::addColumn<GgmlType>("kvType");
        QTest::newRow("F32") << GgmlType::F32;
        QTest::newRow("F16") << GgmlType::F16;
        QTest::newRow("Q8_0") << GgmlType::Q8_0;
    }

    void batchEqualsTokenByToken()
    {
        QFETCH(GgmlType, kvType);
        LlamaContext batch(*m_model, {.nCtx = 64, .nThreads = 2, .kvType = kvType});
        const std::vector<float> batched = copy(batch.eval(m_prompt));
        QCOMPARE(batch.position(), int(m_prompt.size()));

        LlamaContext single(*m_model, {.nCtx = 64, .nThreads = 2, .kvType = kvType});
        std::vector<float> stepped;
        for (const int32_t id : m_prompt) {
            stepped = copy(single.eval(std::span(&id, 1)));
        }
        QCOMPARE(single.position(), int(m_prompt.size()));
        QCOMPARE(stepped.size(), size_t(m_model->config().vocab));
        QVERIFY2(maxDifference(batched, stepped) <= 1e-4f, qPrintable(QString::number(maxDifference(batched, stepped))));
    }

    void splitBatchesEqualOneBatch()
    {
        LlamaContext whole(*m_model, {.nCtx = 64});
        const std::vector<float> expected = copy(whole.eval(m_prompt));
        LlamaContext parts(*m_model, {.nCtx = 64});
        const size_t half = m_prompt.size() / 2;
        parts.eval(std::span(m_prompt).first(half));
        const std::vector<float> actual = copy(parts.eval(std::span(m_prompt).subspan(half)));
        QVERIFY(maxDifference(expected, actual) <= 1e-4f);
    }

    void truncateAndReeval()
    {
        LlamaContext context(*m_model, {.nCtx = 64});
        const std::vector<float> expected = copy(context.eval(m_prompt));

        // Keep a prefix, evaluate other tokens after it, then go back and redo the original continuation.
        const int keep = 5;
        context.truncate(keep);
        QCOMPARE(context.position(), keep);
        const std::vector<int32_t> detour = m_model->tokenizer().encode("The cat sat on the mat", false);
        const std::vector<float> other = copy(context.eval(detour));
        QVERIFY(maxDifference(expected, other) > 0.1f); // the detour really changed the state
        context.truncate(keep);
        const std::vector<float> again = copy(context.eval(std::span(m_prompt).subspan(keep)));
        QVERIFY2(maxDifference(expected, again) <= 1e-4f, qPrintable(QString::number(maxDifference(expected, again))));

        context.truncate(0);
        QCOMPARE(context.position(), 0);
        QVERIFY(maxDifference(expected, copy(context.eval(m_prompt))) <= 1e-4f);

        QVERIFY_THROWS_EXCEPTION(Error, context.truncate(-1));
        QVERIFY_THROWS_EXCEPTION(Error, context.truncate(context.position() + 1));
        QCOMPARE(context.position(), int(m_prompt.size()));
    }

    // On "Once upon a time" all three caches agree for 64 tokens. (Q8_0 is not exact: its 32-element blocks
    // span four 8-wide KV heads here, so on other prompts it drifts off after a few tokens.)
    void kvTypesGiveSameGreedyIds()
    {
        const std::vector<int32_t> prompt{1, 403, 407, 261, 378};
        LlamaContext f32(*m_model, {.nCtx = 128, .kvType = GgmlType::F32});
        const std::vector<int32_t> expected = greedy(f32, prompt, 64);
        for (const GgmlType type : {GgmlType::F16, GgmlType::Q8_0}) {
            LlamaContext context(*m_model, {.nCtx = 128, .kvType = type});
            QCOMPARE(context.kvType(), type);
            QCOMPARE(greedy(context, prompt, 64), expected);
        }
    }

    void threadCountDoesNotChangeResults()
    {
        LlamaContext one(*m_model, {.nCtx = 64, .nThreads = 1});
        LlamaContext three(*m_model, {.nCtx = 64, .nThreads = 3});
        QCOMPARE(one.threads(), 1u);
        QCOMPARE(three.threads(), 3u);
        QCOMPARE(copy(one.eval(m_prompt)), copy(three.eval(m_prompt)));
    }

    void contextSize()
    {
        QCOMPARE(LlamaContext(*m_model, {}).nCtx(), 2048);
        QCOMPARE(LlamaContext(*m_model, {.nCtx = 16}).nCtx(), 16);
        QVERIFY_THROWS_EXCEPTION(Error, LlamaContext(*m_model, {.nCtx = -1}));
        QVERIFY_THROWS_EXCEPTION(Error, LlamaContext(*m_model, {.nThreads = -2}));
        QVERIFY_THROWS_EXCEPTION(Error, LlamaContext(*m_model, {.kvType = GgmlType::Q4_0}));
    }

    void evalErrorsChangeNothing()
    {
        LlamaContext context(*m_model, {.nCtx = 8});
        const auto messageOf = [&](std::vector<int32_t> ids) {
            try {
                context.eval(ids);
            } catch (const Error &e) {
                return QString::fromStdString(e.what());
            }
            return QString();
        };
        QVERIFY(messageOf({}).contains(u"no tokens"_s));
        QVERIFY(messageOf({1, 512}).contains(u"token id 512 is outside the vocabulary of 512 tokens"_s));
        QVERIFY(messageOf({1, -1}).contains(u"token id -1"_s));
        QCOMPARE(context.position(), 0);
        context.eval(std::vector<int32_t>{1, 2, 3, 4, 5});
        const QString full = messageOf({1, 2, 3, 4});
        QVERIFY2(full.contains(u"4 tokens at position 5 do not fit into the context of 8 tokens"_s), qPrintable(full));
        QVERIFY(full.startsWith(TestData::sharedFile(modelFile)));
        QCOMPARE(context.position(), 5);
        context.eval(std::vector<int32_t>{1, 2, 3}); // exactly fills the context
        QCOMPARE(context.position(), 8);
    }
};

QTEST_GUILESS_MAIN(LlamaContextTest)
#include "LlamaContextTest.moc"
