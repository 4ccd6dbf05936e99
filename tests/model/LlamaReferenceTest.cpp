// SPDX-License-Identifier: GPL-3.0-or-later
// The acceptance test of the forward pass: stories260K against llama.cpp's output for the same prompts
// (prompt token ids, the logits after the prompt, 64 greedy continuation tokens).
#include "TestData.h"

#include "model/LlamaContext.h"
#include "model/LlamaModel.h"
#include "tokenizer/Tokenizer.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <algorithm>
#include <cmath>

using namespace hearth;
using namespace Qt::StringLiterals;

namespace
{
const QString modelFile = u"models/stories260K.gguf"_s;
const QString referenceFile = u"reference/stories260K-llamacpp.json"_s;

std::vector<int32_t> toIds(const QJsonArray &array)
{
    std::vector<int32_t> ids;
    for (const auto &v : array) {
        ids.push_back(int32_t(v.toInt()));
    }
    return ids;
}

int32_t argmax(std::span<const float> logits)
{
    return int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
}
}

class LlamaReferenceTest : public QObject
{
    Q_OBJECT

    std::unique_ptr<LlamaModel> m_model;
    QJsonArray m_cases;

private Q_SLOTS:
    void initTestCase()
    {
        HEARTH_REQUIRE_SHARED(modelFile);
        HEARTH_REQUIRE_SHARED(referenceFile);
        m_model = LlamaModel::load(TestData::sharedFile(modelFile).toStdString());
        QFile file(TestData::sharedFile(referenceFile));
        QVERIFY(file.open(QIODevice::ReadOnly));
        m_cases = QJsonDocument::fromJson(file.readAll()).object().value(u"cases"_s).toArray();
        QCOMPARE(m_cases.size(), 3);
    }

    void config()
    {
        const LlamaConfig &c = m_model->config();
        QCOMPARE(c.embedding, 64u);
        QCOMPARE(c.layers, 5u);
        QCOMPARE(c.heads, 8u);
        QCOMPARE(c.kvHeads, 4u);
        QCOMPARE(c.headDim, 8u);
        QCOMPARE(c.ropeDim, 8u);
        QCOMPARE(c.feedForward, 172u);
        QCOMPARE(c.vocab, 512u);
        QCOMPARE(c.contextLength, 2048u);
        QCOMPARE(c.ropeBase, 10000.0f);
        QCOMPARE(c.rmsEps, 1e-5f);
    }

    void matchesLlamaCpp_data()
    {
        QTest::addColumn<int>("index");
        for (int i = 0; i < m_cases.size(); ++i) {
            QTest::newRow(qPrintable(m_cases[i].toObject().value(u"prompt"_s).toString())) << i;
        }
    }

    void matchesLlamaCpp()
    {
        QFETCH(int, index);
        const QJsonObject ref = m_cases[index].toObject();

        const std::vector<int32_t> prompt = m_model->tokenizer().encode(ref.value(u"prompt"_s).toString().toStdString(), true);
        QCOMPARE(prompt, toIds(ref.value(u"tokens"_s).toArray()));

        LlamaContext context(*m_model, {});
        std::span<const float> logits = context.eval(prompt);
        const QJsonArray refLogits = ref.value(u"last_logits"_s).toArray();
        QCOMPARE(qsizetype(logits.size()), refLogits.size());
        double maxDiff = 0.0;
        for (size_t i = 0; i < logits.size(); ++i) {
            maxDiff = std::max(maxDiff, std::abs(double(logits[i]) - refLogits[qsizetype(i)].toDouble()));
        }
        qInfo("max |logit - llama.cpp| = %g", maxDiff);
        QVERIFY2(maxDiff <= 1e-3, qPrintable(u"max logit difference %1"_s.arg(maxDiff)));

        const std::vector<int32_t> expected = toIds(ref.value(u"greedy"_s).toArray());
        QCOMPARE(expected.size(), size_t(64));
        std::vector<int32_t> greedy;
        for (size_t i = 0; i < expected.size(); ++i) {
            greedy.push_back(argmax(logits));
            logits = context.eval(std::span(&greedy.back(), 1));
        }
        QCOMPARE(greedy, expected);
        QCOMPARE(context.position(), int(prompt.size() + expected.size()));
    }
};

QTEST_GUILESS_MAIN(LlamaReferenceTest)
#include "LlamaReferenceTest.moc"
