// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "quantizer/Quantizer.h"

#include <QAbstractListModel>
#include <QQmlEngine>

// The per-tensor table of a quantization report: what each tensor became and what it lost.
class QuantizeReportModel : public QAbstractListModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("QuantizeWizard.report is the table")

    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

public:
    enum Role {
        NameRole = Qt::UserRole + 1,
        LayerRole, // the block number of "blk.N.*" tensors, -1 for the others
        ShapeRole, // "4096 × 32000"
        SourceTypeRole,
        TypeRole,
        FallbackRole, // the target type did not fit the row length; `type` was used instead
        ElementsRole,
        BytesRole,
        RmseRole,
        MaxAbsErrorRole,
        MeanRelErrorRole, // a fraction: 0.01 is 1 %
        WarningRole,
    };
    Q_ENUM(Role)

    explicit QuantizeReportModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    void setTensors(std::vector<hearth::QuantTensorReport> tensors);
    void clear();

    // The layer number of a tensor name ("blk.12.attn_q.weight" -> 12), -1 when it belongs to no layer.
    static int layerOf(const std::string &name);

Q_SIGNALS:
    void countChanged();

private:
    std::vector<hearth::QuantTensorReport> m_tensors;
};
