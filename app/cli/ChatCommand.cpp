// SPDX-License-Identifier: GPL-3.0-or-later
#include "Commands.h"

#include "engine/ChatEngine.h"

#include <QCommandLineParser>
#include <QCoroTask>

#include <cstdio>
#include <iostream>
#include <string>

using namespace Qt::StringLiterals;

// An interactive chat through ChatEngine, as the app uses it: one line per user message, the reply streamed,
// its stats on stderr. "/reset" starts over, an empty line or end of input quits.
int chatCommand(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Chat with a model on the terminal."_s);
    parser.addHelpOption();
    const QCommandLineOption modelOption({u"m"_s, u"model"_s}, u"The GGUF model."_s, u"MODEL"_s);
    const QCommandLineOption systemOption({u"s"_s, u"system"_s}, u"A system prompt."_s, u"TEXT"_s);
    const QCommandLineOption ctxOption(u"ctx"_s, u"Context size in tokens (default 2048)."_s, u"N"_s);
    const QCommandLineOption tempOption(u"temp"_s, u"Sampling temperature (default 0.8, 0: greedy)."_s, u"T"_s);
    const QCommandLineOption familyOption(u"family"_s, u"Chat template family instead of the model's."_s, u"NAME"_s);
    const QCommandLineOption countOption({u"n"_s, u"max-tokens"_s}, u"At most this many tokens per reply (default: no limit)."_s, u"N"_s);
    parser.addOptions({modelOption, systemOption, ctxOption, tempOption, familyOption, countOption});
    parser.process(args);
    if (!parser.isSet(modelOption)) {
        std::fprintf(stderr, "hearth-cli: chat needs -m MODEL (see --help)\n");
        return 1;
    }

    hearth::ChatEngine engine;
    hearth::LoadParams loadParams;
    loadParams.contextSize = parser.isSet(ctxOption) ? parser.value(ctxOption).toInt() : 2048;
    loadParams.templateFamily = parser.value(familyOption);
    const hearth::LoadResult loaded = QCoro::waitFor(engine.load(parser.value(modelOption), loadParams));
    if (!loaded.ok()) {
        std::fprintf(stderr, "hearth-cli: %s\n", qPrintable(loaded.error));
        return 1;
    }
    std::fprintf(stderr, "%s: %d tokens of context, template %s%s, about %.0f MiB\n", qPrintable(loaded.model.name), loaded.model.contextSize,
                 qPrintable(loaded.model.templateFamily), loaded.model.templateFallback ? " (not recognised: fallback)" : "",
                 double(loaded.model.estimatedBytes) / double(1 << 20));

    hearth::GenerationParams params;
    if (parser.isSet(tempOption)) {
        params.temperature = parser.value(tempOption).toFloat();
    }
    params.maxNewTokens = parser.value(countOption).toInt();
    QObject::connect(&engine, &hearth::ChatEngine::textGenerated, [](quint64, const QString &delta) {
        std::fputs(delta.toUtf8().constData(), stdout);
        std::fflush(stdout);
    });
    const QList<hearth::ConversationMessage> start =
        parser.isSet(systemOption) ? QList<hearth::ConversationMessage>{{u"system"_s, parser.value(systemOption)}} : QList<hearth::ConversationMessage>{};
    QList<hearth::ConversationMessage> messages = start;
    std::string line;
    quint64 request = 0;
    while (std::fputs("> ", stderr), std::getline(std::cin, line) && !line.empty()) {
        if (line == "/reset") {
            messages = start;
            continue;
        }
        messages.append({u"user"_s, QString::fromStdString(line)});
        const hearth::ChatReply reply = QCoro::waitFor(engine.generate(++request, messages, params));
        std::fputs("\n", stdout);
        if (!reply.ok()) {
            std::fprintf(stderr, "hearth-cli: %s\n", qPrintable(reply.error));
            messages.removeLast();
            continue;
        }
        const hearth::ReplyStats &s = reply.stats;
        std::fprintf(stderr, "[%d prompt tokens, %d evaluated (%d shifted), %d new, first token %.0f ms, %.1f tokens/s, context %d/%d, %d messages dropped]\n",
                     s.promptTokens, s.evaluatedTokens, s.shiftedTokens, s.newTokens, s.timeToFirstTokenMs, s.tokensPerSecond, s.contextUsed,
                     s.contextSize, s.droppedMessages);
        messages.append({u"assistant"_s, reply.text});
    }
    return 0;
}
