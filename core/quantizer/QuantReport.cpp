// SPDX-License-Identifier: GPL-3.0-or-later
#include "quantizer/Quantizer.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>

namespace hearth
{

namespace
{
QString qs(std::string_view s)
{
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

QJsonObject errorObject(double rmse, double maxAbs, double meanRel)
{
    return QJsonObject{{QStringLiteral("rmse"), rmse}, {QStringLiteral("max_abs_error"), maxAbs}, {QStringLiteral("mean_rel_error"), meanRel}};
}

std::string shapeText(const std::vector<uint64_t> &shape)
{
    std::string text;
    for (const uint64_t d : shape) {
        text += (text.empty() ? "" : "x") + std::to_string(d);
    }
    return text;
}
}

std::string QuantReport::toJson() const
{
    QJsonArray tensorArray;
    for (const QuantTensorReport &t : tensors) {
        QJsonArray shapeArray;
        for (const uint64_t d : t.shape) {
            shapeArray.append(qint64(d));
        }
        QJsonObject o = errorObject(t.rmse, t.maxAbsError, t.meanRelError);
        o.insert(QStringLiteral("name"), qs(t.name));
        o.insert(QStringLiteral("shape"), shapeArray);
        o.insert(QStringLiteral("source_type"), qs(ggmlTypeName(t.sourceType)));
        o.insert(QStringLiteral("type"), qs(ggmlTypeName(t.type)));
        o.insert(QStringLiteral("fallback"), t.fallback);
        o.insert(QStringLiteral("elements"), qint64(t.elements));
        o.insert(QStringLiteral("bytes"), qint64(t.bytes));
        o.insert(QStringLiteral("warning"), t.warning);
        if (t.unpermuted) {
            o.insert(QStringLiteral("unpermuted"), errorObject(t.unpermuted->rmse, t.unpermuted->maxAbsError, t.unpermuted->meanRelError));
        }
        tensorArray.append(o);
    }
    QJsonArray warningArray;
    for (const std::string &w : warnings) {
        warningArray.append(qs(w));
    }
    QJsonObject totalObject = errorObject(rmse, maxAbsError, meanRelError);
    if (unpermuted) {
        totalObject.insert(QStringLiteral("unpermuted"), errorObject(unpermuted->rmse, unpermuted->maxAbsError, unpermuted->meanRelError));
    }
    const QJsonObject root{
        {QStringLiteral("input"), qs(input)},
        {QStringLiteral("output"), qs(output)},
        {QStringLiteral("target"), qs(quantTargetName(target))},
        {QStringLiteral("permutation"), qs(permutation)},
        {QStringLiteral("input_bytes"), qint64(inputBytes)},
        {QStringLiteral("output_bytes"), qint64(outputBytes)},
        {QStringLiteral("seconds"), seconds},
        {QStringLiteral("total"), totalObject},
        {QStringLiteral("tensors"), tensorArray},
        {QStringLiteral("warnings"), warningArray},
    };
    return QJsonDocument(root).toJson(QJsonDocument::Indented).toStdString();
}

std::string QuantReport::toTable() const
{
    std::string out;
    char line[512];
    std::snprintf(line, sizeof line, "%-32s %-14s %-6s %-6s %11s %11s %9s\n", "tensor", "shape", "from", "type", "rmse", "max err",
                  "mean rel");
    out += line;
    const auto row = [&](const std::string &name, const std::string &shape, std::string_view from, std::string_view type, double r,
                         double m, double rel, const char *flag) {
        std::snprintf(line, sizeof line, "%-32s %-14s %-6.*s %-6.*s %11.4e %11.4e %8.3f%%%s\n", name.c_str(), shape.c_str(), int(from.size()),
                      from.data(), int(type.size()), type.data(), r, m, 100.0 * rel, flag);
        out += line;
    };
    for (const QuantTensorReport &t : tensors) {
        row(t.name, shapeText(t.shape), ggmlTypeName(t.sourceType), ggmlTypeName(t.type), t.rmse, t.maxAbsError, t.meanRelError,
            t.warning ? (t.fallback ? "  ! fallback" : "  !") : (t.fallback ? "  fallback" : ""));
        if (t.unpermuted) {
            row("  without permutation", "", "", "", t.unpermuted->rmse, t.unpermuted->maxAbsError, t.unpermuted->meanRelError, "");
        }
    }
    row("total", "", "", quantTargetName(target), rmse, maxAbsError, meanRelError, "");
    if (unpermuted) {
        row("  without permutation", "", "", "", unpermuted->rmse, unpermuted->maxAbsError, unpermuted->meanRelError, "");
    }
    std::snprintf(line, sizeof line, "%llu -> %llu bytes in %.2f s\n", static_cast<unsigned long long>(inputBytes),
                  static_cast<unsigned long long>(outputBytes), seconds);
    out += line;
    return out;
}

} // namespace hearth
