// SPDX-License-Identifier: GPL-3.0-or-later
#include "Commands.h"

#include "model/SyntheticModel.h"

#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFileInfo>

#include <cstdio>
#include <exception>

using namespace Qt::StringLiterals;

namespace
{
template<typename List>
QString names(const List &items)
{
    QStringList out;
    for (const auto &item : items) {
        out.append(QString::fromUtf8(item.name.data(), qsizetype(item.name.size())));
    }
    return out.join(u", "_s);
}
}

int synthCommand(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Write a random-weight Llama model of a known shape (for benchmarks and tests)."_s);
    parser.addHelpOption();
    const QCommandLineOption shapeOption(u"shape"_s, u"The model shape: %1."_s.arg(names(hearth::SyntheticModel::shapes())), u"SHAPE"_s);
    const QCommandLineOption typeOption(u"type"_s, u"The weight type: %1."_s.arg(names(hearth::SyntheticModel::formats())), u"TYPE"_s);
    const QCommandLineOption outputOption({u"o"_s, u"output"_s}, u"The GGUF file to write."_s, u"FILE"_s);
    const QCommandLineOption seedOption(u"seed"_s, u"Seed of the weights (default 1)."_s, u"S"_s, u"1"_s);
    const QCommandLineOption threadsOption(u"threads"_s, u"Quantization threads (default 2)."_s, u"N"_s, u"2"_s);
    parser.addOptions({shapeOption, typeOption, outputOption, seedOption, threadsOption});
    parser.process(args);

    if (!parser.isSet(shapeOption) || !parser.isSet(typeOption) || !parser.isSet(outputOption) || !parser.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "hearth-cli: synth needs --shape, --type and -o FILE (see --help)\n");
        return 1;
    }
    const hearth::SyntheticShape *shape = hearth::SyntheticModel::findShape(parser.value(shapeOption).toStdString());
    if (!shape) {
        std::fprintf(stderr, "hearth-cli: unknown shape '%s' (known: %s)\n", qPrintable(parser.value(shapeOption)),
                     qPrintable(names(hearth::SyntheticModel::shapes())));
        return 1;
    }
    const hearth::SyntheticFormat *format = hearth::SyntheticModel::findFormat(parser.value(typeOption).toStdString());
    if (!format) {
        std::fprintf(stderr, "hearth-cli: unknown type '%s' (known: %s)\n", qPrintable(parser.value(typeOption)),
                     qPrintable(names(hearth::SyntheticModel::formats())));
        return 1;
    }
    bool seedOk = false;
    const qulonglong seed = parser.value(seedOption).toULongLong(&seedOk);
    bool threadsOk = false;
    const uint threads = parser.value(threadsOption).toUInt(&threadsOk);
    if (!seedOk || !threadsOk || threads == 0 || threads > 256) {
        std::fprintf(stderr, "hearth-cli: --seed must be a non-negative integer and --threads 1 to 256\n");
        return 1;
    }

    try {
        const hearth::SyntheticModel model(*shape, *format, seed);
        const QString path = parser.value(outputOption);
        QElapsedTimer timer;
        timer.start();
        model.write(path.toStdString(), threads);
        std::printf("%s: %s %s, %llu parameters, %lld bytes, written in %.1f s\n", qPrintable(path), qPrintable(QString::fromUtf8(shape->name.data())),
                    qPrintable(QString::fromUtf8(format->name.data())), static_cast<unsigned long long>(model.parameterCount()),
                    static_cast<long long>(QFileInfo(path).size()), double(timer.elapsed()) / 1000.0);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "hearth-cli: %s\n", e.what());
        return 1;
    }
    return 0;
}
