// SPDX-License-Identifier: GPL-3.0-or-later
#include "quantizer/SafetensorsReader.h"

#include "util/CheckedMath.h"
#include "util/Error.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace hearth
{

namespace
{
constexpr uint64_t kMaxHeaderBytes = 100u << 20; // the format's own limit
}

SafetensorsReader::SafetensorsReader(const std::string &path)
    : m_file(path)
{
    const auto fail = [&](const std::string &problem) {
        throw Error(path + ": " + problem);
    };
    if (m_file.size() < 8) {
        fail("not a safetensors file (shorter than its 8-byte header length)");
    }
    uint64_t headerBytes = 0;
    std::memcpy(&headerBytes, m_file.data(), 8);
    if (headerBytes > kMaxHeaderBytes || headerBytes > m_file.size() - 8) {
        fail("not a safetensors file (header of " + std::to_string(headerBytes) + " bytes in a file of " + std::to_string(m_file.size()) + ")");
    }
    QJsonParseError error;
    const QJsonDocument document =
        QJsonDocument::fromJson(QByteArray::fromRawData(reinterpret_cast<const char *>(m_file.data()) + 8, qsizetype(headerBytes)), &error);
    if (!document.isObject()) {
        fail("malformed safetensors header: " + error.errorString().toStdString());
    }
    const uint64_t dataStart = 8 + headerBytes;
    const uint64_t dataBytes = m_file.size() - dataStart;
    const QJsonObject header = document.object();
    for (auto it = header.begin(); it != header.end(); ++it) {
        const std::string name = it.key().toStdString();
        if (name == "__metadata__") {
            continue;
        }
        const QJsonObject entry = it.value().toObject();
        const QString dtype = entry.value(QStringLiteral("dtype")).toString();
        Tensor tensor;
        tensor.name = name;
        if (dtype == QStringLiteral("F32")) {
            tensor.type = GgmlType::F32;
        } else if (dtype == QStringLiteral("F16")) {
            tensor.type = GgmlType::F16;
        } else if (dtype == QStringLiteral("BF16")) {
            tensor.type = GgmlType::BF16;
        } else {
            fail("tensor '" + name + "' has dtype '" + dtype.toStdString() + "' (only F32, F16 and BF16 are supported)");
        }
        std::optional<uint64_t> elements = 1;
        for (const QJsonValue dim : entry.value(QStringLiteral("shape")).toArray()) {
            const double d = dim.toDouble(-1);
            // Range first: converting a double outside uint64_t's range is undefined behaviour.
            if (!(d >= 0 && d < 0x1p64) || d != std::floor(d)) {
                fail("tensor '" + name + "' has an invalid shape");
            }
            tensor.shape.push_back(uint64_t(d));
            elements = elements ? checkedMul(*elements, uint64_t(d)) : std::nullopt;
        }
        const QJsonArray offsets = entry.value(QStringLiteral("data_offsets")).toArray();
        const double begin = offsets.size() == 2 ? offsets[0].toDouble(-1) : -1;
        const double end = offsets.size() == 2 ? offsets[1].toDouble(-1) : -1;
        const auto expected = elements ? checkedMul(*elements, uint64_t(ggmlTypeLayout(tensor.type).blockBytes)) : std::nullopt;
        if (begin < 0 || end < begin || end > double(dataBytes) || !expected || uint64_t(end) - uint64_t(begin) != *expected) {
            fail("tensor '" + name + "' has data offsets that do not fit its shape or the file");
        }
        tensor.data = m_file.data() + dataStart + uint64_t(begin);
        tensor.bytes = *expected;
        m_tensors.push_back(std::move(tensor));
    }
    std::sort(m_tensors.begin(), m_tensors.end(), [](const Tensor &a, const Tensor &b) {
        return a.name < b.name;
    });
}

const SafetensorsReader::Tensor *SafetensorsReader::find(const std::string &name) const
{
    const auto it = std::lower_bound(m_tensors.begin(), m_tensors.end(), name, [](const Tensor &t, const std::string &n) {
        return t.name < n;
    });
    return it != m_tensors.end() && it->name == name ? &*it : nullptr;
}

} // namespace hearth
