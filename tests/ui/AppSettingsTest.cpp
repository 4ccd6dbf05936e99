// SPDX-License-Identifier: GPL-3.0-or-later
// AppSettings: defaults, persistence in the INI file, clamping, change signals, reset.
#include "AppSettings.h"

#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

class AppSettingsTest : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QString file(const QString &name) const
    {
        return m_dir.filePath(name);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
    }

    void defaults()
    {
        const AppSettings settings(file(u"defaults.ini"_s));
        const hearth::SamplingParams reference;
        QCOMPARE(settings.threads(), 0);
        QCOMPARE(settings.contextSize(), 2048);
        QCOMPARE(settings.replyReserve(), 512);
        QCOMPARE(settings.kvCacheType(), AppSettings::KvCacheType::F16);
        QCOMPARE(settings.kvCacheGgmlType(), hearth::GgmlType::F16);
        QCOMPARE(settings.temperature(), 0.8); // shown as written, not as 0.800000011920929
        QCOMPARE(settings.topP(), 0.95);
        QCOMPARE(settings.historyPolicy(), AppSettings::HistoryPolicy::RollingWindow);
        QVERIFY(settings.templateFamily().isEmpty());
        QVERIFY(!settings.templateFamilyOverride());
        QCOMPARE(settings.modelsFolder(), QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + u"/models"_s);
        const hearth::SamplingParams params = settings.samplingParams();
        QCOMPARE(params.temperature, reference.temperature);
        QCOMPARE(params.topK, reference.topK);
        QCOMPARE(params.topP, reference.topP);
        QCOMPARE(params.minP, reference.minP);
        QCOMPARE(params.repeatPenalty, reference.repeatPenalty);
        QCOMPARE(params.seed, 0u);
    }

    void persistsAndSignals()
    {
        {
            AppSettings settings(file(u"persist.ini"_s));
            QSignalSpy temperature(&settings, &AppSettings::temperatureChanged);
            QSignalSpy folders(&settings, &AppSettings::extraModelFoldersChanged);
            settings.setTemperature(0.0);
            settings.setTemperature(0.0); // unchanged: no second signal
            QCOMPARE(temperature.size(), 1);
            settings.setThreads(3);
            settings.setContextSize(4096);
            settings.setKvCacheType(AppSettings::KvCacheType::Q8_0);
            settings.setTopK(7);
            settings.setSeed(1234);
            settings.setSystemPrompt(u"Be kind."_s);
            settings.setHistoryPolicy(AppSettings::HistoryPolicy::StopAtLimit);
            settings.setTemplateFamily(u"zephyr"_s);
            settings.setExtraModelFolders({u"/a/b/"_s, u"/a/b"_s, u"/c"_s});
            QCOMPARE(folders.size(), 1);
            settings.setLastModel(u"/m/x.gguf"_s);
        }
        const AppSettings again(file(u"persist.ini"_s));
        QCOMPARE(again.temperature(), 0.0);
        QCOMPARE(again.samplingParams().temperature, 0.0f);
        QCOMPARE(again.threads(), 3);
        QCOMPARE(again.contextSize(), 4096);
        QCOMPARE(again.kvCacheGgmlType(), hearth::GgmlType::Q8_0);
        QCOMPARE(again.topK(), 7);
        QCOMPARE(again.samplingParams().seed, 1234u);
        QCOMPARE(again.systemPrompt(), u"Be kind."_s);
        QCOMPARE(again.historyPolicy(), AppSettings::HistoryPolicy::StopAtLimit);
        QCOMPARE(again.templateFamilyOverride(), hearth::TemplateFamily::Zephyr);
        QCOMPARE(again.extraModelFolders(), (QStringList{u"/a/b"_s, u"/c"_s}));
        QCOMPARE(again.allModelFolders().size(), 3);
        QCOMPARE(again.lastModel(), u"/m/x.gguf"_s);
    }

    void clamps()
    {
        AppSettings settings(file(u"clamp.ini"_s));
        settings.setThreads(-5);
        QCOMPARE(settings.threads(), 0);
        settings.setContextSize(10);
        QCOMPARE(settings.contextSize(), AppSettings::MinContextSize);
        settings.setTemperature(std::numeric_limits<double>::quiet_NaN());
        QCOMPARE(settings.temperature(), 0.8);
        settings.setTopP(3.0);
        QCOMPARE(settings.topP(), 1.0);
        settings.setRepeatPenalty(0.5);
        QCOMPARE(settings.repeatPenalty(), 1.0);
        settings.setTemplateFamily(u"klingon"_s);
        QVERIFY(settings.templateFamily().isEmpty());

        // A hand-edited file with nonsense reads as defaults or clamped values.
        {
            QSettings raw(file(u"edited.ini"_s), QSettings::IniFormat);
            raw.setValue(u"engine/contextSize"_s, u"lots"_s);
            raw.setValue(u"engine/kvCacheType"_s, 42);
            raw.setValue(u"generation/topK"_s, -3);
        }
        const AppSettings edited(file(u"edited.ini"_s));
        QCOMPARE(edited.contextSize(), 2048);
        QCOMPARE(edited.kvCacheType(), AppSettings::KvCacheType::Q8_0);
        QCOMPARE(edited.topK(), 0);
    }

    void resetToDefaults()
    {
        AppSettings settings(file(u"reset.ini"_s));
        settings.setTemperature(1.5);
        settings.setSystemPrompt(u"x"_s);
        settings.setModelsFolder(u"/my/models"_s);
        QSignalSpy spy(&settings, &AppSettings::temperatureChanged);
        settings.resetToDefaults();
        QCOMPARE(spy.size(), 1);
        QCOMPARE(settings.temperature(), 0.8);
        QVERIFY(settings.systemPrompt().isEmpty());
        QCOMPARE(settings.modelsFolder(), u"/my/models"_s); // where the files are is not a preference
    }
};

QTEST_GUILESS_MAIN(AppSettingsTest)
#include "AppSettingsTest.moc"
