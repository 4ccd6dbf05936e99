// SPDX-License-Identifier: GPL-3.0-or-later
#include "ModelFileInfo.h"

#include "chat/ChatTemplate.h"
#include "chat/ModelChatTemplate.h"
#include "gguf/GgufFile.h"
#include "util/Error.h"

#include <KLocalizedString>
#include <QFileInfo>

#include <map>

using namespace Qt::StringLiterals;

ModelFileInfo ModelFileInfo::read(const QString &path)
{
    const QFileInfo file(path);
    ModelFileInfo info;
    info.path = file.absoluteFilePath();
    info.fileName = file.fileName();
    info.fileSize = file.size();
    info.name = file.completeBaseName();
    if (!file.isFile()) {
        info.error = i18n("%1: the file does not exist", info.fileName);
        return info;
    }
    try {
        const auto gguf = hearth::GgufFile::open(path.toStdString());
        if (gguf->tensors().empty()) {
            throw hearth::Error(i18n("it holds no weights (a vocabulary-only file?), so it is not a model").toStdString());
        }
        info.architecture = QString::fromStdString(gguf->getString("general.architecture", ""));
        if (!info.architecture.isEmpty()) {
            info.contextLength = qint64(gguf->getUInt(info.architecture.toStdString() + ".context_length", 0));
        }

        std::map<hearth::GgmlType, uint64_t> bytesByType;
        for (const auto &tensor : gguf->tensors()) {
            info.parameterCount += qint64(tensor.elementCount());
            if (tensor.nDims >= 2) {
                bytesByType[tensor.type] += tensor.nbytes;
            }
        }
        if (const auto *fileType = gguf->find("general.file_type"); fileType && fileType->isInteger()) {
            info.quantization = fileTypeName(quint32(fileType->toUInt64()));
        }
        if (info.quantization.isEmpty() && !bytesByType.empty()) {
            const auto dominant = std::max_element(bytesByType.begin(), bytesByType.end(), [](const auto &a, const auto &b) {
                return a.second < b.second;
            });
            info.quantization = QString::fromUtf8(hearth::ggmlTypeName(dominant->first));
        }

        const auto chat = hearth::ModelChatTemplate::read(*gguf);
        info.hasTemplate = !chat.jinja.empty();
        if (info.hasTemplate) {
            if (const auto detected = hearth::ChatTemplate::detect(chat.jinja, chat.bosToken, chat.eosToken)) {
                info.templateFamily = QString::fromUtf8(hearth::ChatTemplate::familyName(detected->family()));
            }
        }
    } catch (const hearth::Error &e) {
        ModelFileInfo failed;
        failed.path = info.path;
        failed.fileName = info.fileName;
        failed.name = info.name;
        failed.fileSize = info.fileSize;
        info = failed;
        info.error = errorMessage(path, e.what());
    }
    return info;
}

QString ModelFileInfo::errorMessage(const QString &path, const char *what)
{
    QString message = QString::fromUtf8(what);
    const QFileInfo file(path);
    for (const QString &prefix : {path, file.absoluteFilePath(), file.filePath()}) {
        if (message.startsWith(prefix + u": "_s)) {
            message = message.mid(prefix.size() + 2);
            break;
        }
    }
    return i18nc("@info file name: problem", "%1: %2", file.fileName(), message);
}

QString ModelFileInfo::formatParameterCount(qint64 count)
{
    struct Unit {
        double scale;
        const char *suffix;
    };
    static constexpr Unit units[] = {{1e12, "T"}, {1e9, "B"}, {1e6, "M"}, {1e3, "K"}};
    for (const auto &unit : units) {
        if (double(count) >= unit.scale) {
            const double value = double(count) / unit.scale;
            // Two significant digits below ten, whole numbers above, without a trailing ".0": 260K, 6.7M, 1.1B, 13B.
            const int decimals = value >= 10 ? 0 : 1;
            QString text = QString::number(value, 'f', decimals);
            if (text.endsWith(u".0"_s)) {
                text.chop(2);
            }
            return text + QLatin1StringView(unit.suffix);
        }
    }
    return QString::number(count);
}

QString ModelFileInfo::fileTypeName(quint32 fileType)
{
    // llama.cpp's llama_ftype numbering (a file-format fact); gaps are values it retired.
    static const std::map<quint32, QString> names{
        {0, u"F32"_s},      {1, u"F16"_s},     {2, u"Q4_0"_s},    {3, u"Q4_1"_s},     {7, u"Q8_0"_s},
        {8, u"Q5_0"_s},     {9, u"Q5_1"_s},    {10, u"Q2_K"_s},   {11, u"Q3_K_S"_s},  {12, u"Q3_K_M"_s},
        {13, u"Q3_K_L"_s},  {14, u"Q4_K_S"_s}, {15, u"Q4_K_M"_s}, {16, u"Q5_K_S"_s},  {17, u"Q5_K_M"_s},
        {18, u"Q6_K"_s},    {19, u"IQ2_XXS"_s}, {20, u"IQ2_XS"_s}, {21, u"Q2_K_S"_s}, {22, u"IQ3_XS"_s},
        {23, u"IQ3_XXS"_s}, {24, u"IQ1_S"_s},  {25, u"IQ4_NL"_s}, {26, u"IQ3_S"_s},   {27, u"IQ3_M"_s},
        {28, u"IQ2_S"_s},   {29, u"IQ2_M"_s},  {30, u"IQ4_XS"_s}, {31, u"IQ1_M"_s},   {32, u"BF16"_s},
        {36, u"TQ1_0"_s},   {37, u"TQ2_0"_s},
    };
    const auto it = names.find(fileType);
    return it == names.end() ? QString() : it->second;
}
