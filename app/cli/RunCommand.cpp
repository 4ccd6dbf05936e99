// SPDX-License-Identifier: GPL-3.0-or-later
#include "Commands.h"

#include "model/LlamaContext.h"
#include "model/LlamaModel.h"
#include "sampling/Sampler.h"
#include "tokenizer/StreamDecoder.h"
#include "tokenizer/Tokenizer.h"
#include "util/Error.h"

#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <cstdio>
#include <exception>
#include <limits>
#include <optional>
#include <vector>

using namespace Qt::StringLiterals;

namespace
{
// A number option's value; throws hearth::Error naming the option when it is not one.
long long intOption(const QCommandLineParser &parser, const QCommandLineOption &option, long long fallback, long long min, long long max)
{
    if (!parser.isSet(option)) {
        return fallback;
    }
    bool ok = false;
    const long long value = parser.value(option).toLongLong(&ok);
    if (!ok || value < min || value > max) {
        throw hearth::Error("--" + option.names().last().toStdString() + " '" + parser.value(option).toStdString() + "' is not a number from "
                            + std::to_string(min) + " to " + std::to_string(max));
    }
    return value;
}

float floatOption(const QCommandLineParser &parser, const QCommandLineOption &option, float fallback)
{
    if (!parser.isSet(option)) {
        return fallback;
    }
    bool ok = false;
    const float value = parser.value(option).toFloat(&ok);
    if (!ok || !std::isfinite(value)) {
        throw hearth::Error("--" + option.names().last().toStdString() + " '" + parser.value(option).toStdString() + "' is not a number");
    }
    return value;
}

QJsonArray toJson(const std::vector<int32_t> &ids)
{
    QJsonArray array;
    for (const int32_t id : ids) {
        array.append(id);
    }
    return array;
}
}

int runCommand(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Continue PROMPT with a model: prints the generated text as it is produced."_s);
    parser.addHelpOption();
    const QCommandLineOption modelOption({u"m"_s, u"model"_s}, u"The GGUF model file."_s, u"FILE"_s);
    const QCommandLineOption promptOption({u"p"_s, u"prompt"_s}, u"The text to continue."_s, u"TEXT"_s);
    const QCommandLineOption countOption({u"n"_s, u"n-predict"_s}, u"Tokens to generate at most (default 128, -1: until the end or a full context)."_s, u"N"_s);
    const QCommandLineOption tempOption(u"temp"_s, u"Sampling temperature (default 0.8; 0: greedy)."_s, u"T"_s);
    const QCommandLineOption repeatOption(u"repeat-penalty"_s, u"Repetition penalty over the last 64 tokens (default 1: off)."_s, u"P"_s);
    const QCommandLineOption seedOption(u"seed"_s, u"Random seed (default 0: a random one)."_s, u"S"_s);
    const QCommandLineOption threadsOption({u"t"_s, u"threads"_s}, u"Threads (default: one per hardware thread)."_s, u"N"_s);
    const QCommandLineOption ctxOption(u"ctx"_s, u"Context size in tokens (default: the model's)."_s, u"N"_s);
    const QCommandLineOption kvOption(u"kv-type"_s, u"KV cache type: f16 (default), f32 or q8_0."_s, u"TYPE"_s);
    const QCommandLineOption jsonOption(u"json"_s, u"Print one JSON object {\"prompt_tokens\", \"tokens\", \"text\"} at the end instead."_s);
    const QCommandLineOption logitsOption(u"logits"_s, u"With --json: add \"last_logits\", the logits after the whole prompt."_s);
    parser.addOptions({modelOption, promptOption, countOption, tempOption, repeatOption, seedOption, threadsOption, ctxOption, kvOption, jsonOption, logitsOption});
    parser.process(args);

    if (!parser.isSet(modelOption) || !parser.isSet(promptOption) || !parser.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "hearth-cli: run needs -m MODEL and -p PROMPT (see --help)\n");
        return 1;
    }

    try {
        const long long maxTokens = intOption(parser, countOption, 128, -1, 1 << 24);
        hearth::SamplingParams sampling;
        sampling.temperature = floatOption(parser, tempOption, 0.8f);
        sampling.repeatPenalty = floatOption(parser, repeatOption, 1.0f);
        sampling.seed = uint64_t(intOption(parser, seedOption, 0, 0, std::numeric_limits<long long>::max()));
        hearth::ContextParams params;
        params.nThreads = int(intOption(parser, threadsOption, 0, 0, 1024));
        params.nCtx = int(intOption(parser, ctxOption, 0, 0, 1 << 24));
        if (parser.isSet(kvOption)) {
            const auto type = hearth::ggmlTypeFromName(parser.value(kvOption).toStdString());
            if (!type) {
                throw hearth::Error("--kv-type '" + parser.value(kvOption).toStdString() + "' is not a type name");
            }
            params.kvType = *type;
        }
        const bool json = parser.isSet(jsonOption);

        const auto model = hearth::LlamaModel::load(parser.value(modelOption).toStdString());
        const hearth::Tokenizer &tokenizer = model->tokenizer();
        hearth::LlamaContext context(*model, params);
        hearth::Sampler sampler(sampling);
        hearth::StreamDecoder decoder(tokenizer);

        const std::vector<int32_t> prompt = tokenizer.encode(parser.value(promptOption).toStdString(), true);
        if (prompt.empty()) {
            throw hearth::Error("the prompt is empty");
        }
        QElapsedTimer timer;
        timer.start();
        std::span<const float> logits = context.eval(prompt);
        const qint64 promptNs = timer.nsecsElapsed();
        const std::vector<float> promptLogits(logits.begin(), logits.end());
        for (const int32_t id : prompt) {
            sampler.accept(id);
        }

        std::vector<int32_t> generated;
        std::string text;
        timer.restart();
        while (maxTokens < 0 || generated.size() < size_t(maxTokens)) {
            if (!generated.empty()) {
                if (context.position() == context.nCtx()) {
                    break;
                }
                logits = context.eval(std::span(&generated.back(), 1));
            }
            const int32_t id = sampler.sample(logits);
            if (tokenizer.isEog(id)) {
                break;
            }
            sampler.accept(id);
            generated.push_back(id);
            const std::string piece = decoder.push(id);
            text += piece;
            if (!json) {
                std::fwrite(piece.data(), 1, piece.size(), stdout);
                std::fflush(stdout);
            }
        }
        const qint64 generateNs = timer.nsecsElapsed();
        const std::string rest = decoder.flush();
        text += rest;

        if (json) {
            QJsonObject result{{u"prompt_tokens"_s, toJson(prompt)}, {u"tokens"_s, toJson(generated)}, {u"text"_s, QString::fromStdString(text)}};
            if (parser.isSet(logitsOption)) {
                QJsonArray values;
                for (const float v : promptLogits) {
                    values.append(double(v));
                }
                result.insert(u"last_logits"_s, values);
            }
            std::printf("%s\n", QJsonDocument(result).toJson(QJsonDocument::Compact).constData());
        } else {
            std::printf("%s\n", rest.c_str());
        }
        // Speed on stderr, so stdout stays the text alone.
        const auto perSecond = [](size_t count, qint64 ns) {
            return ns > 0 ? double(count) * 1e9 / double(ns) : 0.0;
        };
        std::fprintf(stderr, "\nprompt: %zu tokens, %.1f tokens/s; generated: %zu tokens, %.1f tokens/s (%u threads, seed %llu)\n", prompt.size(),
                     perSecond(prompt.size(), promptNs), generated.size(), perSecond(generated.size(), generateNs), context.threads(),
                     static_cast<unsigned long long>(sampler.seed()));
    } catch (const std::exception &e) {
        std::fprintf(stderr, "hearth-cli: %s\n", e.what());
        return 1;
    }
    return 0;
}
