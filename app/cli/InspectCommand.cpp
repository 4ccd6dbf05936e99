// SPDX-License-Identifier: GPL-3.0-or-later
#include "Commands.h"

#include "gguf/GgufFile.h"
#include "util/Error.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cstdio>

using namespace Qt::StringLiterals;

namespace
{
std::string typeName(const hearth::GgufValue &value)
{
    if (!value.isArray()) {
        return std::string(hearth::ggufValueTypeName(value.type()));
    }
    // Nested arrays show their inner element type when there is an element to ask.
    if (value.arrayType() == hearth::GgufValueType::Array && value.size() > 0) {
        return "array[" + typeName(value.at(0)) + "]";
    }
    return "array[" + std::string(hearth::ggufValueTypeName(value.arrayType())) + "]";
}

std::string shapeText(const hearth::GgufTensorInfo &tensor)
{
    std::string s;
    for (uint32_t d = 0; d < tensor.nDims; ++d) {
        s += (d ? " x " : "") + std::to_string(tensor.ne[d]);
    }
    return s;
}

std::string humanBytes(uint64_t bytes)
{
    const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = double(bytes);
    size_t unit = 0;
    while (value >= 1024 && unit + 1 < std::size(units)) {
        value /= 1024;
        ++unit;
    }
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
    return buffer;
}

// JSON numbers are doubles: integers beyond 2^53 are written as strings so they stay exact.
QJsonValue toJson(const hearth::GgufValue &value, size_t maxItems)
{
    using hearth::GgufValueType;
    switch (value.type()) {
    case GgufValueType::Bool:
        return value.toBool();
    case GgufValueType::String:
        return QString::fromStdString(value.toString());
    case GgufValueType::Float32:
    case GgufValueType::Float64:
        return value.toDouble();
    case GgufValueType::Array: {
        QJsonArray items;
        for (size_t i = 0; i < std::min(maxItems, value.size()); ++i) {
            items.append(toJson(value.at(i), maxItems));
        }
        return items;
    }
    default: {
        constexpr int64_t exactLimit = int64_t(1) << 53;
        const bool negative = value.toDouble() < 0;
        if (negative ? value.toInt64() >= -exactLimit : value.toUInt64() <= uint64_t(exactLimit)) {
            return negative ? double(value.toInt64()) : double(value.toUInt64());
        }
        return QString::fromStdString(value.toDisplayString());
    }
    }
}

void printJson(const hearth::GgufFile &file, bool withTensors, size_t maxItems)
{
    QJsonObject root;
    root[u"path"_s] = QString::fromStdString(file.path());
    root[u"version"_s] = double(file.version());
    root[u"alignment"_s] = double(file.alignment());
    root[u"data_offset"_s] = double(file.dataOffset());
    root[u"file_size"_s] = double(file.fileSize());
    QJsonArray metadata;
    for (const auto &[key, value] : file.metadata()) {
        QJsonObject entry{{u"key"_s, QString::fromStdString(key)},
                          {u"type"_s, QString::fromStdString(typeName(value))},
                          {u"value"_s, toJson(value, maxItems)}};
        if (value.isArray()) {
            entry[u"count"_s] = double(value.size());
        }
        metadata.append(entry);
    }
    root[u"metadata"_s] = metadata;
    root[u"tensor_count"_s] = double(file.tensors().size());
    root[u"tensor_bytes"_s] = double(file.tensorDataBytes());
    if (withTensors) {
        QJsonArray tensors;
        for (const auto &t : file.tensors()) {
            QJsonArray shape;
            for (uint32_t d = 0; d < t.nDims; ++d) {
                shape.append(double(t.ne[d]));
            }
            tensors.append(QJsonObject{{u"name"_s, QString::fromStdString(t.name)},
                                       {u"type"_s, QString::fromUtf8(hearth::ggmlTypeName(t.type))},
                                       {u"shape"_s, shape},
                                       {u"offset"_s, double(t.offset)},
                                       {u"bytes"_s, double(t.nbytes)}});
        }
        root[u"tensors"_s] = tensors;
    }
    std::fputs(QJsonDocument(root).toJson(QJsonDocument::Indented).constData(), stdout);
}

void printText(const hearth::GgufFile &file, bool withTensors, size_t maxItems)
{
    std::printf("%s\n", file.path().c_str());
    std::printf("GGUF version %u, alignment %llu, tensor data from byte %llu of %llu (%s)\n", file.version(),
                static_cast<unsigned long long>(file.alignment()), static_cast<unsigned long long>(file.dataOffset()),
                static_cast<unsigned long long>(file.fileSize()), humanBytes(file.fileSize()).c_str());

    std::printf("\nMetadata: %zu keys\n", file.metadata().size());
    size_t keyWidth = 0;
    size_t typeWidth = 0;
    for (const auto &[key, value] : file.metadata()) {
        keyWidth = std::max(keyWidth, key.size());
        typeWidth = std::max(typeWidth, typeName(value).size());
    }
    for (const auto &[key, value] : file.metadata()) {
        std::printf("  %-*s  %-*s  %s\n", int(keyWidth), key.c_str(), int(typeWidth), typeName(value).c_str(),
                    value.toDisplayString(maxItems).c_str());
    }

    std::printf("\nTensors: %zu, %llu bytes (%s)\n", file.tensors().size(), static_cast<unsigned long long>(file.tensorDataBytes()),
                humanBytes(file.tensorDataBytes()).c_str());
    if (!withTensors || file.tensors().empty()) {
        return;
    }
    size_t nameWidth = 4;
    size_t shapeWidth = 5;
    for (const auto &t : file.tensors()) {
        nameWidth = std::max(nameWidth, t.name.size());
        shapeWidth = std::max(shapeWidth, shapeText(t).size());
    }
    std::printf("  %-*s  %-7s  %-*s  %12s\n", int(nameWidth), "NAME", "TYPE", int(shapeWidth), "SHAPE", "BYTES");
    for (const auto &t : file.tensors()) {
        std::printf("  %-*s  %-7s  %-*s  %12llu\n", int(nameWidth), t.name.c_str(), std::string(hearth::ggmlTypeName(t.type)).c_str(),
                    int(shapeWidth), shapeText(t).c_str(), static_cast<unsigned long long>(t.nbytes));
    }
}
}

int inspectCommand(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Show a GGUF file's version, metadata and tensors."_s);
    parser.addHelpOption();
    const QCommandLineOption tensorsOption(u"tensors"_s, u"List every tensor: name, type, shape, bytes."_s);
    const QCommandLineOption jsonOption(u"json"_s, u"Print JSON instead of text."_s);
    const QCommandLineOption itemsOption(u"array-items"_s, u"Show at most N items of each array (default 8)."_s, u"N"_s, u"8"_s);
    parser.addOptions({tensorsOption, jsonOption, itemsOption});
    parser.addPositionalArgument(u"MODEL"_s, u"The GGUF file."_s);
    if (!parser.parse(args)) {
        std::fprintf(stderr, "hearth-cli: %s\n", qPrintable(parser.errorText()));
        return 1;
    }
    if (parser.isSet(u"help"_s)) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        return 0;
    }
    bool itemsOk = false;
    const qulonglong maxItems = parser.value(itemsOption).toULongLong(&itemsOk);
    if (!itemsOk) {
        std::fprintf(stderr, "hearth-cli: --array-items needs a number, not '%s'\n", qPrintable(parser.value(itemsOption)));
        return 1;
    }
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1) {
        std::fprintf(stderr, "hearth-cli: inspect needs exactly one MODEL file (see --help)\n");
        return 1;
    }

    try {
        const auto file = hearth::GgufFile::open(positional.first().toStdString());
        if (parser.isSet(jsonOption)) {
            printJson(*file, parser.isSet(tensorsOption), size_t(maxItems));
        } else {
            printText(*file, parser.isSet(tensorsOption), size_t(maxItems));
        }
    } catch (const hearth::Error &e) {
        std::fprintf(stderr, "hearth-cli: %s\n", e.what());
        return 1;
    }
    return 0;
}
