// SPDX-License-Identifier: GPL-3.0-or-later
// hearth-cli perplexity -m MODEL -f TEXT [--kl-base BASE] [-c N] [--chunks N] [-t N] [--json]
#include "Commands.h"

#include "model/LlamaModel.h"
#include "quantizer/Perplexity.h"
#include "tokenizer/Tokenizer.h"
#include "util/Error.h"

#include <QCommandLineParser>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace
{
int number(const QCommandLineParser &parser, const QCommandLineOption &option, int min)
{
    bool ok = false;
    const int value = parser.value(option).toInt(&ok);
    if (!ok || value < min) {
        throw hearth::Error("--" + option.names().last().toStdString() + " '" + parser.value(option).toStdString() + "' is not a number >= "
                            + std::to_string(min));
    }
    return value;
}
}

int perplexityCommand(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Chunked perplexity of a model on a text, and with --kl-base the KL divergence from the "
                                     u"unquantized model: the quality a quantization lost."_s);
    parser.addHelpOption();
    const QCommandLineOption modelOption({u"m"_s, u"model"_s}, u"The GGUF model."_s, u"FILE"_s);
    const QCommandLineOption textOption({u"f"_s, u"file"_s}, u"The text (UTF-8)."_s, u"FILE"_s);
    const QCommandLineOption baseOption(u"kl-base"_s, u"The unquantized model to compare with."_s, u"FILE"_s);
    const QCommandLineOption contextOption({u"c"_s, u"ctx-size"_s}, u"Tokens per chunk (default 128)."_s, u"N"_s, u"128"_s);
    const QCommandLineOption chunksOption(u"chunks"_s, u"At most N chunks (default: the whole text)."_s, u"N"_s, u"0"_s);
    const QCommandLineOption threadsOption({u"t"_s, u"threads"_s}, u"Threads (default: all)."_s, u"N"_s, u"0"_s);
    const QCommandLineOption jsonOption(u"json"_s, u"Print the result as JSON."_s);
    parser.addOptions({modelOption, textOption, baseOption, contextOption, chunksOption, threadsOption, jsonOption});
    parser.process(args);
    if (!parser.isSet(modelOption) || !parser.isSet(textOption)) {
        std::fprintf(stderr, "hearth-cli perplexity: -m MODEL and -f TEXT are required\n");
        return 2;
    }
    try {
        hearth::PerplexityOptions options;
        options.contextSize = number(parser, contextOption, 4);
        options.maxChunks = number(parser, chunksOption, 0);
        options.threads = number(parser, threadsOption, 0);
        QFile file(parser.value(textOption));
        if (!file.open(QIODevice::ReadOnly)) {
            throw hearth::Error(parser.value(textOption).toStdString() + ": " + file.errorString().toStdString());
        }
        const QByteArray text = file.readAll();
        const auto model = hearth::LlamaModel::load(parser.value(modelOption).toStdString());
        const auto base = parser.isSet(baseOption) ? hearth::LlamaModel::load(parser.value(baseOption).toStdString()) : nullptr;
        const std::vector<int32_t> tokens = model->tokenizer().encode(std::string_view(text.constData(), size_t(text.size())), false);
        const bool json = parser.isSet(jsonOption);
        const hearth::PerplexityResult r = hearth::measurePerplexity(*model, tokens, options, base.get(), [json](int chunk, int chunks) {
            if (!json) {
                std::fprintf(stderr, "\rchunk %d of %d", chunk, chunks);
                std::fflush(stderr);
            }
        });
        if (json) {
            QJsonObject o{{u"chunks"_s, r.chunks}, {u"scored_tokens"_s, qint64(r.scoredTokens)}, {u"perplexity"_s, r.perplexity},
                          {u"perplexity_error"_s, r.perplexityError}};
            if (r.meanKl) {
                o.insert(u"base_perplexity"_s, *r.basePerplexity);
                o.insert(u"mean_kl"_s, *r.meanKl);
                o.insert(u"max_kl"_s, *r.maxKl);
                o.insert(u"same_top_token"_s, *r.sameTopToken);
            }
            std::printf("%s", QJsonDocument(o).toJson().constData());
            return 0;
        }
        std::fprintf(stderr, "\n");
        std::printf("perplexity %.4f +/- %.4f (%d chunks of %d, %llu tokens scored)\n", r.perplexity, r.perplexityError, r.chunks,
                    options.contextSize, static_cast<unsigned long long>(r.scoredTokens));
        if (r.meanKl) {
            std::printf("base perplexity %.4f, KL divergence mean %.6f max %.6f, same top token %.2f%%\n", *r.basePerplexity, *r.meanKl, *r.maxKl,
                        100.0 * *r.sameTopToken);
        }
    } catch (const std::exception &e) {
        std::fprintf(stderr, "\nhearth-cli perplexity: %s\n", e.what());
        return 1;
    }
    return 0;
}
