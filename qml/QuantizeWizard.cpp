// SPDX-License-Identifier: GPL-3.0-or-later
#include "QuantizeWizard.h"

#include "ModelFileInfo.h"
#include "ModelManager.h"
#include "QuantizeReportModel.h"
#include "hearthui_logging.h"
#include "quantizer/Quantizer.h"

#include <KLocalizedString>
#include <QCoroFuture>
#include <QDir>
#include <QFileInfo>
#include <QPointer>
#include <QRegularExpression>
#include <QtConcurrentRun>

#include <cmath>
#include <map>
#include <optional>

using namespace Qt::StringLiterals;

namespace
{
struct Inspection {
    std::shared_ptr<hearth::Quantizer> quantizer;
    QString error;
};

struct RunResult {
    std::optional<hearth::QuantReport> report;
    QString error;
    bool cancelled = false;
};

QString typeName(hearth::GgmlType type)
{
    return QString::fromUtf8(hearth::ggmlTypeName(type));
}
}

QuantizeWizard::QuantizeWizard(QObject *parent)
    : QObject(parent)
    , m_report(new QuantizeReportModel(this))
{
}

QuantizeWizard::~QuantizeWizard()
{
    // The worker reports progress to this object: it must be done before the object goes.
    if (m_cancel) {
        m_cancel->store(true);
    }
    m_running.waitForFinished();
}

QuantizeWizard::Step QuantizeWizard::step() const
{
    return m_step;
}

bool QuantizeWizard::isInspecting() const
{
    return m_inspecting;
}

QString QuantizeWizard::sourcePath() const
{
    return m_sourcePath;
}

QVariantMap QuantizeWizard::input() const
{
    return m_input;
}

QVariantList QuantizeWizard::targets() const
{
    return m_targets;
}

QString QuantizeWizard::target() const
{
    return m_target;
}

void QuantizeWizard::setTarget(const QString &target)
{
    const auto parsed = hearth::quantTargetFromName(target.toStdString());
    if (!parsed) {
        return;
    }
    const QString name = QString::fromUtf8(hearth::quantTargetName(*parsed));
    if (m_target != name) {
        m_target = name;
        Q_EMIT targetChanged();
        updateOutputPath();
    }
}

QString QuantizeWizard::outputFolder() const
{
    return m_outputFolder;
}

void QuantizeWizard::setOutputFolder(const QString &folder)
{
    if (m_outputFolder != folder) {
        m_outputFolder = folder;
        Q_EMIT outputFolderChanged();
        updateOutputPath();
    }
}

QString QuantizeWizard::outputPath() const
{
    return m_outputPath;
}

double QuantizeWizard::progress() const
{
    return m_progress;
}

QString QuantizeWizard::currentTensor() const
{
    return m_currentTensor;
}

int QuantizeWizard::tensorIndex() const
{
    return m_tensorIndex;
}

int QuantizeWizard::tensorCount() const
{
    return m_tensorCount;
}

QString QuantizeWizard::errorString() const
{
    return m_errorString;
}

QVariantMap QuantizeWizard::summary() const
{
    return m_summary;
}

QVariantList QuantizeWizard::layerErrors() const
{
    return m_layerErrors;
}

double QuantizeWizard::maxLayerRelError() const
{
    return m_maxLayerRelError;
}

QuantizeReportModel *QuantizeWizard::report() const
{
    return m_report;
}

void QuantizeWizard::setSource(const QString &pathOrUrl)
{
    if (m_step == Step::Running) {
        return;
    }
    const QString path = QDir::cleanPath(QFileInfo(ModelManager::localPath(pathOrUrl)).absoluteFilePath());
    inspect(path, ++m_generation);
}

QCoro::Task<void> QuantizeWizard::inspect(QString path, quint64 generation)
{
    setErrorString({});
    m_inspecting = true;
    Q_EMIT inspectingChanged();
    const QPointer<QuantizeWizard> self(this);
    Inspection inspection = co_await QtConcurrent::run([path] {
        Inspection result;
        try {
            result.quantizer = std::make_shared<hearth::Quantizer>(path.toStdString());
        } catch (const hearth::Error &e) {
            result.error = ModelFileInfo::errorMessage(path, e.what());
        } catch (const std::bad_alloc &) {
            result.error = i18n("%1: not enough memory to read it", QFileInfo(path).fileName());
        }
        return result;
    });
    if (!self || generation != m_generation) {
        co_return;
    }
    m_inspecting = false;
    Q_EMIT inspectingChanged();
    if (!inspection.quantizer) {
        qCInfo(HEARTH_UI) << "cannot quantize" << path << inspection.error;
        setErrorString(inspection.error);
        co_return;
    }

    m_quantizer = std::move(inspection.quantizer);
    m_sourcePath = path;
    const hearth::QuantInput &in = m_quantizer->input();
    m_input = {
        {u"name"_s, QString::fromStdString(in.name)},
        {u"kind"_s, in.kind == hearth::QuantInput::Kind::Gguf ? u"gguf"_s : u"huggingface"_s},
        {u"architecture"_s, QString::fromStdString(in.architecture)},
        {u"parameterCount"_s, qint64(in.parameterCount)},
        {u"parameterText"_s, ModelFileInfo::formatParameterCount(qint64(in.parameterCount))},
        {u"layers"_s, in.layers},
        {u"embedding"_s, in.embedding},
        {u"contextLength"_s, in.contextLength},
        {u"tensorCount"_s, in.tensorCount},
        {u"sizeBytes"_s, qint64(in.sizeBytes)},
        {u"weightType"_s, typeName(in.weightType)},
    };
    m_targets.clear();
    for (const hearth::QuantTarget target : hearth::quantTargets()) {
        const uint64_t bytes = m_quantizer->expectedOutputBytes(target);
        m_targets.append(QVariantMap{
            {u"name"_s, QString::fromUtf8(hearth::quantTargetName(target))},
            {u"baseType"_s, typeName(hearth::quantTargetBaseType(target))},
            {u"expectedBytes"_s, qint64(bytes)},
            {u"ratio"_s, in.sizeBytes > 0 ? double(bytes) / double(in.sizeBytes) : 1.0},
        });
    }
    Q_EMIT inputChanged();
    updateOutputPath();
    m_report->clear();
    m_summary.clear();
    m_layerErrors.clear();
    Q_EMIT reportChanged();
    setStep(Step::Target);
}

void QuantizeWizard::start()
{
    if (m_step != Step::Target || !m_quantizer || m_outputPath.isEmpty()) {
        return;
    }
    run(++m_generation);
}

QCoro::Task<void> QuantizeWizard::run(quint64 generation)
{
    setErrorString({});
    m_progress = 0.0;
    m_currentTensor.clear();
    m_tensorIndex = 0;
    m_tensorCount = 0;
    Q_EMIT progressChanged();
    setStep(Step::Running);
    if (!QDir().mkpath(QFileInfo(m_outputPath).absolutePath())) {
        setErrorString(i18n("Could not create the folder %1.", QFileInfo(m_outputPath).absolutePath()));
        setStep(Step::Target);
        co_return;
    }

    m_cancel = std::make_shared<std::atomic_bool>(false);
    hearth::QuantOptions options;
    options.target = *hearth::quantTargetFromName(m_target.toStdString());
    options.report = true;
    const QString output = m_outputPath;
    qCInfo(HEARTH_UI) << "quantizing" << m_sourcePath << "to" << m_target << "as" << output;

    // The destructor waits for the worker, so `this` outlives every progress call posted to it.
    auto progress = [this, generation](const hearth::QuantProgress &p) {
        QMetaObject::invokeMethod(
            this,
            [this, generation, name = QString::fromStdString(p.tensorName), index = int(p.tensorIndex), count = int(p.tensorCount),
             fraction = p.bytesTotal > 0 ? double(p.bytesDone) / double(p.bytesTotal) : 0.0] {
                if (generation != m_generation || m_step != Step::Running) {
                    return;
                }
                m_currentTensor = name;
                m_tensorIndex = index;
                m_tensorCount = count;
                m_progress = fraction;
                Q_EMIT progressChanged();
            },
            Qt::QueuedConnection);
    };
    QFuture<RunResult> future = QtConcurrent::run([quantizer = m_quantizer, cancel = m_cancel, options, output, progress] {
        RunResult result;
        try {
            result.report = quantizer->run(output.toStdString(), options, progress, cancel.get());
        } catch (const hearth::QuantCancelled &) {
            result.cancelled = true;
        } catch (const hearth::Error &e) {
            result.error = QString::fromUtf8(e.what());
        } catch (const std::bad_alloc &) {
            result.error = i18n("Not enough memory to quantize %1.", QFileInfo(output).fileName());
        }
        return result;
    });
    m_running = future;
    const QPointer<QuantizeWizard> self(this);
    const RunResult result = co_await future;
    if (!self || generation != m_generation) {
        co_return;
    }
    if (result.cancelled) {
        qCInfo(HEARTH_UI) << "quantization cancelled";
        setStep(Step::Target);
        co_return;
    }
    if (!result.report) {
        qCWarning(HEARTH_UI) << "quantization failed:" << result.error;
        setErrorString(result.error);
        setStep(Step::Target);
        Q_EMIT failed(result.error);
        co_return;
    }
    m_progress = 1.0;
    Q_EMIT progressChanged();
    showReport(*result.report);
    setStep(Step::Report);
    Q_EMIT finished(output);
}

void QuantizeWizard::showReport(const hearth::QuantReport &report)
{
    QVariantList warnings;
    for (const std::string &warning : report.warnings) {
        warnings << QString::fromStdString(warning);
    }
    m_summary = {
        {u"target"_s, QString::fromUtf8(hearth::quantTargetName(report.target))},
        {u"rmse"_s, report.rmse},
        {u"maxAbsError"_s, report.maxAbsError},
        {u"meanRelError"_s, report.meanRelError},
        {u"inputBytes"_s, qint64(report.inputBytes)},
        {u"outputBytes"_s, qint64(report.outputBytes)},
        {u"seconds"_s, report.seconds},
        {u"warnings"_s, warnings},
    };

    // Per layer, weighted by element count like the report's totals: RMSE from the summed squared errors.
    struct Sums {
        double squared = 0;
        double relative = 0;
        double maxAbs = 0;
        double elements = 0;
    };
    std::map<int, Sums> layers;
    for (const auto &tensor : report.tensors) {
        const int layer = QuantizeReportModel::layerOf(tensor.name);
        if (layer < 0) {
            continue;
        }
        Sums &sums = layers[layer];
        const double n = double(tensor.elements);
        sums.squared += tensor.rmse * tensor.rmse * n;
        sums.relative += tensor.meanRelError * n;
        sums.maxAbs = std::max(sums.maxAbs, tensor.maxAbsError);
        sums.elements += n;
    }
    m_layerErrors.clear();
    m_maxLayerRelError = 0.0;
    for (const auto &[layer, sums] : layers) {
        const double relative = sums.elements > 0 ? sums.relative / sums.elements : 0.0;
        m_maxLayerRelError = std::max(m_maxLayerRelError, relative);
        m_layerErrors.append(QVariantMap{
            {u"layer"_s, layer},
            {u"rmse"_s, sums.elements > 0 ? std::sqrt(sums.squared / sums.elements) : 0.0},
            {u"meanRelError"_s, relative},
            {u"maxAbsError"_s, sums.maxAbs},
        });
    }
    m_report->setTensors(report.tensors);
    Q_EMIT reportChanged();
}

void QuantizeWizard::cancel()
{
    if (m_step == Step::Running && m_cancel) {
        m_cancel->store(true);
    }
}

void QuantizeWizard::reset()
{
    if (m_cancel) {
        m_cancel->store(true);
    }
    ++m_generation;
    m_quantizer.reset();
    m_sourcePath.clear();
    m_input.clear();
    m_targets.clear();
    Q_EMIT inputChanged();
    if (m_inspecting) {
        m_inspecting = false;
        Q_EMIT inspectingChanged();
    }
    m_report->clear();
    m_summary.clear();
    m_layerErrors.clear();
    m_maxLayerRelError = 0.0;
    Q_EMIT reportChanged();
    setErrorString({});
    updateOutputPath();
    setStep(Step::Source);
}

void QuantizeWizard::chooseAnotherTarget()
{
    if (m_step == Step::Report) {
        updateOutputPath();
        setStep(Step::Target);
    }
}

void QuantizeWizard::setStep(Step step)
{
    if (m_step != step) {
        m_step = step;
        Q_EMIT stepChanged();
    }
}

void QuantizeWizard::setErrorString(const QString &message)
{
    if (m_errorString != message) {
        m_errorString = message;
        Q_EMIT errorStringChanged();
    }
}

void QuantizeWizard::updateOutputPath()
{
    QString path;
    if (!m_sourcePath.isEmpty() && !m_outputFolder.isEmpty()) {
        // "tiny-f32.gguf" -> "tiny-Q8_0.gguf": the input's own type suffix would only confuse.
        QString base = m_input.value(u"kind"_s) == u"gguf"_s ? QFileInfo(m_sourcePath).completeBaseName() : QFileInfo(m_sourcePath).fileName();
        static const QRegularExpression typeSuffix(u"[-_.](f32|f16|bf16|fp16|fp32)$"_s, QRegularExpression::CaseInsensitiveOption);
        base.remove(typeSuffix);
        const QDir folder(m_outputFolder);
        path = folder.filePath(u"%1-%2.gguf"_s.arg(base, m_target));
        for (int n = 2; QFileInfo::exists(path); ++n) {
            path = folder.filePath(u"%1-%2-%3.gguf"_s.arg(base, m_target).arg(n));
        }
    }
    if (m_outputPath != path) {
        m_outputPath = path;
        Q_EMIT outputPathChanged();
    }
}
