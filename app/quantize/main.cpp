// SPDX-License-Identifier: GPL-3.0-or-later
// hearth-quantize IN OUT TYPE [--report R.json] [--permute S] [--imatrix F] [-t N]
#include "hearth-version.h"
#include "quantizer/QuantPermutation.h"
#include "quantizer/Quantizer.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QSaveFile>

#include <csignal>
#include <cstdio>

using namespace Qt::StringLiterals;

namespace
{
std::atomic_bool g_cancel{false};

void onSignal(int)
{
    g_cancel.store(true);
}

QString targetList()
{
    QStringList names;
    for (const hearth::QuantTarget t : hearth::quantTargets()) {
        names << QString::fromUtf8(hearth::quantTargetName(t).data(), qsizetype(hearth::quantTargetName(t).size()));
    }
    return names.join(u", "_s);
}

QString permutationList()
{
    QStringList names;
    for (const std::string_view n : hearth::QuantPermutation::names()) {
        names << QString::fromUtf8(n.data(), qsizetype(n.size()));
    }
    return names.join(u", "_s);
}
}

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"hearth-quantize"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(HEARTH_VERSION_STRING));

    QCommandLineParser parser;
    parser.setApplicationDescription(u"Convert a Llama model (GGUF in F32/F16/BF16, or a Hugging Face folder) to GGUF of TYPE "
                                     u"and report the error per tensor."_s);
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(u"IN"_s, u"Input GGUF file or Hugging Face model folder"_s);
    parser.addPositionalArgument(u"OUT"_s, u"Output GGUF file"_s);
    parser.addPositionalArgument(u"TYPE"_s, u"One of "_s + targetList());
    const QCommandLineOption reportOption(u"report"_s, u"Write the quality report as JSON to FILE"_s, u"FILE"_s);
    const QCommandLineOption permuteOption(u"permute"_s, u"Function-preserving permutation: "_s + permutationList(), u"S"_s, u"none"_s);
    const QCommandLineOption imatrixOption(u"imatrix"_s, u"Importance matrix (hearth-cli imatrix) weighting the error"_s, u"FILE"_s);
    const QCommandLineOption threadsOption({u"t"_s, u"threads"_s}, u"Threads (default: all)"_s, u"N"_s, u"0"_s);
    const QCommandLineOption quietOption({u"q"_s, u"quiet"_s}, u"No progress and no table"_s);
    parser.addOptions({reportOption, permuteOption, imatrixOption, threadsOption, quietOption});
    parser.process(app);

    const QStringList args = parser.positionalArguments();
    if (args.size() != 3) {
        std::fprintf(stderr, "hearth-quantize: expected IN OUT TYPE\n\n%s", qPrintable(parser.helpText()));
        return 2;
    }
    const auto target = hearth::quantTargetFromName(args[2].toStdString());
    if (!target) {
        std::fprintf(stderr, "hearth-quantize: unknown type '%s' (known: %s)\n", qPrintable(args[2]), qPrintable(targetList()));
        return 2;
    }
    bool threadsOk = false;
    const uint threads = parser.value(threadsOption).toUInt(&threadsOk);
    if (!threadsOk) {
        std::fprintf(stderr, "hearth-quantize: -t needs a number\n");
        return 2;
    }
    const bool quiet = parser.isSet(quietOption);

    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    try {
        hearth::Quantizer quantizer(args[0].toStdString());
        hearth::QuantOptions options;
        options.target = *target;
        options.threads = threads;
        options.imatrixPath = parser.value(imatrixOption).toStdString();
        options.permutation = parser.value(permuteOption).toStdString();
        const auto progress = [quiet](const hearth::QuantProgress &p) {
            if (!quiet) {
                std::fprintf(stderr, "\r[%zu/%zu] %3.0f%% %-40s", p.tensorIndex, p.tensorCount,
                             p.bytesTotal ? 100.0 * double(p.bytesDone) / double(p.bytesTotal) : 100.0, p.tensorName.c_str());
                std::fflush(stderr);
            }
        };
        const hearth::QuantReport report = quantizer.run(args[1].toStdString(), options, progress, &g_cancel);
        if (!quiet) {
            std::fprintf(stderr, "\n");
            std::fputs(report.toTable().c_str(), stdout);
            for (const std::string &warning : report.warnings) {
                std::fprintf(stderr, "warning: %s\n", warning.c_str());
            }
        }
        if (parser.isSet(reportOption)) {
            QSaveFile file(parser.value(reportOption));
            const std::string json = report.toJson();
            if (!file.open(QIODevice::WriteOnly) || file.write(json.data(), qint64(json.size())) != qint64(json.size()) || !file.commit()) {
                std::fprintf(stderr, "hearth-quantize: %s: %s\n", qPrintable(parser.value(reportOption)), qPrintable(file.errorString()));
                return 1;
            }
        }
    } catch (const hearth::QuantCancelled &e) {
        std::fprintf(stderr, "\nhearth-quantize: %s\n", e.what());
        return 130;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "\nhearth-quantize: %s\n", e.what());
        return 1;
    }
    return 0;
}
