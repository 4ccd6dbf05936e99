// SPDX-License-Identifier: GPL-3.0-or-later
#include "AppSettings.h"

#include <QDir>
#include <QStandardPaths>

#include <algorithm>
#include <array>
#include <cmath>
#include <type_traits>
#include <utility>

using namespace Qt::StringLiterals;

namespace
{
// Keys (section/name in the INI file).
constexpr auto Threads = "engine/threads";
constexpr auto ContextSize = "engine/contextSize";
constexpr auto KvCache = "engine/kvCacheType";
constexpr auto Temperature = "generation/temperature";
constexpr auto TopK = "generation/topK";
constexpr auto TopP = "generation/topP";
constexpr auto MinP = "generation/minP";
constexpr auto RepeatPenalty = "generation/repeatPenalty";
constexpr auto MaxTokens = "generation/maxTokens";
constexpr auto Seed = "generation/seed";
constexpr auto SystemPrompt = "chat/systemPrompt";
constexpr auto History = "chat/historyPolicy";
constexpr auto ReplyReserve = "chat/replyReserve";
constexpr auto Template = "chat/templateFamily";
constexpr auto ModelsFolder = "models/folder";
constexpr auto ExtraFolders = "models/extraFolders";
constexpr auto LastModel = "models/last";

// Defaults: hearth::SamplingParams' (llama.cpp's), and issue 6's context of 2048 with 512 kept for the reply.
const hearth::SamplingParams defaultSampling;
constexpr int DefaultContextSize = 2048;
constexpr int DefaultReplyReserve = 512;
constexpr int DefaultMaxTokens = 512;
constexpr qint64 MaxSeed = (qint64(1) << 53) - 1; // exact in a JavaScript number

// The names templateFamily accepts.
constexpr std::array<std::pair<const char *, hearth::TemplateFamily>, 8> families{{
    {"chatml", hearth::TemplateFamily::ChatML},
    {"zephyr", hearth::TemplateFamily::Zephyr},
    {"llama2", hearth::TemplateFamily::Llama2},
    {"llama3", hearth::TemplateFamily::Llama3},
    {"mistral", hearth::TemplateFamily::Mistral},
    {"phi3", hearth::TemplateFamily::Phi3},
    {"gemma", hearth::TemplateFamily::Gemma},
    {"deepseek", hearth::TemplateFamily::DeepSeek},
}};

// A float default as the decimal it was written as (0.95f would otherwise show as 0.949999988).
double decimal(float value)
{
    return std::round(double(value) * 1e6) / 1e6;
}

QString defaultModelsFolder()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + u"/models"_s;
}

// A stored number, or `fallback` when it is missing or not a number; clamped to [low, high].
template<typename T>
T number(const QVariant &value, T fallback, T low, T high)
{
    bool ok = false;
    T v{};
    if constexpr (std::is_floating_point_v<T>) {
        v = T(value.toDouble(&ok));
        ok = ok && std::isfinite(v);
    } else {
        v = T(value.toLongLong(&ok));
    }
    return ok ? std::clamp(v, low, high) : fallback;
}

template<typename T>
T clampedFinite(T value, T fallback, T low, T high)
{
    return std::isfinite(value) ? std::clamp(value, low, high) : fallback;
}
}

AppSettings::AppSettings(const QString &fileName, QObject *parent)
    : QObject(parent)
    , m_settings(fileName, QSettings::IniFormat)
{
}

AppSettings *AppSettings::instance()
{
    static AppSettings settings(QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation) + u"/hearthrc"_s);
    return &settings;
}

AppSettings *AppSettings::create(QQmlEngine *qmlEngine, QJSEngine *jsEngine)
{
    Q_UNUSED(qmlEngine)
    Q_UNUSED(jsEngine)
    // One instance shared by C++ and QML; QML must not delete it.
    QJSEngine::setObjectOwnership(instance(), QJSEngine::CppOwnership);
    return instance();
}

QString AppSettings::fileName() const
{
    return m_settings.fileName();
}

void AppSettings::update(const char *key, const QVariant &old, const QVariant &value, void (AppSettings::*changed)())
{
    if (old == value) {
        return;
    }
    m_settings.setValue(QLatin1StringView(key), value);
    m_settings.sync();
    Q_EMIT(this->*changed)();
}

int AppSettings::threads() const
{
    return number(m_settings.value(QLatin1StringView(Threads)), 0, 0, MaxThreads);
}

void AppSettings::setThreads(int threads)
{
    update(Threads, this->threads(), std::clamp(threads, 0, MaxThreads), &AppSettings::threadsChanged);
}

int AppSettings::contextSize() const
{
    return number(m_settings.value(QLatin1StringView(ContextSize)), DefaultContextSize, MinContextSize, MaxContextSize);
}

void AppSettings::setContextSize(int size)
{
    update(ContextSize, contextSize(), std::clamp(size, MinContextSize, MaxContextSize), &AppSettings::contextSizeChanged);
}

AppSettings::KvCacheType AppSettings::kvCacheType() const
{
    return KvCacheType(number(m_settings.value(QLatin1StringView(KvCache)), int(KvCacheType::F16), int(KvCacheType::F16), int(KvCacheType::Q8_0)));
}

void AppSettings::setKvCacheType(KvCacheType type)
{
    update(KvCache, int(kvCacheType()), std::clamp(int(type), int(KvCacheType::F16), int(KvCacheType::Q8_0)), &AppSettings::kvCacheTypeChanged);
}

hearth::GgmlType AppSettings::kvCacheGgmlType() const
{
    switch (kvCacheType()) {
    case KvCacheType::F32:
        return hearth::GgmlType::F32;
    case KvCacheType::Q8_0:
        return hearth::GgmlType::Q8_0;
    case KvCacheType::F16:
        break;
    }
    return hearth::GgmlType::F16;
}

double AppSettings::temperature() const
{
    return number(m_settings.value(QLatin1StringView(Temperature)), decimal(defaultSampling.temperature), 0.0, 5.0);
}

void AppSettings::setTemperature(double temperature)
{
    update(Temperature, this->temperature(), clampedFinite(temperature, this->temperature(), 0.0, 5.0), &AppSettings::temperatureChanged);
}

int AppSettings::topK() const
{
    return number(m_settings.value(QLatin1StringView(TopK)), defaultSampling.topK, 0, 1000);
}

void AppSettings::setTopK(int topK)
{
    update(TopK, this->topK(), std::clamp(topK, 0, 1000), &AppSettings::topKChanged);
}

double AppSettings::topP() const
{
    return number(m_settings.value(QLatin1StringView(TopP)), decimal(defaultSampling.topP), 0.0, 1.0);
}

void AppSettings::setTopP(double topP)
{
    update(TopP, this->topP(), clampedFinite(topP, this->topP(), 0.0, 1.0), &AppSettings::topPChanged);
}

double AppSettings::minP() const
{
    return number(m_settings.value(QLatin1StringView(MinP)), decimal(defaultSampling.minP), 0.0, 1.0);
}

void AppSettings::setMinP(double minP)
{
    update(MinP, this->minP(), clampedFinite(minP, this->minP(), 0.0, 1.0), &AppSettings::minPChanged);
}

double AppSettings::repeatPenalty() const
{
    return number(m_settings.value(QLatin1StringView(RepeatPenalty)), decimal(defaultSampling.repeatPenalty), 1.0, 2.0);
}

void AppSettings::setRepeatPenalty(double penalty)
{
    update(RepeatPenalty, repeatPenalty(), clampedFinite(penalty, repeatPenalty(), 1.0, 2.0), &AppSettings::repeatPenaltyChanged);
}

int AppSettings::maxTokens() const
{
    return number(m_settings.value(QLatin1StringView(MaxTokens)), DefaultMaxTokens, 1, MaxTokensLimit);
}

void AppSettings::setMaxTokens(int maxTokens)
{
    update(MaxTokens, this->maxTokens(), std::clamp(maxTokens, 1, MaxTokensLimit), &AppSettings::maxTokensChanged);
}

qint64 AppSettings::seed() const
{
    return number(m_settings.value(QLatin1StringView(Seed)), qint64(0), qint64(0), MaxSeed);
}

void AppSettings::setSeed(qint64 seed)
{
    update(Seed, this->seed(), std::clamp(seed, qint64(0), MaxSeed), &AppSettings::seedChanged);
}

hearth::SamplingParams AppSettings::samplingParams() const
{
    hearth::SamplingParams params;
    params.temperature = float(temperature());
    params.topK = topK();
    params.topP = float(topP());
    params.minP = float(minP());
    params.repeatPenalty = float(repeatPenalty());
    params.seed = uint64_t(seed());
    return params;
}

QString AppSettings::systemPrompt() const
{
    return m_settings.value(QLatin1StringView(SystemPrompt)).toString();
}

void AppSettings::setSystemPrompt(const QString &prompt)
{
    update(SystemPrompt, systemPrompt(), prompt, &AppSettings::systemPromptChanged);
}

AppSettings::HistoryPolicy AppSettings::historyPolicy() const
{
    return HistoryPolicy(number(m_settings.value(QLatin1StringView(History)),
                                int(HistoryPolicy::RollingWindow),
                                int(HistoryPolicy::RollingWindow),
                                int(HistoryPolicy::StopAtLimit)));
}

void AppSettings::setHistoryPolicy(HistoryPolicy policy)
{
    update(History,
           int(historyPolicy()),
           std::clamp(int(policy), int(HistoryPolicy::RollingWindow), int(HistoryPolicy::StopAtLimit)),
           &AppSettings::historyPolicyChanged);
}

int AppSettings::replyReserve() const
{
    return number(m_settings.value(QLatin1StringView(ReplyReserve)), DefaultReplyReserve, 16, MaxContextSize / 2);
}

void AppSettings::setReplyReserve(int tokens)
{
    update(ReplyReserve, replyReserve(), std::clamp(tokens, 16, MaxContextSize / 2), &AppSettings::replyReserveChanged);
}

QString AppSettings::templateFamily() const
{
    const QString family = m_settings.value(QLatin1StringView(Template)).toString();
    return templateFamilies().contains(family) ? family : QString();
}

void AppSettings::setTemplateFamily(const QString &family)
{
    update(Template, templateFamily(), templateFamilies().contains(family) ? family : QString(), &AppSettings::templateFamilyChanged);
}

std::optional<hearth::TemplateFamily> AppSettings::templateFamilyOverride() const
{
    const QString name = templateFamily();
    for (const auto &[key, family] : families) {
        if (name == QLatin1StringView(key)) {
            return family;
        }
    }
    return std::nullopt;
}

QStringList AppSettings::templateFamilies()
{
    QStringList names{QString()};
    for (const auto &entry : families) {
        names.append(QString::fromLatin1(entry.first));
    }
    return names;
}

QString AppSettings::modelsFolder() const
{
    const QString folder = m_settings.value(QLatin1StringView(ModelsFolder)).toString();
    return folder.isEmpty() ? defaultModelsFolder() : QDir::cleanPath(folder);
}

void AppSettings::setModelsFolder(const QString &folder)
{
    update(ModelsFolder, modelsFolder(), folder.isEmpty() ? defaultModelsFolder() : QDir::cleanPath(folder), &AppSettings::modelsFolderChanged);
}

QStringList AppSettings::extraModelFolders() const
{
    return m_settings.value(QLatin1StringView(ExtraFolders)).toStringList();
}

void AppSettings::setExtraModelFolders(const QStringList &folders)
{
    QStringList cleaned;
    for (const QString &folder : folders) {
        const QString path = QDir::cleanPath(folder);
        if (!folder.isEmpty() && !cleaned.contains(path)) {
            cleaned.append(path);
        }
    }
    update(ExtraFolders, extraModelFolders(), cleaned, &AppSettings::extraModelFoldersChanged);
}

QStringList AppSettings::allModelFolders() const
{
    QStringList folders{modelsFolder()};
    for (const QString &folder : extraModelFolders()) {
        if (!folders.contains(folder)) {
            folders.append(folder);
        }
    }
    return folders;
}

QString AppSettings::lastModel() const
{
    return m_settings.value(QLatin1StringView(LastModel)).toString();
}

void AppSettings::setLastModel(const QString &path)
{
    update(LastModel, lastModel(), path, &AppSettings::lastModelChanged);
}

// The models folders stay: they are where the user's files are, not a preference to undo.
void AppSettings::resetToDefaults()
{
    setThreads(0);
    setContextSize(DefaultContextSize);
    setKvCacheType(KvCacheType::F16);
    setTemperature(decimal(defaultSampling.temperature));
    setTopK(defaultSampling.topK);
    setTopP(decimal(defaultSampling.topP));
    setMinP(decimal(defaultSampling.minP));
    setRepeatPenalty(decimal(defaultSampling.repeatPenalty));
    setMaxTokens(DefaultMaxTokens);
    setSeed(0);
    setSystemPrompt(QString());
    setHistoryPolicy(HistoryPolicy::RollingWindow);
    setReplyReserve(DefaultReplyReserve);
    setTemplateFamily(QString());
}
