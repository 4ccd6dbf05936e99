// SPDX-License-Identifier: GPL-3.0-or-later
// Chunked perplexity and KL divergence on stories260K: against a hand computation of one chunk, zero
// divergence from itself, and a quantized model measurably worse than the original.
#include "TestData.h"

#include "model/LlamaContext.h"
#include "model/LlamaModel.h"
#include "quantizer/Perplexity.h"
#include "quantizer/Quantizer.h"
#include "tokenizer/Tokenizer.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>

using namespace hearth;
using namespace Qt::StringLiterals;

namespace
{
const QString modelFile = u"models/stories260K.gguf"_s;
const char *kText = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her dog. "
                    "One day, she saw a big red ball under a tree. She ran to get it and her dog ran with her. They played all day.";

struct Measured {
    double perplexity = 0;
    double meanKl = 0;
};

// The evaluation measurePerplexity() did before chunks went through the prefill path: one token at a time,
// each prediction from the logits eval() returns for its last token.
Measured tokenAtATime(const LlamaModel &model, const LlamaModel &base, const std::vector<int32_t> &tokens, int n, int chunks)
{
    LlamaContext context(model, {.nCtx = n, .nThreads = 1, .kvType = GgmlType::F16});
    LlamaContext baseContext(base, {.nCtx = n, .nThreads = 1, .kvType = GgmlType::F16});
    const auto logSoftmax = [](std::span<const float> logits) {
        const double max = *std::max_element(logits.begin(), logits.end());
        double sum = 0;
        for (const float v : logits) {
            sum += std::exp(double(v) - max);
        }
        std::vector<double> out;
        for (const float v : logits) {
            out.push_back(double(v) - max - std::log(sum));
        }
        return out;
    };
    double loss = 0;
    double kl = 0;
    int scored = 0;
    for (int c = 0; c < chunks; ++c) {
        std::vector<int32_t> chunk(tokens.begin() + c * n, tokens.begin() + (c + 1) * n);
        chunk[0] = model.tokenizer().bos();
        context.truncate(0);
        baseContext.truncate(0);
        for (int j = 0; j + 1 < n; ++j) {
            const std::vector<double> p = logSoftmax(context.eval(std::span(&chunk[size_t(j)], 1)));
            const std::vector<double> q = logSoftmax(baseContext.eval(std::span(&chunk[size_t(j)], 1)));
            if (j >= n / 2) {
                loss -= p[size_t(chunk[size_t(j) + 1])];
                for (size_t v = 0; v < p.size(); ++v) {
                    kl += std::exp(q[v]) * (q[v] - p[v]);
                }
                ++scored;
            }
        }
    }
    return {std::exp(loss / scored), kl / scored};
}
}

class PerplexityTest : public QObject
{
    Q_OBJECT

    std::unique_ptr<LlamaModel> m_model;
    std::vector<int32_t> m_tokens;

    // The model quantized to Q4_0 in `dir` (mapped from there: keep `dir` while it is used).
    std::unique_ptr<LlamaModel> quantizedQ4_0(const QTemporaryDir &dir) const
    {
        const std::string path = dir.filePath(u"q4.gguf"_s).toStdString();
        QuantOptions options;
        options.target = QuantTarget::Q4_0;
        options.report = false;
        Quantizer(m_model->path()).run(path, options);
        return LlamaModel::load(path);
    }

private Q_SLOTS:
    void initTestCase()
    {
        HEARTH_REQUIRE_SHARED(modelFile);
        m_model = LlamaModel::load(TestData::sharedFile(modelFile).toStdString());
        m_tokens = m_model->tokenizer().encode(kText, false);
    }

    // One chunk of 16: the second half's tokens scored with probabilities from a whole-prefix evaluation
    // of the BOS-started chunk.
    void matchesHandComputation()
    {
        constexpr int n = 16;
        std::vector<int32_t> chunk(m_tokens.begin(), m_tokens.begin() + n);
        chunk[0] = m_model->tokenizer().bos();
        double nll = 0;
        int scored = 0;
        for (int j = n / 2; j + 1 < n; ++j) {
            LlamaContext context(*m_model, {.nCtx = n, .nThreads = 1, .kvType = GgmlType::F16});
            const auto logits = context.eval(std::span(chunk.data(), size_t(j) + 1)); // the prefix as one batch
            double max = logits[0];
            for (const float v : logits) {
                max = std::max(max, double(v));
            }
            double sum = 0;
            for (const float v : logits) {
                sum += std::exp(double(v) - max);
            }
            nll += -(double(logits[size_t(chunk[size_t(j) + 1])]) - max - std::log(sum));
            ++scored;
        }
        const PerplexityResult r = measurePerplexity(*m_model, m_tokens, {.contextSize = n, .maxChunks = 1, .threads = 1});
        QCOMPARE(r.chunks, 1);
        QCOMPARE(r.scoredTokens, uint64_t(scored));
        QVERIFY2(std::fabs(r.perplexity - std::exp(nll / scored)) <= 1e-3 * r.perplexity,
                 qPrintable(u"%1 vs %2"_s.arg(r.perplexity).arg(std::exp(nll / scored))));
        QVERIFY(r.perplexity > 1.0);
    }

    void klAgainstItselfIsZero()
    {
        const PerplexityResult r = measurePerplexity(*m_model, m_tokens, {.contextSize = 16, .maxChunks = 2, .threads = 1}, m_model.get());
        QCOMPARE(r.chunks, 2);
        QVERIFY(r.meanKl);
        QVERIFY(*r.meanKl < 1e-9);
        QCOMPARE(*r.sameTopToken, 1.0);
        QCOMPARE(*r.basePerplexity, r.perplexity);
    }

    void quantizedIsWorse()
    {
        QTemporaryDir dir;
        const auto quantized = quantizedQ4_0(dir);
        const PerplexityResult r = measurePerplexity(*quantized, m_tokens, {.contextSize = 16, .maxChunks = 2, .threads = 1}, m_model.get());
        qInfo("Q4_0: perplexity %.4f (F32 %.4f), mean KL %.5f, same top token %.1f%%", r.perplexity, *r.basePerplexity, *r.meanKl,
              100 * *r.sameTopToken);
        QVERIFY(*r.meanKl > 1e-4);
        QVERIFY(*r.sameTopToken < 1.0 || r.perplexity != *r.basePerplexity);
    }

    // Chunks evaluated as one batch give the numbers of the token-at-a-time evaluation (float rounding apart),
    // for a model against itself and a quantized one against the original.
    void batchMatchesTokenAtATime()
    {
        QTemporaryDir dir;
        const auto quantized = quantizedQ4_0(dir);
        constexpr int n = 24;
        const int chunks = int(m_tokens.size()) / n;
        QVERIFY(chunks >= 2);
        for (const LlamaModel *model : {m_model.get(), quantized.get()}) {
            const Measured old = tokenAtATime(*model, *m_model, m_tokens, n, chunks);
            const PerplexityResult r = measurePerplexity(*model, m_tokens, {.contextSize = n, .maxChunks = 0, .threads = 1}, m_model.get());
            QCOMPARE(r.chunks, chunks);
            qInfo("%s: perplexity %.6f (token at a time %.6f), mean KL %.3g (%.3g)", model->path().c_str(), r.perplexity, old.perplexity,
                  *r.meanKl, old.meanKl);
            QVERIFY(std::fabs(r.perplexity - old.perplexity) <= 1e-4 * old.perplexity);
            QVERIFY(std::fabs(*r.meanKl - old.meanKl) <= 1e-6 + 1e-3 * old.meanKl);
        }
    }

    void tooShort()
    {
        QVERIFY_THROWS_EXCEPTION(Error, measurePerplexity(*m_model, std::span(m_tokens.data(), 8), {.contextSize = 16, .maxChunks = 0, .threads = 1}));
    }
};

QTEST_GUILESS_MAIN(PerplexityTest)
#include "PerplexityTest.moc"
