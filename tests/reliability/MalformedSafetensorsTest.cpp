// SPDX-License-Identifier: GPL-3.0-or-later
// Malformed .safetensors files, including the fuzzer's findings: SafetensorsReader throws hearth::Error naming
// the file and the problem (and under UBSan, no undefined conversion on the way).
#include "quantizer/SafetensorsReader.h"
#include "util/Error.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>

using namespace hearth;
using namespace Qt::StringLiterals;

namespace
{
QByteArray safetensors(const QByteArray &header, const QByteArray &data)
{
    QByteArray bytes(8, '\0');
    const quint64 length = quint64(header.size());
    std::memcpy(bytes.data(), &length, sizeof length);
    return bytes + header + data;
}
}

class MalformedSafetensorsTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void malformed_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("expected");
        const auto tensor = [](const QByteArray &shape, const QByteArray &offsets) {
            return safetensors("{\"x\": {\"dtype\": \"F32\", \"shape\": " + shape + ", \"data_offsets\": " + offsets + "}}", QByteArray(16, '\0'));
        };
        // fuzz target safetensors_reader: a dimension far above 2^64 was converted to uint64_t (undefined).
        QTest::newRow("dimension 2e76") << tensor("[1.99511627e76, 1099511627776]", "[0, 4]") << u"tensor 'x' has an invalid shape"_s;
        QTest::newRow("dimension 2^64") << tensor("[18446744073709551616]", "[0, 4]") << u"tensor 'x' has an invalid shape"_s;
        QTest::newRow("negative dimension") << tensor("[-1]", "[0, 4]") << u"tensor 'x' has an invalid shape"_s;
        QTest::newRow("fractional dimension") << tensor("[1.5]", "[0, 4]") << u"tensor 'x' has an invalid shape"_s;
        QTest::newRow("element count overflow") << tensor("[4294967296, 4294967296]", "[0, 4]")
                                                << u"tensor 'x' has data offsets that do not fit its shape or the file"_s;
        QTest::newRow("data past the end") << tensor("[8]", "[0, 32]") << u"tensor 'x' has data offsets that do not fit its shape or the file"_s;
        QTest::newRow("offsets reversed") << tensor("[1]", "[4, 0]") << u"tensor 'x' has data offsets that do not fit its shape or the file"_s;
        QTest::newRow("unsupported dtype") << safetensors("{\"x\": {\"dtype\": \"I64\", \"shape\": [1], \"data_offsets\": [0, 8]}}", QByteArray(8, '\0'))
                                           << u"tensor 'x' has dtype 'I64'"_s;
        QTest::newRow("header longer than the file") << QByteArray("\x10\0\0\0\0\0\0\0{\"a\":", 14) << u""_s;
        QTest::newRow("header not JSON") << safetensors("{\"x\": [", {}) << u"malformed safetensors header"_s;
    }

    void malformed()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(u"model.safetensors"_s);
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size());
        file.close();
        try {
            SafetensorsReader reader(path.toStdString());
            QFAIL("the file was accepted");
        } catch (const Error &e) {
            const std::string_view message = e.what();
            QVERIFY2(message.starts_with(path.toStdString() + ": "), e.what());
            QVERIFY2(message.find(expected.toStdString()) != std::string_view::npos, e.what());
        }
    }
};

QTEST_GUILESS_MAIN(MalformedSafetensorsTest)
#include "MalformedSafetensorsTest.moc"
