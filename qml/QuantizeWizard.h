// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "QuantizeReportModel.h"

#include <QCoroTask>
#include <QFuture>
#include <QObject>
#include <QQmlEngine>
#include <QString>
#include <QVariantList>
#include <QVariantMap>

#include <atomic>
#include <functional>
#include <memory>


// The Quantize page's state: a GGUF file or a Hugging Face folder in, a smaller GGUF in the models folder out.
//
//   Source:  setSource(path) inspects the input off the GUI thread -> Target (or errorString)
//   Target:  input and targets (each with its exact output size) shown; target chosen; start() -> Running
//   Running: progress, currentTensor, bytes; cancel() -> back to Target, nothing written. With
//            measurePerplexity, then `measuring`: the perplexity of the input and of the result on a text,
//            chunk by chunk; cancel() now skips the measurement (the result is complete by then).
//   Report:  summary, layerErrors (the chart), report (the per-tensor table), perplexity;
//            finished(outputPath) was emitted
//
// The quantizer (core/quantizer) and the perplexity run on worker threads; their progress reaches the GUI as
// queued calls.
class QuantizeWizard : public QObject
{
    Q_OBJECT
    QML_ELEMENT

    Q_PROPERTY(Step step READ step NOTIFY stepChanged)
    Q_PROPERTY(bool inspecting READ isInspecting NOTIFY inspectingChanged)
    Q_PROPERTY(QString sourcePath READ sourcePath NOTIFY inputChanged)
    // name, kind ("gguf" / "huggingface"), architecture, parameterCount, parameterText, layers, embedding,
    // contextLength, tensorCount, sizeBytes, weightType
    Q_PROPERTY(QVariantMap input READ input NOTIFY inputChanged)
    // One map per target type, most precise first: name, baseType, expectedBytes, ratio (output / input size).
    Q_PROPERTY(QVariantList targets READ targets NOTIFY inputChanged)
    Q_PROPERTY(QString target READ target WRITE setTarget NOTIFY targetChanged)
    // Where the result goes; the page binds it to ModelManager.modelsFolder.
    Q_PROPERTY(QString outputFolder READ outputFolder WRITE setOutputFolder NOTIFY outputFolderChanged)
    // The file start() will write (or wrote): "<input name>-<TARGET>.gguf" in outputFolder, never an existing file.
    Q_PROPERTY(QString outputPath READ outputPath NOTIFY outputPathChanged)
    Q_PROPERTY(double progress READ progress NOTIFY progressChanged) // 0..1 by input bytes
    Q_PROPERTY(QString currentTensor READ currentTensor NOTIFY progressChanged)
    Q_PROPERTY(int tensorIndex READ tensorIndex NOTIFY progressChanged)
    Q_PROPERTY(int tensorCount READ tensorCount NOTIFY progressChanged)
    Q_PROPERTY(qint64 bytesDone READ bytesDone NOTIFY progressChanged) // input tensor bytes quantized so far
    Q_PROPERTY(qint64 bytesTotal READ bytesTotal NOTIFY progressChanged)
    // Measure perplexity before and after on a text: the sample shipped with Hearth, or perplexityText.
    Q_PROPERTY(bool measurePerplexity READ measurePerplexity WRITE setMeasurePerplexity NOTIFY perplexityOptionsChanged)
    // A UTF-8 text file (path or file:// URL); empty: the sample text.
    Q_PROPERTY(QString perplexityText READ perplexityText WRITE setPerplexityText NOTIFY perplexityOptionsChanged)
    Q_PROPERTY(QString perplexityTextName READ perplexityTextName NOTIFY perplexityOptionsChanged) // for people
    // Running after the quantization: measuring perplexity, progress by chunk (chunkIndex of chunkCount).
    Q_PROPERTY(bool measuring READ isMeasuring NOTIFY progressChanged)
    Q_PROPERTY(int chunkIndex READ chunkIndex NOTIFY progressChanged)
    Q_PROPERTY(int chunkCount READ chunkCount NOTIFY progressChanged)
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorStringChanged)
    // After a run: rmse, maxAbsError, meanRelError, inputBytes, outputBytes, seconds, warnings (list), target.
    Q_PROPERTY(QVariantMap summary READ summary NOTIFY reportChanged)
    // One map per layer (blk.N): layer, rmse, meanRelError, maxAbsError (element-weighted over its tensors).
    Q_PROPERTY(QVariantList layerErrors READ layerErrors NOTIFY reportChanged)
    Q_PROPERTY(double maxLayerRelError READ maxLayerRelError NOTIFY reportChanged)
    Q_PROPERTY(QuantizeReportModel *report READ report CONSTANT)
    // After a run with measurePerplexity, empty otherwise: text (its name), chunks, tokens (scored), after,
    // afterError (standard error), and when the input could be measured too: before, change (after / before - 1),
    // meanKl, maxKl, sameTopToken (0..1); or error (why nothing was measured; "skipped" when cancelled).
    Q_PROPERTY(QVariantMap perplexity READ perplexity NOTIFY reportChanged)

public:
    enum class Step {
        Source,
        Target,
        Running,
        Report,
    };
    Q_ENUM(Step)

    explicit QuantizeWizard(QObject *parent = nullptr);
    ~QuantizeWizard() override; // cancels a run and waits for the worker

    Step step() const;
    bool isInspecting() const;
    QString sourcePath() const;
    QVariantMap input() const;
    QVariantList targets() const;
    QString target() const;
    void setTarget(const QString &target);
    QString outputFolder() const;
    void setOutputFolder(const QString &folder);
    QString outputPath() const;
    double progress() const;
    QString currentTensor() const;
    int tensorIndex() const;
    int tensorCount() const;
    qint64 bytesDone() const;
    qint64 bytesTotal() const;
    bool measurePerplexity() const;
    void setMeasurePerplexity(bool measure);
    QString perplexityText() const;
    void setPerplexityText(const QString &pathOrUrl);
    QString perplexityTextName() const;
    bool isMeasuring() const;
    int chunkIndex() const;
    int chunkCount() const;
    QVariantMap perplexity() const;
    QString errorString() const;
    QVariantMap summary() const;
    QVariantList layerErrors() const;
    double maxLayerRelError() const;
    QuantizeReportModel *report() const;

    // A GGUF file or a Hugging Face folder (path or file:// URL). Inspects it; step Target when usable,
    // else errorString names the file and the problem and the step stays Source.
    Q_INVOKABLE void setSource(const QString &pathOrUrl);
    Q_INVOKABLE void start();
    Q_INVOKABLE void cancel();
    // Back to Source, forgetting the input and the report.
    Q_INVOKABLE void reset();
    // From Report back to Target, to try another type on the same input.
    Q_INVOKABLE void chooseAnotherTarget();

    // For tests: called on the worker thread with each progress report before it is forwarded, so a test can
    // hold the run between two tensors (to look at the running step, or to cancel in the middle of it).
    void setProgressHook(std::function<void(const hearth::QuantProgress &)> hook);

    // Where the sample text shipped with Hearth is (a resource).
    static QString sampleTextPath();

Q_SIGNALS:
    void stepChanged();
    void inspectingChanged();
    void inputChanged();
    void targetChanged();
    void outputFolderChanged();
    void outputPathChanged();
    void progressChanged();
    void errorStringChanged();
    void reportChanged();
    void perplexityOptionsChanged();
    void finished(const QString &outputPath);
    void failed(const QString &message);

private:
    QCoro::Task<void> inspect(QString path, quint64 generation);
    QCoro::Task<void> run(quint64 generation);
    QCoro::Task<QVariantMap> measure(QString output, quint64 generation);
    void showReport(const hearth::QuantReport &report);
    void setStep(Step step);
    void setErrorString(const QString &message);
    void updateOutputPath();

    std::shared_ptr<hearth::Quantizer> m_quantizer; // shared with the worker running it
    std::shared_ptr<std::atomic_bool> m_cancel;
    QFuture<void> m_running; // waited for on destruction
    QuantizeReportModel *m_report;
    quint64 m_generation = 0; // an inspection or run finishing after reset() or a newer one is dropped
    Step m_step = Step::Source;
    bool m_inspecting = false;
    QString m_sourcePath;
    QVariantMap m_input;
    QVariantList m_targets;
    QString m_target = QStringLiteral("Q8_0");
    QString m_outputFolder;
    QString m_outputPath;
    double m_progress = 0.0;
    QString m_currentTensor;
    int m_tensorIndex = 0;
    int m_tensorCount = 0;
    qint64 m_bytesDone = 0;
    qint64 m_bytesTotal = 0;
    bool m_measurePerplexity = false;
    QString m_perplexityText;
    bool m_measuring = false;
    int m_chunkIndex = 0;
    int m_chunkCount = 0;
    QVariantMap m_perplexity;
    std::function<void(const hearth::QuantProgress &)> m_progressHook;
    QString m_errorString;
    QVariantMap m_summary;
    QVariantList m_layerErrors;
    double m_maxLayerRelError = 0.0;
};
