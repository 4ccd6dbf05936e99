// SPDX-License-Identifier: GPL-3.0-or-later
#include "QuantizeReportModel.h"

#include <charconv>

using namespace Qt::StringLiterals;

QuantizeReportModel::QuantizeReportModel(QObject *parent)
    : QAbstractListModel(parent)
{
}

int QuantizeReportModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_tensors.size());
}

QVariant QuantizeReportModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const hearth::QuantTensorReport &tensor = m_tensors.at(size_t(index.row()));
    switch (role) {
    case Qt::DisplayRole:
    case NameRole:
        return QString::fromStdString(tensor.name);
    case LayerRole:
        return layerOf(tensor.name);
    case ShapeRole: {
        QStringList dims;
        for (const uint64_t d : tensor.shape) {
            dims << QString::number(d);
        }
        return dims.join(u" × "_s);
    }
    case SourceTypeRole:
        return QString::fromUtf8(hearth::ggmlTypeName(tensor.sourceType));
    case TypeRole:
        return QString::fromUtf8(hearth::ggmlTypeName(tensor.type));
    case FallbackRole:
        return tensor.fallback;
    case ElementsRole:
        return qint64(tensor.elements);
    case BytesRole:
        return qint64(tensor.bytes);
    case RmseRole:
        return tensor.rmse;
    case MaxAbsErrorRole:
        return tensor.maxAbsError;
    case MeanRelErrorRole:
        return tensor.meanRelError;
    case WarningRole:
        return tensor.warning;
    default:
        return {};
    }
}

QHash<int, QByteArray> QuantizeReportModel::roleNames() const
{
    return {
        {NameRole, "name"},
        {LayerRole, "layer"},
        {ShapeRole, "shape"},
        {SourceTypeRole, "sourceType"},
        {TypeRole, "type"},
        {FallbackRole, "fallback"},
        {ElementsRole, "elements"},
        {BytesRole, "bytes"},
        {RmseRole, "rmse"},
        {MaxAbsErrorRole, "maxAbsError"},
        {MeanRelErrorRole, "meanRelError"},
        {WarningRole, "warning"},
    };
}

void QuantizeReportModel::setTensors(std::vector<hearth::QuantTensorReport> tensors)
{
    const bool countChanges = tensors.size() != m_tensors.size();
    beginResetModel();
    m_tensors = std::move(tensors);
    endResetModel();
    if (countChanges) {
        Q_EMIT countChanged();
    }
}

void QuantizeReportModel::clear()
{
    setTensors({});
}

int QuantizeReportModel::layerOf(const std::string &name)
{
    constexpr std::string_view prefix = "blk.";
    if (!name.starts_with(prefix)) {
        return -1;
    }
    int layer = -1;
    const char *begin = name.data() + prefix.size();
    const char *end = name.data() + name.size();
    const auto [next, error] = std::from_chars(begin, end, layer);
    return error == std::errc() && next != begin && next < end && *next == '.' ? layer : -1;
}
