// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine/ChatWorker.h"

#include "chat/ModelChatTemplate.h"
#include "engine/ChatSession.h"
#include "gguf/GgufFile.h"
#include "model/LlamaModel.h"
#include "sampling/Sampler.h"
#include "sampling/StopCondition.h"
#include "tokenizer/StreamDecoder.h"
#include "tokenizer/Tokenizer.h"
#include "util/Error.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>

#include <cmath>
#include <new>

namespace hearth
{

namespace
{
// textGenerated() at most this often: a view repaints at 60 Hz at best.
constexpr qint64 minUpdateIntervalNs = 1'000'000'000 / 60;
constexpr size_t pageSize = 4096;

// MemAvailable from /proc/meminfo in bytes; 0 when unknown (no check then).
qint64 availableMemory()
{
    QFile file(QStringLiteral("/proc/meminfo"));
    if (!file.open(QIODevice::ReadOnly)) {
        return 0;
    }
    for (const QByteArray &line : file.readAll().split('\n')) {
        if (line.startsWith("MemAvailable:")) {
            const QList<QByteArray> fields = line.simplified().split(' ');
            return fields.size() >= 2 ? fields[1].toLongLong() * 1024 : 0;
        }
    }
    return 0;
}

QString gib(uint64_t bytes)
{
    return QString::number(double(bytes) / double(1ull << 30), 'f', 2) + QStringLiteral(" GiB");
}

std::optional<GgmlType> kvTypeFromName(const QString &name)
{
    const std::optional<GgmlType> type = ggmlTypeFromName(name.toStdString());
    if (type == GgmlType::F32 || type == GgmlType::F16 || type == GgmlType::Q8_0) {
        return type;
    }
    return std::nullopt;
}
}

ChatWorker::ChatWorker(std::shared_ptr<const StopFlags> flags, std::shared_ptr<ChatMailbox> mailbox)
    : m_flags(std::move(flags))
    , m_mailbox(std::move(mailbox))
{
}

void ChatWorker::runJobs()
{
    while (const ChatMailbox::Call job = m_mailbox->take(m_mailbox->jobs)) {
        job();
    }
}

ChatWorker::~ChatWorker() = default;

void ChatWorker::unload()
{
    m_session.reset();
}

LoadResult ChatWorker::load(quint64 sequence, const QString &path, const LoadParams &params)
{
    LoadResult result;
    // The old model goes first: its memory is needed for the new one.
    m_session.reset();
    const auto cancelled = [&] {
        return m_flags->loadUpTo.load(std::memory_order_relaxed) >= sequence;
    };
    try {
        Q_EMIT loadProgress(0.0);
        const std::optional<GgmlType> kvType = kvTypeFromName(params.kvType);
        if (!kvType) {
            throw Error("KV cache type '" + params.kvType.toStdString() + "' is not one of f32, f16, q8_0");
        }
        std::optional<TemplateFamily> family;
        if (!params.templateFamily.isEmpty()) {
            family = ChatTemplate::familyFromName(params.templateFamily.toStdString());
            if (!family) {
                throw Error("chat template '" + params.templateFamily.toStdString() + "' is not one Hearth knows");
            }
        }
        if (params.contextSize < 0) {
            throw Error("context size " + std::to_string(params.contextSize) + " is negative");
        }
        std::unique_ptr<LlamaModel> model = LlamaModel::load(path.toStdString());
        const ContextParams contextParams{ChatSession::contextSize(*model, params.contextSize), params.threads, *kvType};
        const MemoryEstimate estimate = ChatSession::estimate(*model, contextParams);

        ModelInfo &info = result.model;
        info.path = path;
        info.name = QString::fromStdString(model->file().getString("general.name", {}));
        if (info.name.isEmpty()) {
            info.name = QFileInfo(path).completeBaseName();
        }
        info.contextSize = contextParams.nCtx;
        info.trainingContext = int(std::min<uint32_t>(model->config().contextLength, 1u << 24));
        info.vocabularySize = model->tokenizer().vocabSize();
        info.weightBytes = qint64(estimate.weights);
        info.kvCacheBytes = qint64(estimate.kvCache);
        info.estimatedBytes = qint64(estimate.total());

        const qint64 limit = params.memoryLimit > 0 ? params.memoryLimit : availableMemory();
        if (limit > 0 && estimate.total() > uint64_t(limit)) {
            result.error = QStringLiteral("Not enough memory for %1: it needs %2 (weights %3, KV cache %4 for %5 tokens, buffers %6) and %7 %8. "
                                          "Choose a smaller context or a smaller model.")
                               .arg(QFileInfo(path).fileName(), gib(estimate.total()), gib(estimate.weights), gib(estimate.kvCache))
                               .arg(contextParams.nCtx)
                               .arg(gib(estimate.buffers), gib(uint64_t(limit)),
                                    params.memoryLimit > 0 ? QStringLiteral("is the limit") : QStringLiteral("are available"));
            return result;
        }

        // Reads every page of the weights now, so that the first reply does not wait for the disk, and so
        // that loading has a progress to show.
        const uint64_t total = std::max<uint64_t>(model->file().tensorDataBytes(), 1);
        uint64_t done = 0;
        int reported = 0;
        volatile uint8_t sink = 0;
        for (const GgufTensorInfo &tensor : model->file().tensors()) {
            if (cancelled()) {
                result = {};
                result.error = QStringLiteral("Loading %1 was cancelled.").arg(QFileInfo(path).fileName());
                return result;
            }
            uint8_t sum = 0;
            for (uint64_t offset = 0; offset < tensor.nbytes; offset += pageSize) {
                sum ^= tensor.data[offset];
            }
            sink = sink ^ sum;
            done += tensor.nbytes;
            const int percent = int(done * 100 / total);
            if (percent > reported) {
                reported = percent;
                Q_EMIT loadProgress(double(done) / double(total));
            }
        }

        const ModelChatTemplate modelTemplate = ModelChatTemplate::read(model->file());
        const ChatTemplate chatTemplate = ChatTemplate::select(modelTemplate.jinja, modelTemplate.bosToken, modelTemplate.eosToken, family);
        info.templateFamily = QString::fromUtf8(ChatTemplate::familyName(chatTemplate.family()));
        info.templateFallback = chatTemplate.isFallback();
        m_session = std::make_unique<ChatSession>(std::move(model), contextParams, chatTemplate);
        info.threads = int(m_session->context().threads());
        Q_EMIT loadProgress(1.0);
    } catch (const std::bad_alloc &) {
        result = {};
        result.error = QStringLiteral("%1: not enough memory to load the model.").arg(path);
    } catch (const std::exception &e) {
        result = {};
        result.error = QString::fromStdString(e.what());
    }
    return result;
}

ChatReply ChatWorker::generate(quint64 sequence, quint64 requestId, const QList<ConversationMessage> &messages, const GenerationParams &params)
{
    QElapsedTimer clock;
    clock.start();
    ChatReply reply;
    reply.requestId = requestId;
    ReplyStats &stats = reply.stats;
    const auto stopped = [&] {
        return m_flags->generationUpTo.load(std::memory_order_relaxed) >= sequence;
    };
    std::string text; // the reply so far
    const auto fail = [&](const QString &message) {
        reply.text = QString::fromStdString(text);
        reply.error = message;
        stats.stopReason = ReplyStats::Error;
        return reply;
    };
    Q_EMIT generationStarted(requestId);
    if (!m_session) {
        return fail(QStringLiteral("No model is loaded."));
    }
    if (stopped()) {
        stats.stopReason = ReplyStats::Stopped;
        return reply;
    }

    try {
        ChatSession &session = *m_session;
        // A model file truncated or written to since it was loaded: an error naming it now, rather than a read
        // of a lost page stopping the app (MappedFile's SIGBUS handler) or weights changing under the reply.
        session.model().file().checkIntact();
        const Tokenizer &tokenizer = session.model().tokenizer();
        stats.contextSize = session.context().nCtx();

        std::vector<ChatMessage> conversation;
        conversation.reserve(size_t(messages.size()));
        for (const ConversationMessage &message : messages) {
            conversation.push_back({message.role.toStdString(), message.content.toStdString()});
        }
        const TrimResult trimmed = session.trimmer().trim(conversation, stats.contextSize, std::max(params.replyReserve, 0),
                                                          static_cast<TrimPolicy>(params.historyPolicy));
        if (!trimmed.error.empty()) {
            return fail(QString::fromStdString(trimmed.error));
        }
        stats.promptTokens = int(trimmed.tokens.size());
        stats.droppedMessages = int(trimmed.dropped.size());
        for (const size_t index : trimmed.dropped) {
            stats.droppedIndexes.append(int(index));
        }

        PrefillStats prefill;
        std::span<const float> logits = session.prefill(trimmed.tokens, prefill, stopped);
        stats.reusedTokens = prefill.reused;
        stats.shiftedTokens = prefill.shifted;
        stats.evaluatedTokens = prefill.evaluated;
        stats.contextUsed = session.context().position();
        if (logits.empty()) {
            stats.stopReason = ReplyStats::Stopped;
            return reply;
        }

        SamplingParams sampling;
        sampling.temperature = params.temperature;
        sampling.topK = params.topK;
        sampling.topP = params.topP;
        sampling.minP = params.minP;
        sampling.repeatPenalty = params.repeatPenalty;
        sampling.repeatLastN = params.repeatLastN;
        sampling.seed = uint64_t(params.seed);
        Sampler sampler(sampling);
        for (const int32_t token : trimmed.tokens) {
            sampler.accept(token);
        }
        StreamDecoder decoder(tokenizer);
        std::vector<std::string> stopStrings;
        for (const QString &s : params.stopStrings) {
            stopStrings.push_back(s.toStdString());
        }
        StopCondition stop(
            [&tokenizer](int32_t token) {
                return tokenizer.isEog(token);
            },
            std::move(stopStrings));

        std::string pending; // text not yet sent
        QElapsedTimer sinceUpdate; // invalid until the first update, which goes out at once
        const auto send = [&](bool force) {
            if (!pending.empty() && (force || !sinceUpdate.isValid() || sinceUpdate.nsecsElapsed() >= minUpdateIntervalNs)) {
                Q_EMIT textGenerated(requestId, QString::fromStdString(pending));
                text += pending;
                pending.clear();
                sinceUpdate.start();
            }
        };
        qint64 firstTokenNs = 0;
        bool finished = false;
        for (;;) {
            if (stopped()) {
                stats.stopReason = ReplyStats::Stopped;
                break;
            }
            const int32_t token = sampler.sample(logits);
            if (stats.newTokens == 0) {
                firstTokenNs = clock.nsecsElapsed();
                stats.timeToFirstTokenMs = double(firstTokenNs) / 1e6;
            }
            const StopStringMatcher::Result step = stop.push(token, decoder.push(token));
            pending += step.text;
            if (step.stopped) {
                stats.stopReason = tokenizer.isEog(token) ? ReplyStats::EndOfTurn : ReplyStats::StopString;
                finished = true;
                break;
            }
            sampler.accept(token);
            ++stats.newTokens;
            send(false);
            if (params.maxNewTokens > 0 && stats.newTokens >= params.maxNewTokens) {
                stats.stopReason = ReplyStats::MaxTokens;
                break;
            }
            if (session.context().position() >= session.context().nCtx()) {
                stats.stopReason = ReplyStats::ContextFull;
                break;
            }
            logits = session.next(token);
        }
        if (!finished) {
            pending += stop.finish();
            pending += decoder.flush();
        }
        send(true);
        const qint64 decodeNs = clock.nsecsElapsed() - firstTokenNs;
        if (stats.newTokens > 1 && decodeNs > 0) {
            stats.tokensPerSecond = double(stats.newTokens - 1) * 1e9 / double(decodeNs);
        }
        stats.contextUsed = session.context().position();
    } catch (const std::bad_alloc &) {
        return fail(QStringLiteral("Not enough memory to generate a reply."));
    } catch (const std::exception &e) {
        return fail(QString::fromStdString(e.what()));
    }
    reply.text = QString::fromStdString(text);
    return reply;
}

} // namespace hearth
