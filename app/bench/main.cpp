// SPDX-License-Identifier: GPL-3.0-or-later
// hearth-bench: prompt processing and generation speed of a model, in the manner of llama-bench, plus load
// time, peak memory and how much of the machine's read bandwidth generation uses.
#include "cpu/CpuFeatures.h"
#include "gguf/GgufFile.h"
#include "model/LlamaContext.h"
#include "model/LlamaModel.h"
#include "model/SyntheticModel.h"
#include "util/HugePageBuffer.h"
#include "util/ThreadPool.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <memory>
#include <numeric>
#include <random>
#include <span>
#include <string>
#include <vector>

using namespace Qt::StringLiterals;
using namespace hearth;

namespace
{
using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point since)
{
    return std::chrono::duration<double>(Clock::now() - since).count();
}

struct Stats {
    double mean = 0;
    double sd = 0;
    double median = 0;
};

Stats stats(std::vector<double> v)
{
    Stats s;
    s.mean = std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
    for (const double x : v) {
        s.sd += (x - s.mean) * (x - s.mean);
    }
    s.sd = v.size() > 1 ? std::sqrt(s.sd / double(v.size() - 1)) : 0.0;
    std::sort(v.begin(), v.end());
    s.median = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
    return s;
}

// Where --synthetic models are kept: $HEARTH_SYNTHETIC_DIR, else the user's cache folder (~/.cache/hearth/synthetic).
QString syntheticCacheDir()
{
    const QString env = qEnvironmentVariable("HEARTH_SYNTHETIC_DIR");
    if (!env.isEmpty()) {
        return env;
    }
    return QStandardPaths::writableLocation(QStandardPaths::GenericCacheLocation) + u"/hearth/synthetic"_s;
}

// The best of a few plain reads of a buffer much larger than the caches, on `threads` threads: the bandwidth
// that bounds generation, which reads every weight once per token. The buffer is in huge pages where the kernel
// gives them, as the weights are when the page cache holds the model in 2 MiB folios (util/RegionWriter.h).
double readBandwidth(unsigned threads)
{
    const size_t words = (size_t(512) << 20) / sizeof(uint64_t);
    HugePageBuffer memory(words * sizeof(uint64_t));
    const std::span<uint64_t> buffer(reinterpret_cast<uint64_t *>(memory.data()), words);
    ThreadPool pool(threads);
    pool.parallelFor(words, [&](size_t begin, size_t end) {
        std::iota(buffer.begin() + ptrdiff_t(begin), buffer.begin() + ptrdiff_t(end), uint64_t(begin));
    });
    double best = 0;
    for (int round = 0; round < 5; ++round) {
        std::vector<uint64_t> sums(threads + 1);
        const auto start = Clock::now();
        pool.parallelFor(words, [&](size_t begin, size_t end) {
            uint64_t sum = 0;
            for (size_t i = begin; i < end; ++i) {
                sum += buffer[i];
            }
            sums[begin * threads / words] = sum;
        });
        const double s = seconds(start);
        if (std::accumulate(sums.begin(), sums.end(), uint64_t(0)) != uint64_t(words) * (words - 1) / 2) {
            std::fprintf(stderr, "hearth-bench: bandwidth check failed\n");
        }
        best = std::max(best, double(words * sizeof(uint64_t)) / s);
    }
    return best;
}

// The median time of one parallelFor with nothing to do on `threads` threads (each takes one range): what a token's
// few hundred hand-overs between the threads cost.
double handOverSeconds(unsigned threads)
{
    ThreadPool pool(threads);
    std::atomic<size_t> sink = 0;
    std::vector<double> rounds;
    for (int round = 0; round < 5; ++round) {
        constexpr int calls = 20000;
        const auto start = Clock::now();
        for (int i = 0; i < calls; ++i) {
            pool.parallelFor(threads, [&](size_t begin, size_t end) {
                sink.fetch_add(end - begin, std::memory_order_relaxed);
            }, 1);
        }
        rounds.push_back(seconds(start) / calls);
    }
    return stats(rounds).median;
}

uint64_t weightBytesPerToken(const LlamaModel &model)
{
    uint64_t bytes = model.output().bytes();
    for (const auto &l : model.layers()) {
        for (const WeightMatrix *m : {&l.q, &l.k, &l.v, &l.output, &l.gate, &l.up, &l.down}) {
            bytes += m->bytes();
        }
    }
    return bytes;
}

// The model's parameters: the elements of all its tensors, as llama-bench counts them.
uint64_t parameterCount(const LlamaModel &model)
{
    uint64_t count = 0;
    for (const GgufTensorInfo &tensor : model.file().tensors()) {
        count += tensor.elementCount();
    }
    return count;
}

std::string humanBytes(double bytes)
{
    char out[32];
    if (bytes >= double(1 << 30)) {
        std::snprintf(out, sizeof(out), "%.2f GiB", bytes / double(1 << 30));
    } else {
        std::snprintf(out, sizeof(out), "%.0f MiB", bytes / double(1 << 20));
    }
    return out;
}
}

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"hearth-bench"_s);

    QCommandLineParser parser;
    parser.setApplicationDescription(u"Measures prompt processing (pp) and generation (tg) speed of a Llama model."_s);
    parser.addHelpOption();
    const QCommandLineOption modelOption(u"m"_s, u"The GGUF model file."_s, u"MODEL"_s);
    const QCommandLineOption syntheticOption(u"synthetic"_s, u"Benchmark a random-weight model of this shape (tinyllama-1.1b, tiny), built once and cached in $HEARTH_SYNTHETIC_DIR, else ~/.cache/hearth/synthetic."_s, u"SHAPE"_s);
    const QCommandLineOption typeOption(u"type"_s, u"The weight type of --synthetic: Q8_0, Q4_K_M, F16, Q8_K, ..."_s, u"TYPE"_s, u"Q8_0"_s);
    const QCommandLineOption promptOption(u"p"_s, u"Prompt tokens of the pp test (0: none)."_s, u"N"_s, u"128"_s);
    const QCommandLineOption genOption(u"n"_s, u"Generated tokens of the tg test (0: none)."_s, u"N"_s, u"32"_s);
    const QCommandLineOption depthOption(u"d"_s,
                                         u"Context already filled before the pp and tg tests (tokens), as in a long chat; a comma-separated list "
                                         "gives one pp and one tg test per depth, run in turn within each repetition so that all see the same "
                                         "machine state, and each one's speed relative to the first."_s,
                                         u"N[,N...]"_s, u"0"_s);
    const QCommandLineOption threadsOption(u"t"_s, u"Threads."_s, u"N"_s, u"2"_s);
    const QCommandLineOption repsOption(u"r"_s, u"Repetitions of each test."_s, u"N"_s, u"5"_s);
    const QCommandLineOption jsonOption(u"json"_s, u"Print the results as JSON."_s);
    parser.addOptions({modelOption, syntheticOption, typeOption, promptOption, genOption, depthOption, threadsOption, repsOption, jsonOption});
    parser.process(app);

    const auto number = [&](const QCommandLineOption &option, int min, int max) {
        bool ok = false;
        const int v = parser.value(option).toInt(&ok);
        if (!ok || v < min || v > max) {
            std::fprintf(stderr, "hearth-bench: -%s must be %d to %d\n", qPrintable(option.names().constFirst()), min, max);
            std::exit(1);
        }
        return v;
    };
    const int prompt = number(promptOption, 0, 8192);
    const int generate = number(genOption, 0, 8192);
    std::vector<int> depths;
    for (const QString &item : parser.value(depthOption).split(u',')) {
        bool ok = false;
        const int d = item.trimmed().toInt(&ok);
        if (!ok || d < 0 || d > 65536) {
            std::fprintf(stderr, "hearth-bench: -d must be a comma-separated list of depths from 0 to 65536\n");
            return 1;
        }
        depths.push_back(d);
    }
    const int threads = number(threadsOption, 1, 1024);
    const int reps = number(repsOption, 1, 1000);
    const bool json = parser.isSet(jsonOption);

    try {
        QString path = parser.value(modelOption);
        if (parser.isSet(syntheticOption) == !path.isEmpty()) {
            std::fprintf(stderr, "hearth-bench: give either -m MODEL or --synthetic SHAPE (see --help)\n");
            return 1;
        }
        if (path.isEmpty()) {
            const SyntheticShape *shape = SyntheticModel::findShape(parser.value(syntheticOption).toStdString());
            const SyntheticFormat *format = SyntheticModel::findFormat(parser.value(typeOption).toStdString());
            if (!shape || !format) {
                std::fprintf(stderr, "hearth-bench: unknown shape or type\n");
                return 1;
            }
            const QString dir = syntheticCacheDir();
            path = dir + u'/' + QString::fromUtf8(shape->name.data(), qsizetype(shape->name.size())) + u'-'
                + QString::fromUtf8(format->name.data(), qsizetype(format->name.size())) + u".gguf"_s;
            if (!QFileInfo::exists(path)) {
                if (!QDir().mkpath(dir)) {
                    std::fprintf(stderr, "hearth-bench: cannot create %s\n", qPrintable(dir));
                    return 1;
                }
                std::fprintf(stderr, "hearth-bench: building %s (once)...\n", qPrintable(path));
                SyntheticModel(*shape, *format).write(path.toStdString(), unsigned(threads));
            }
        }

        const auto loadStart = Clock::now();
        const std::unique_ptr<LlamaModel> model = LlamaModel::load(path.toStdString());
        const double loadSeconds = seconds(loadStart);
        const LlamaConfig &c = model->config();

        ContextParams params;
        params.nCtx = std::max(*std::max_element(depths.begin(), depths.end()) + std::max(prompt, generate), 1);
        params.nThreads = threads;
        LlamaContext ctx(*model, params);

        std::mt19937 rng(42);
        std::uniform_int_distribution<int32_t> token(3, int32_t(c.vocab) - 1);
        const auto tokens = [&](int count) {
            std::vector<int32_t> out(static_cast<size_t>(count));
            for (int32_t &t : out) {
                t = token(rng);
            }
            return out;
        };
        // Warm-up: fault the mapped weights in and let the thread pool settle.
        ctx.eval(tokens(1));

        // Runs of one test per depth: the prompt in one batch, or `count` tokens one by one.
        using Runs = std::vector<std::vector<double>>;
        const auto measure = [&](int count, bool batch) {
            Runs runs(depths.size());
            for (int r = 0; r < reps && count > 0; ++r) {
                for (size_t d = 0; d < depths.size(); ++d) {
                    ctx.truncate(0);
                    if (depths[d] > 0) {
                        ctx.eval(tokens(depths[d]));
                    }
                    const auto input = tokens(count);
                    const auto start = Clock::now();
                    if (batch) {
                        ctx.eval(input);
                    } else {
                        for (const int32_t t : input) {
                            ctx.eval({&t, 1});
                        }
                    }
                    runs[d].push_back(count / seconds(start));
                }
            }
            return runs;
        };
        const Runs pp = measure(prompt, true);
        const Runs tg = measure(generate, false);

        rusage usage{};
        getrusage(RUSAGE_SELF, &usage);
        const double peakRss = double(usage.ru_maxrss) * 1024.0;
        const double fileBytes = double(QFileInfo(path).size());
        const double kvBytes = double(ctx.nCtx()) * c.layers * c.kvDim() * 2 * 2; // F16 keys and values
        const double bandwidth = readBandwidth(unsigned(threads));
        const double handOver = handOverSeconds(unsigned(threads));
        const double tokenBytes = double(weightBytesPerToken(*model));
        const double hugeShare = double(model->file().hugePageBytes()) / fileBytes;
        const auto summarise = [](const Runs &runs) {
            std::vector<Stats> out;
            for (const std::vector<double> &r : runs) {
                out.push_back(r.empty() ? Stats{} : stats(r));
            }
            return out;
        };
        const std::vector<Stats> pps = summarise(pp);
        const std::vector<Stats> tgs = summarise(tg);
        const double tgMedian = tgs.front().median; // of the first depth: the bandwidth share below
        const std::string name = QFileInfo(path).completeBaseName().toStdString();
        const std::string cpuPath(cpu::pathName(cpu::activePath()));
        struct Test {
            const char *kind;
            int tokens;
            const std::vector<Stats> &stats;
        };
        const Test tests[] = {{"pp", prompt, pps}, {"tg", generate, tgs}};
        const auto testName = [&](const Test &test, size_t d) {
            return test.kind + std::to_string(test.tokens) + (depths[d] > 0 ? " @ d" + std::to_string(depths[d]) : "");
        };

        if (json) {
            std::string testsJson[2];
            for (int i = 0; i < 2; ++i) {
                for (size_t d = 0; d < depths.size(); ++d) {
                    char item[200];
                    std::snprintf(item, sizeof(item), "%s{\"tokens\": %d, \"depth\": %d, \"mean\": %.3f, \"sd\": %.3f, \"median\": %.3f}",
                                  d ? ", " : "", tests[i].tokens, depths[d], tests[i].stats[d].mean, tests[i].stats[d].sd, tests[i].stats[d].median);
                    testsJson[i] += item;
                }
            }
            std::printf("{\"model\": \"%s\", \"size\": %.0f, \"params\": %llu, \"cpu\": \"%s\", \"threads\": %d, \"reps\": %d,\n"
                        " \"pp\": [%s],\n"
                        " \"tg\": [%s],\n"
                        " \"load_s\": %.4f, \"peak_rss\": %.0f, \"kv_bytes\": %.0f, \"read_bandwidth\": %.0f, \"tg_bandwidth\": %.0f,"
                        " \"hand_over_s\": %.9f, \"huge_page_share\": %.3f}\n",
                        name.c_str(), fileBytes, static_cast<unsigned long long>(parameterCount(*model)), cpuPath.c_str(), threads, reps,
                        testsJson[0].c_str(), testsJson[1].c_str(), loadSeconds, peakRss, kvBytes, bandwidth, tokenBytes * tgMedian, handOver,
                        hugeShare);
            return 0;
        }
        std::printf("| model | size | backend | threads | test | t/s (mean ± sd) | median |\n");
        std::printf("| --- | ---: | --- | ---: | ---: | ---: | ---: |\n");
        for (const Test &test : tests) {
            for (size_t d = 0; d < depths.size() && test.tokens > 0; ++d) {
                std::printf("| %s | %s | CPU %s | %d | %s | %.2f ± %.2f | %.2f |\n", name.c_str(), humanBytes(fileBytes).c_str(), cpuPath.c_str(),
                            threads, testName(test, d).c_str(), test.stats[d].mean, test.stats[d].sd, test.stats[d].median);
            }
        }
        for (const Test &test : tests) {
            for (size_t d = 1; d < depths.size() && test.tokens > 0; ++d) {
                std::printf("%s: %.0f%% of %s (medians)\n", testName(test, d).c_str(), 100.0 * test.stats[d].median / test.stats[0].median,
                            testName(test, 0).c_str());
            }
        }
        std::printf("\nload %.3f s | peak RSS %s (file %s + KV cache %s + %s) | read bandwidth %.1f GB/s | tg reads %s/token: %.1f GB/s = %.0f%% of it\n",
                    loadSeconds, humanBytes(peakRss).c_str(), humanBytes(fileBytes).c_str(), humanBytes(kvBytes).c_str(),
                    humanBytes(peakRss - fileBytes - kvBytes).c_str(), bandwidth / 1e9, humanBytes(tokenBytes).c_str(),
                    tokenBytes * tgMedian / 1e9, 100.0 * tokenBytes * tgMedian / bandwidth);
        std::printf("thread hand-over (parallelFor with no work, %d threads): %.2f us | weights mapped in 2 MiB pages: %.0f%%\n", threads,
                    handOver * 1e6, 100.0 * hugeShare);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "hearth-bench: %s\n", e.what());
        return 1;
    }
    return 0;
}
