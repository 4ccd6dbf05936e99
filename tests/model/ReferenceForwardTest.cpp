// SPDX-License-Identifier: GPL-3.0-or-later
// Acceptance test of the forward pass: the engine's logits against a plain scalar Llama written here, in
// double precision, straight from the GGUF file (its own reading of the metadata, its own RMSNorm, RoPE,
// attention and SwiGLU), on synthetic models of TinyLlama-1.1B's exact shape and of a small shape.
#include "gguf/GgufFile.h"
#include "model/LlamaContext.h"
#include "model/LlamaModel.h"
#include "model/SyntheticModel.h"
#include "quant/TypeTraits.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QTest>

#include <cmath>
#include <thread>

using namespace hearth;
using namespace Qt::StringLiterals;

namespace
{
using Vec = std::vector<double>;

// Calls fn(begin, end) on two halves of [0, n) in parallel: the reference's matrix products are most of
// the test's time.
template<typename Fn>
void inTwoThreads(size_t n, const Fn &fn)
{
    std::thread other(fn, n / 2, n);
    fn(size_t(0), n / 2);
    other.join();
}

// x rounded as the engine stores it: float, then the quantized type and back.
Vec roundTrip(GgmlType type, const double *x, size_t n)
{
    const TypeTraits *traits = typeTraits(type);
    std::vector<float> f(x, x + n);
    std::vector<uint8_t> q(rowBytes(type, n));
    traits->fromFloat(f.data(), q.data(), int64_t(n));
    traits->toFloat(q.data(), f.data(), int64_t(n));
    return Vec(f.begin(), f.end());
}

// The engine computes activations in float, the reference in double: they differ by rounding, a few 1e-8
// of the row's largest value. Where a value sits that close to a rounding boundary of the activation type
// (x/d near k + 1/2 for Q8_0 and Q8_K, an F16 rounding tie, the F16-rounded block scale), the two round it
// to different levels, and that one difference - up to 1/127 of the block's largest value - then changes
// every later rounding decision it reaches: the results drift apart by a good part of the activation
// quantization noise, which no double-versus-float bound covers. This finds such rows: it rounds the row
// again with each element nudged by +-kNudge of the row's largest value and reports whether any rounded
// value moved by more than that nudge can move it continuously.
constexpr double kNudge = 5e-7;

bool roundingIsAmbiguous(GgmlType type, const double *x, size_t n, const Vec &rounded)
{
    double largest = 0.0;
    for (size_t i = 0; i < n; ++i) {
        largest = std::max(largest, std::abs(x[i]));
    }
    for (const double sign : {1.0, -1.0}) {
        Vec nudged(x, x + n);
        for (size_t i = 0; i < n; ++i) {
            nudged[i] += sign * ((i * 2654435761u) >> 7 & 1 ? kNudge : -kNudge) * largest;
        }
        const Vec again = roundTrip(type, nudged.data(), n);
        for (size_t i = 0; i < n; ++i) {
            if (std::abs(again[i] - rounded[i]) > 4.0 * kNudge * largest) {
                return true;
            }
        }
    }
    return false;
}

class ReferenceLlama
{
public:
    // quantizeActivations false: pure double products, to measure what activation quantization changes.
    ReferenceLlama(const GgufFile &file, GgmlType kvType, bool quantizeActivations = true)
        : m_file(file)
        , m_kvType(kvType)
        , m_quantizeActivations(quantizeActivations)
    {
        const auto u = [&](const char *key) {
            return size_t(file.requireUInt(key));
        };
        m_embd = u("llama.embedding_length");
        m_layers = u("llama.block_count");
        m_heads = u("llama.attention.head_count");
        m_kvHeads = u("llama.attention.head_count_kv");
        m_headDim = m_embd / m_heads;
        m_eps = file.requireFloat("llama.attention.layer_norm_rms_epsilon");
        m_ropeBase = file.requireFloat("llama.rope.freq_base");
        m_vocab = size_t(file.requireTensor("token_embd.weight").ne[1]);
    }

    size_t vocab() const
    {
        return m_vocab;
    }
    // Rows of activations (and KV cache entries) whose rounding the engine may decide differently; see
    // roundingIsAmbiguous(). Counted by the last forward().
    size_t ambiguousRoundings() const
    {
        return m_ambiguous;
    }

    // The logits of every position of one causal pass over `tokens`, positions 0, 1, ...
    std::vector<Vec> forward(const std::vector<int32_t> &tokens) const
    {
        const size_t n = tokens.size();
        const size_t kvDim = m_kvHeads * m_headDim;
        m_ambiguous = 0;
        Vec x(n * m_embd);
        const GgufTensorInfo &embd = m_file.requireTensor("token_embd.weight");
        for (size_t t = 0; t < n; ++t) {
            const Vec row = dequantizeRow(embd, size_t(tokens[t]));
            std::copy(row.begin(), row.end(), x.begin() + ptrdiff_t(t * m_embd));
        }
        for (size_t l = 0; l < m_layers; ++l) {
            const std::string blk = "blk." + std::to_string(l) + ".";
            const Vec xn = rmsNorm(x, n, blk + "attn_norm.weight");
            Vec q = matmul(blk + "attn_q.weight", xn, n);
            Vec k = matmul(blk + "attn_k.weight", xn, n);
            Vec v = matmul(blk + "attn_v.weight", xn, n);
            for (size_t t = 0; t < n; ++t) {
                rope(&q[t * m_embd], m_heads, t);
                rope(&k[t * kvDim], m_kvHeads, t);
                // The KV cache holds K and V in its own type.
                const Vec kStored = storedAs(m_kvType, &k[t * kvDim], kvDim);
                const Vec vStored = storedAs(m_kvType, &v[t * kvDim], kvDim);
                std::copy(kStored.begin(), kStored.end(), k.begin() + ptrdiff_t(t * kvDim));
                std::copy(vStored.begin(), vStored.end(), v.begin() + ptrdiff_t(t * kvDim));
            }
            // Causal grouped-query attention: query head h reads KV head h / (heads / kvHeads).
            Vec attn(n * m_embd, 0.0);
            const size_t group = m_heads / m_kvHeads;
            for (size_t t = 0; t < n; ++t) {
                for (size_t h = 0; h < m_heads; ++h) {
                    const double *qh = &q[t * m_embd + h * m_headDim];
                    const size_t kvh = h / group;
                    Vec scores(t + 1);
                    double maxScore = -INFINITY;
                    for (size_t s = 0; s <= t; ++s) {
                        const double *ks = &k[s * kvDim + kvh * m_headDim];
                        double dot = 0.0;
                        for (size_t i = 0; i < m_headDim; ++i) {
                            dot += qh[i] * ks[i];
                        }
                        scores[s] = dot / std::sqrt(double(m_headDim));
                        maxScore = std::max(maxScore, scores[s]);
                    }
                    double sum = 0.0;
                    for (double &sc : scores) {
                        sc = std::exp(sc - maxScore);
                        sum += sc;
                    }
                    double *out = &attn[t * m_embd + h * m_headDim];
                    for (size_t s = 0; s <= t; ++s) {
                        const double *vs = &v[s * kvDim + kvh * m_headDim];
                        for (size_t i = 0; i < m_headDim; ++i) {
                            out[i] += scores[s] / sum * vs[i];
                        }
                    }
                }
            }
            const Vec o = matmul(blk + "attn_output.weight", attn, n);
            for (size_t i = 0; i < x.size(); ++i) {
                x[i] += o[i];
            }

            const Vec fn = rmsNorm(x, n, blk + "ffn_norm.weight");
            const Vec gate = matmul(blk + "ffn_gate.weight", fn, n);
            const Vec up = matmul(blk + "ffn_up.weight", fn, n);
            Vec hidden(gate.size());
            for (size_t i = 0; i < hidden.size(); ++i) {
                hidden[i] = gate[i] / (1.0 + std::exp(-gate[i])) * up[i]; // SiLU(gate) * up
            }
            const Vec down = matmul(blk + "ffn_down.weight", hidden, n);
            for (size_t i = 0; i < x.size(); ++i) {
                x[i] += down[i];
            }
        }
        const Vec logits = matmul("output.weight", rmsNorm(x, n, "output_norm.weight"), n);
        std::vector<Vec> out(n);
        for (size_t t = 0; t < n; ++t) {
            out[t].assign(logits.begin() + ptrdiff_t(t * m_vocab), logits.begin() + ptrdiff_t((t + 1) * m_vocab));
        }
        return out;
    }

private:
    Vec storedAs(GgmlType type, const double *x, size_t n) const
    {
        Vec rounded = roundTrip(type, x, n);
        if (type != GgmlType::F32 && roundingIsAmbiguous(type, x, n, rounded)) {
            ++m_ambiguous;
        }
        return rounded;
    }

    Vec dequantizeRow(const GgufTensorInfo &w, size_t row) const
    {
        const size_t cols = size_t(w.ne[0]);
        std::vector<float> f(cols);
        typeTraits(w.type)->toFloat(w.data + row * rowBytes(w.type, cols), f.data(), int64_t(cols));
        return Vec(f.begin(), f.end());
    }

    Vec rmsNorm(const Vec &x, size_t n, const std::string &weightName) const
    {
        const Vec w = dequantizeRow(m_file.requireTensor(weightName), 0);
        Vec out(x.size());
        for (size_t t = 0; t < n; ++t) {
            double sumSq = 0.0;
            for (size_t i = 0; i < m_embd; ++i) {
                sumSq += x[t * m_embd + i] * x[t * m_embd + i];
            }
            const double scale = 1.0 / std::sqrt(sumSq / double(m_embd) + m_eps);
            for (size_t i = 0; i < m_embd; ++i) {
                out[t * m_embd + i] = x[t * m_embd + i] * scale * w[i];
            }
        }
        return out;
    }

    // Adjacent pairs (2i, 2i+1) of each head rotate by pos * base^(-2i / headDim).
    void rope(double *x, size_t heads, size_t pos) const
    {
        for (size_t h = 0; h < heads; ++h) {
            double *head = x + h * m_headDim;
            for (size_t i = 0; i < m_headDim / 2; ++i) {
                const double theta = double(pos) * std::pow(m_ropeBase, -2.0 * double(i) / double(m_headDim));
                const double a = head[2 * i];
                const double b = head[2 * i + 1];
                head[2 * i] = a * std::cos(theta) - b * std::sin(theta);
                head[2 * i + 1] = a * std::sin(theta) + b * std::cos(theta);
            }
        }
    }

    // y[t] = W x[t]. Like any ggml-style engine, the engine multiplies quantized weights with the
    // activation quantized to the weight type's vecDotType (Q8_0, Q8_K, F16, ...), so the reference
    // rounds the activation the same way, with the same fromFloat; only the accumulation differs.
    Vec matmul(const std::string &name, const Vec &x, size_t n) const
    {
        const GgufTensorInfo &w = m_file.requireTensor(name);
        const size_t cols = size_t(w.ne[0]);
        const size_t rows = size_t(w.ne[1]);
        const GgmlType actType = typeTraits(w.type)->vecDotType;
        std::vector<Vec> act(n);
        for (size_t t = 0; t < n; ++t) {
            act[t] = m_quantizeActivations ? storedAs(actType, &x[t * cols], cols) : Vec(&x[t * cols], &x[(t + 1) * cols]);
        }
        Vec y(n * rows);
        inTwoThreads(rows, [&](size_t begin, size_t end) {
            for (size_t r = begin; r < end; ++r) {
                const Vec row = dequantizeRow(w, r);
                for (size_t t = 0; t < n; ++t) {
                    double dot = 0.0;
                    for (size_t i = 0; i < cols; ++i) {
                        dot += row[i] * act[t][i];
                    }
                    y[t * rows + r] = dot;
                }
            }
        });
        return y;
    }

    const GgufFile &m_file;
    GgmlType m_kvType;
    bool m_quantizeActivations;
    mutable size_t m_ambiguous = 0;
    size_t m_embd = 0;
    size_t m_layers = 0;
    size_t m_heads = 0;
    size_t m_kvHeads = 0;
    size_t m_headDim = 0;
    size_t m_vocab = 0;
    double m_eps = 0.0;
    double m_ropeBase = 0.0;
};

// The synthetic model, written once into the build tree and reused by later runs.
QString cachedModel(const SyntheticShape &shape, const SyntheticFormat &format)
{
    const QString dir = QStringLiteral(HEARTH_TEST_MODELS_DIR);
    QDir().mkpath(dir);
    const QString path = dir + u"/synthetic-%1-%2.gguf"_s.arg(QString::fromUtf8(shape.name.data(), qsizetype(shape.name.size())),
                                                               QString::fromUtf8(format.name.data(), qsizetype(format.name.size())));
    if (!QFileInfo::exists(path)) {
        QElapsedTimer timer;
        timer.start();
        SyntheticModel(shape, format, 1).write(path.toStdString(), 2);
        qInfo("generated %s in %.1f s", qPrintable(path), double(timer.elapsed()) / 1000.0);
    }
    return path;
}

// Token sequence number `candidate`: pseudo-random ids, the last one for the decode step. Not starting
// with BOS: a rounding tie in its fixed first position would make every candidate ambiguous.
std::vector<int32_t> candidateTokens(int candidate, int length, size_t vocab)
{
    std::vector<int32_t> tokens;
    uint64_t state = uint64_t(candidate) * 0x9E3779B97F4A7C15ull + 12345;
    while (int(tokens.size()) < length) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        tokens.push_back(int32_t(3 + (state >> 33) % (vocab - 3)));
    }
    return tokens;
}

struct Difference {
    double max = 0.0;
    double rms = 0.0;
};

template<typename Got>
Difference difference(const Got &got, const Vec &want)
{
    Difference d;
    for (size_t i = 0; i < want.size(); ++i) {
        const double e = std::abs(double(got[i]) - want[i]);
        d.max = std::max(d.max, e);
        d.rms += e * e;
    }
    d.rms = std::sqrt(d.rms / double(want.size()));
    return d;
}

double rms(const Vec &v)
{
    double sumSq = 0.0;
    for (double x : v) {
        sumSq += x * x;
    }
    return std::sqrt(sumSq / double(v.size()));
}
}

class ReferenceForwardTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void matchesReference_data()
    {
        QTest::addColumn<QString>("shape");
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("kvType");
        QTest::addColumn<int>("length"); // prompt + the decode step
        QTest::addColumn<int>("candidates"); // token sequences to try for one without ambiguous rounding

        // Activations quantized to Q8_0/Q8_K: about one token sequence in 10 to 100 has no ambiguous rounding.
        for (const char *type : {"F32", "Q8_0", "Q4_0", "Q8_K", "Q4_K", "Q5_K", "Q6_K", "Q4_K_M"}) {
            QTest::addRow("tiny %s", type) << u"tiny"_s << QString::fromLatin1(type) << u"F32"_s << 4 << 1000;
        }
        // F16 and BF16 roundings (activations of F16/BF16 weights, an F16 cache) have ties too densely for
        // any sequence to be free of them: these take the noise bound.
        QTest::addRow("tiny F16") << u"tiny"_s << u"F16"_s << u"F32"_s << 4 << 1;
        QTest::addRow("tiny BF16") << u"tiny"_s << u"BF16"_s << u"F32"_s << 4 << 1;
        QTest::addRow("tiny Q4_K, F16 cache") << u"tiny"_s << u"Q4_K"_s << u"F16"_s << 4 << 1;
        QTest::addRow("tiny Q8_0, Q8_0 cache") << u"tiny"_s << u"Q8_0"_s << u"Q8_0"_s << 4 << 1000;
        QTest::addRow("tiny F32, 12 tokens") << u"tiny"_s << u"F32"_s << u"F32"_s << 12 << 1;
        QTest::addRow("tinyllama-1.1b F32") << u"tinyllama-1.1b"_s << u"F32"_s << u"F32"_s << 6 << 1;
        for (const char *type : {"F16", "Q8_0", "Q4_K"}) {
            QTest::addRow("tinyllama-1.1b %s, F16 cache", type) << u"tinyllama-1.1b"_s << QString::fromLatin1(type) << u"F16"_s << 6 << 1;
        }
    }

    void matchesReference()
    {
        QFETCH(QString, shape);
        QFETCH(QString, type);
        QFETCH(QString, kvType);
        QFETCH(int, length);
        QFETCH(int, candidates);

        const QString path = cachedModel(*SyntheticModel::findShape(shape.toStdString()), *SyntheticModel::findFormat(type.toStdString()));
        const GgmlType cacheType = *ggmlTypeFromName(kvType.toStdString());
        QElapsedTimer timer;
        timer.start();

        const auto file = GgufFile::open(path.toStdString());
        const ReferenceLlama reference(*file, cacheType);
        std::vector<int32_t> tokens;
        std::vector<Vec> want;
        int tried = 0;
        while (tried < candidates) {
            tokens = candidateTokens(tried++, length, reference.vocab());
            want = reference.forward(tokens);
            if (reference.ambiguousRoundings() == 0) {
                break;
            }
        }
        const bool unambiguous = reference.ambiguousRoundings() == 0;

        // The prompt as one batch, then one decode step.
        const auto model = LlamaModel::load(path.toStdString());
        LlamaContext context(*model, ContextParams{64, 2, cacheType});
        const std::vector<float> prefill = [&] {
            const auto logits = context.eval(std::span(tokens).first(tokens.size() - 1));
            return std::vector<float>(logits.begin(), logits.end());
        }();
        const std::span<const float> decode = context.eval(std::span(tokens).last(1));
        QCOMPARE(prefill.size(), reference.vocab());
        QCOMPARE(decode.size(), reference.vocab());

        // The reference without activation quantization, for the noise bound below.
        const std::vector<Vec> exact = unambiguous ? std::vector<Vec>() : ReferenceLlama(*file, cacheType, false).forward(tokens);

        const auto check = [&](std::span<const float> got, size_t position, const char *what) {
            const Difference d = difference(got, want[position]);
            const double scale = rms(want[position]);
            if (unambiguous) {
                // Every rounding decided alike: what remains is float against double arithmetic, relative
                // errors of ~1e-7 per operation that grow to a few 1e-6 of the logits' size over 22 layers
                // (measured: 2e-6 for TinyLlama-1.1B's shape, 3e-7 for the small one).
                qInfo("%s: max |engine - reference| %.3g for logits of rms %.3g", what, d.max, scale);
                QVERIFY2(d.max <= 2e-5 * scale, qPrintable(u"%1: max difference %2 for logits of rms %3"_s.arg(QString::fromLatin1(what)).arg(d.max).arg(scale)));
                return;
            }
            // Some rounding was ambiguous (always, for models this deep): the engine may have taken the other
            // level somewhere, after which its activations carry differently rounded quantization noise. The
            // bound is then what activation quantization as a whole does to these logits, measured by the
            // reference without it: engine and reference differ by part of that noise. A wrong RoPE, mask,
            // head mapping or norm moves the logits by their whole size and fails this by far; the small
            // models above check the rest exactly. Measured at TinyLlama-1.1B's shape: the engine differs by
            // 0.7 to 0.8 times the noise (Q8_0: rms 0.020 against 0.030, logits of rms 0.91).
            const Difference noise = difference(want[position], exact[position]);
            qInfo("%s: max |engine - reference| %.3g, rms %.3g; activation quantization noise max %.3g, rms %.3g; logits rms %.3g", what,
                  d.max, d.rms, noise.max, noise.rms, scale);
            QVERIFY2(d.rms <= 1.5 * noise.rms + 2e-5 * scale,
                     qPrintable(u"%1: rms difference %2 above the activation quantization noise %3"_s.arg(QString::fromLatin1(what)).arg(d.rms).arg(noise.rms)));
            QVERIFY2(d.max <= 1.5 * noise.max + 2e-5 * scale,
                     qPrintable(u"%1: max difference %2 above the activation quantization noise %3"_s.arg(QString::fromLatin1(what)).arg(d.max).arg(noise.max)));
        };
        check(prefill, tokens.size() - 2, "prefill");
        check(decode, tokens.size() - 1, "decode");
        qInfo("token sequence %d of %d: %s; %.1f s", tried, candidates,
              unambiguous ? "every rounding unambiguous, exact bound" : "ambiguous roundings, noise bound", double(timer.elapsed()) / 1000.0);
    }
};

QTEST_GUILESS_MAIN(ReferenceForwardTest)
#include "ReferenceForwardTest.moc"
