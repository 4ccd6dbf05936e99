// SPDX-License-Identifier: GPL-3.0-or-later
// hearth-cli imatrix -m MODEL -f TEXT -o OUT [-c N] [--chunks N] [-t N]
#include "Commands.h"

#include "model/LlamaModel.h"
#include "quantizer/ImportanceMatrix.h"
#include "tokenizer/Tokenizer.h"
#include "util/Error.h"

#include <QCommandLineParser>
#include <QFile>
#include <QFileInfo>

#include <cstdio>

using namespace Qt::StringLiterals;

int imatrixCommand(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Compute an importance matrix (llama.cpp's imatrix.dat layout) from a calibration text, for "
                                     u"hearth-quantize --imatrix."_s);
    parser.addHelpOption();
    const QCommandLineOption modelOption({u"m"_s, u"model"_s}, u"The GGUF model (best unquantized)."_s, u"FILE"_s);
    const QCommandLineOption textOption({u"f"_s, u"file"_s}, u"The calibration text (UTF-8)."_s, u"FILE"_s);
    const QCommandLineOption outputOption({u"o"_s, u"output"_s}, u"The importance matrix to write."_s, u"FILE"_s);
    const QCommandLineOption contextOption({u"c"_s, u"ctx-size"_s}, u"Tokens per chunk (default 512)."_s, u"N"_s, u"512"_s);
    const QCommandLineOption chunksOption(u"chunks"_s, u"At most N chunks (default: the whole text)."_s, u"N"_s, u"0"_s);
    const QCommandLineOption threadsOption({u"t"_s, u"threads"_s}, u"Threads (default: all)."_s, u"N"_s, u"0"_s);
    parser.addOptions({modelOption, textOption, outputOption, contextOption, chunksOption, threadsOption});
    parser.process(args);
    if (!parser.isSet(modelOption) || !parser.isSet(textOption) || !parser.isSet(outputOption)) {
        std::fprintf(stderr, "hearth-cli imatrix: -m MODEL, -f TEXT and -o OUT are required\n");
        return 2;
    }
    bool ok1 = false;
    bool ok2 = false;
    bool ok3 = false;
    const int context = parser.value(contextOption).toInt(&ok1);
    const int chunks = parser.value(chunksOption).toInt(&ok2);
    const int threads = parser.value(threadsOption).toInt(&ok3);
    if (!ok1 || !ok2 || !ok3 || context < 2 || chunks < 0 || threads < 0) {
        std::fprintf(stderr, "hearth-cli imatrix: -c, --chunks and -t need non-negative numbers (-c at least 2)\n");
        return 2;
    }
    try {
        QFile file(parser.value(textOption));
        if (!file.open(QIODevice::ReadOnly)) {
            throw hearth::Error(parser.value(textOption).toStdString() + ": " + file.errorString().toStdString());
        }
        const QByteArray text = file.readAll();
        const auto model = hearth::LlamaModel::load(parser.value(modelOption).toStdString());
        const std::vector<int32_t> tokens = model->tokenizer().encode(std::string_view(text.constData(), size_t(text.size())), false);
        hearth::ImportanceMatrix matrix = hearth::ImportanceMatrix::compute(*model, tokens, context, chunks, threads, [](int chunk, int total) {
            std::fprintf(stderr, "\rchunk %d of %d", chunk, total);
            std::fflush(stderr);
        });
        matrix.setDataset(QFileInfo(parser.value(textOption)).fileName().toStdString(), int32_t(tokens.size() / size_t(context)));
        matrix.save(parser.value(outputOption).toStdString());
        std::fprintf(stderr, "\n%zu tensors written to %s\n", matrix.size(), qPrintable(parser.value(outputOption)));
    } catch (const std::exception &e) {
        std::fprintf(stderr, "\nhearth-cli imatrix: %s\n", e.what());
        return 1;
    }
    return 0;
}
