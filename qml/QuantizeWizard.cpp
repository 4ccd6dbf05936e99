// SPDX-License-Identifier: GPL-3.0-or-later
#include "QuantizeWizard.h"

#include "ModelFileInfo.h"
#include "ModelManager.h"
#include "QuantizeReportModel.h"
#include "hearthui_logging.h"
#include "model/LlamaModel.h"
#include "quantizer/Perplexity.h"
#include "quantizer/Quantizer.h"
#include "tokenizer/Tokenizer.h"

#include <KLocalizedString>
#include <QCoroFuture>
#include <QDir>
#include <QFile>
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

struct Measurement {
    std::optional<hearth::PerplexityResult> result;
    QString error;
    bool cancelled = false;
};

// Tokens per perplexity chunk (hearth-cli perplexity's default): the sample text gives a few dozen chunks.
constexpr int kPerplexityContext = 128;

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

qint64 QuantizeWizard::bytesDone() const
{
    return m_bytesDone;
}

qint64 QuantizeWizard::bytesTotal() const
{
    return m_bytesTotal;
}

bool QuantizeWizard::measurePerplexity() const
{
    return m_measurePerplexity;
}

void QuantizeWizard::setMeasurePerplexity(bool measure)
{
    if (m_measurePerplexity != measure) {
        m_measurePerplexity = measure;
        Q_EMIT perplexityOptionsChanged();
    }
}

QString QuantizeWizard::perplexityText() const
{
    return m_perplexityText;
}

void QuantizeWizard::setPerplexityText(const QString &pathOrUrl)
{
    const QString path = pathOrUrl.isEmpty() ? QString() : QDir::cleanPath(QFileInfo(ModelManager::localPath(pathOrUrl)).absoluteFilePath());
    if (m_perplexityText != path) {
        m_perplexityText = path;
        Q_EMIT perplexityOptionsChanged();
    }
}

QString QuantizeWizard::perplexityTextName() const
{
    return m_perplexityText.isEmpty() ? i18nc("@info the text perplexity is measured on", "the sample text") : QFileInfo(m_perplexityText).fileName();
}

QString QuantizeWizard::sampleTextPath()
{
    return u":/texts/perplexity-sample.txt"_s;
}

bool QuantizeWizard::isMeasuring() const
{
    return m_measuring;
}

int QuantizeWizard::chunkIndex() const
{
    return m_chunkIndex;
}

int QuantizeWizard::chunkCount() const
{
    return m_chunkCount;
}

QVariantMap QuantizeWizard::perplexity() const
{
    return m_perplexity;
}

void QuantizeWizard::setProgressHook(std::function<void(const hearth::QuantProgress &)> hook)
{
    m_progressHook = std::move(hook);
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
        const QFileInfo file(path);
        if (file.isDir() && !QFileInfo::exists(QDir(path).filePath(u"config.json"_s))) {
            result.error = i18nc("@info folder name", "%1: not a Hugging Face model folder (it has no config.json)", file.fileName());
            return result;
        }
        try {
            result.quantizer = std::make_shared<hearth::Quantizer>(path.toStdString());
        } catch (const hearth::Error &e) {
            // "FOLDER/tokenizer.json: problem" -> "FOLDER: tokenizer.json: problem": the folder's place is known.
            result.error = ModelFileInfo::errorMessage(path, e.what()).replace(path + u'/', QString());
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
    m_perplexity.clear();
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
    m_bytesDone = 0;
    m_bytesTotal = 0;
    m_measuring = false;
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
    auto progress = [this, generation, hook = m_progressHook](const hearth::QuantProgress &p) {
        QMetaObject::invokeMethod(
            this,
            [this, generation, name = QString::fromStdString(p.tensorName), index = int(p.tensorIndex), count = int(p.tensorCount),
             done = qint64(p.bytesDone), total = qint64(p.bytesTotal)] {
                if (generation != m_generation || m_step != Step::Running) {
                    return;
                }
                m_currentTensor = name;
                m_tensorIndex = index;
                m_tensorCount = count;
                m_bytesDone = done;
                m_bytesTotal = total;
                m_progress = total > 0 ? double(done) / double(total) : 0.0;
                Q_EMIT progressChanged();
            },
            Qt::QueuedConnection);
        // After the report is posted, so a run held here shows the tensor it is held at.
        if (hook) {
            hook(p);
        }
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
    m_bytesDone = m_bytesTotal;
    Q_EMIT progressChanged();
    QVariantMap perplexity;
    if (m_measurePerplexity) {
        perplexity = co_await measure(output, generation);
        if (!self || generation != m_generation) {
            co_return;
        }
    }
    m_perplexity = perplexity;
    showReport(*result.report);
    setStep(Step::Report);
    Q_EMIT finished(output);
}

QCoro::Task<QVariantMap> QuantizeWizard::measure(QString output, quint64 generation)
{
    m_measuring = true;
    m_chunkIndex = 0;
    m_chunkCount = 0;
    m_progress = 0.0;
    Q_EMIT progressChanged();

    const QString textPath = m_perplexityText.isEmpty() ? sampleTextPath() : m_perplexityText;
    const QString textName = perplexityTextName();
    // The engine loads GGUF files only: of a Hugging Face folder, only the result is measured.
    const QString before = m_input.value(u"kind"_s) == u"gguf"_s ? m_sourcePath : QString();
    qCInfo(HEARTH_UI) << "measuring perplexity of" << before << "and" << output << "on" << textPath;
    auto progress = [this, generation](int chunk, int chunks) {
        QMetaObject::invokeMethod(
            this,
            [this, generation, chunk, chunks] {
                if (generation != m_generation || !m_measuring) {
                    return;
                }
                m_chunkIndex = chunk;
                m_chunkCount = chunks;
                m_progress = chunks > 0 ? double(chunk) / double(chunks) : 0.0;
                Q_EMIT progressChanged();
            },
            Qt::QueuedConnection);
    };
    QFuture<Measurement> future = QtConcurrent::run([textPath, textName, before, output, progress, cancel = m_cancel] {
        Measurement m;
        QFile file(textPath);
        if (!file.open(QIODevice::ReadOnly)) {
            m.error = i18nc("@info file name: problem", "%1: %2", textName, file.errorString());
            return m;
        }
        const QByteArray text = file.readAll();
        QString loading = output;
        try {
            const auto model = hearth::LlamaModel::load(output.toStdString());
            loading = before;
            const auto base = before.isEmpty() ? nullptr : hearth::LlamaModel::load(before.toStdString());
            loading.clear();
            const std::vector<int32_t> tokens = model->tokenizer().encode(std::string_view(text.constData(), size_t(text.size())), false);
            hearth::PerplexityOptions options;
            options.contextSize = std::min(kPerplexityContext, int(model->config().contextLength));
            if (tokens.size() < size_t(options.contextSize)) {
                m.error = i18nc("@info file name, token counts", "%1: too short to measure perplexity on (%2 tokens, at least %3 needed)", textName,
                                tokens.size(), options.contextSize);
                return m;
            }
            m.result = hearth::measurePerplexity(*model, tokens, options, base.get(), progress, cancel.get());
        } catch (const hearth::Error &e) {
            // Perplexity stops on cancel with an Error as well.
            m.cancelled = cancel->load();
            m.error = loading.isEmpty() ? QString::fromUtf8(e.what()) : ModelFileInfo::errorMessage(loading, e.what());
        } catch (const std::bad_alloc &) {
            m.error = i18n("Not enough memory to measure perplexity.");
        }
        return m;
    });
    m_running = future;
    const QPointer<QuantizeWizard> self(this);
    const Measurement m = co_await future;
    if (!self || generation != m_generation) {
        co_return QVariantMap();
    }
    m_measuring = false;
    Q_EMIT progressChanged();
    QVariantMap map{{u"text"_s, textName}};
    if (m.cancelled) {
        qCInfo(HEARTH_UI) << "perplexity skipped";
        map.insert(u"error"_s, i18nc("@info", "Skipped"));
        map.insert(u"skipped"_s, true);
        co_return map;
    }
    if (!m.result) {
        qCWarning(HEARTH_UI) << "perplexity failed:" << m.error;
        map.insert(u"error"_s, m.error);
        co_return map;
    }
    const hearth::PerplexityResult &r = *m.result;
    map.insert(u"chunks"_s, r.chunks);
    map.insert(u"tokens"_s, qint64(r.scoredTokens));
    map.insert(u"after"_s, r.perplexity);
    map.insert(u"afterError"_s, r.perplexityError);
    if (r.basePerplexity) {
        map.insert(u"before"_s, *r.basePerplexity);
        map.insert(u"change"_s, r.perplexity / *r.basePerplexity - 1.0);
        map.insert(u"meanKl"_s, *r.meanKl);
        map.insert(u"maxKl"_s, *r.maxKl);
        map.insert(u"sameTopToken"_s, *r.sameTopToken);
    }
    co_return map;
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
    // While measuring, this skips the measurement: the quantized file is complete.
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
    m_perplexity.clear();
    Q_EMIT reportChanged();
    if (m_measuring) {
        m_measuring = false;
        Q_EMIT progressChanged();
    }
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
