// SPDX-License-Identifier: GPL-3.0-or-later
// GgufWriter: exact bytes, round trips through GgufFile, llama.cpp's own file reproduced, refusals, failures.
#include "FileSizeLimit.h"
#include "GgufBytes.h"
#include "HugePages.h"
#include "TestData.h"

#include "gguf/GgufFile.h"
#include "gguf/GgufWriter.h"
#include "util/Error.h"
#include "util/MappedFile.h"
#include "util/RegionWriter.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>
#include <filesystem>
#include <limits>
#include <thread>

using namespace hearth;
using namespace Qt::StringLiterals;

namespace
{
std::vector<uint8_t> readAll(const std::string &path)
{
    const MappedFile file(path);
    return std::vector<uint8_t>(file.data(), file.data() + file.size());
}

QStringList entries(const QTemporaryDir &dir)
{
    return QDir(dir.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot);
}

// Distinct bytes per tensor so misplaced data is noticed.
std::vector<uint8_t> pattern(uint64_t size, uint8_t seed)
{
    std::vector<uint8_t> bytes(size);
    for (size_t i = 0; i < bytes.size(); ++i) {
        bytes[i] = static_cast<uint8_t>(seed * 31 + i * 7 + i / 251);
    }
    return bytes;
}

template<typename Call>
std::string errorOf(Call &&call)
{
    try {
        call();
    } catch (const Error &e) {
        return e.what();
    }
    return "(no error)";
}

#define EXPECT_ERROR(call, expected)                                                                          \
    do {                                                                                                     \
        const std::string message_ = errorOf([&] { call; });                                                 \
        QVERIFY2(message_.find(expected) != std::string::npos, (message_ + " -- expected: " + (expected)).c_str()); \
    } while (false)
}

class GgufWriterTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // The writer's bytes for a small file equal the format spelled out field by field.
    void exactBytes()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        GgufWriter writer;
        writer.set("general.name", GgufValue::string("tiny"));
        writer.set("n", GgufValue::uint32(7));
        writer.addTensor("w", GgmlType::F32, {3});
        writer.addTensor("q", GgmlType::Q8_0, {32});
        const float w[3] = {1.0f, -2.0f, 0.5f};
        const std::vector<uint8_t> q = pattern(34, 1);
        const std::string path = dir.filePath(u"tiny.gguf"_s).toStdString();
        writer.write(path, {std::span(reinterpret_cast<const uint8_t *>(w), sizeof w), q});

        GgufBytes expected;
        expected.header(2, 2).str("general.name").u32(8).str("tiny").kvU32("n", 7);
        expected.tensor("w", {3}, 0, 0).tensor("q", {32}, 8, 32).padTo(32);
        expected.raw(w, sizeof w).padTo(32).raw(q.data(), q.size()).padTo(32);
        QCOMPARE(readAll(path), expected.bytes());
        QCOMPARE(entries(dir), QStringList{u"tiny.gguf"_s}); // no temp file left
    }

    void roundTripValues()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const float nan = std::bit_cast<float>(uint32_t(0x7fa00001)); // a signaling NaN with a payload
        const std::vector<std::pair<std::string, GgufValue>> values{
            {"u8", GgufValue::uint8(255)},
            {"i8", GgufValue::int8(-128)},
            {"u16", GgufValue::uint16(65535)},
            {"i16", GgufValue::int16(-32768)},
            {"u32", GgufValue::uint32(4294967295u)},
            {"i32", GgufValue::int32(std::numeric_limits<int32_t>::min())},
            {"u64", GgufValue::uint64(std::numeric_limits<uint64_t>::max())},
            {"i64", GgufValue::int64(std::numeric_limits<int64_t>::min())},
            {"f32", GgufValue::float32(-0.0f)},
            {"f32.nan", GgufValue::float32(nan)},
            {"f64", GgufValue::float64(1e-300)},
            {"bool.true", GgufValue::boolean(true)},
            {"bool.false", GgufValue::boolean(false)},
            {"string.empty", GgufValue::string("")},
            {"string.bytes", GgufValue::string(std::string("a\0b\xff\xfe", 5))}, // values are bytes, not checked as UTF-8
            {"string.utf8", GgufValue::string("Grüße, 世界 🙂")},
            {"array.empty", GgufValue::array(GgufValueType::Uint64, {})},
            {"array.strings", GgufValue::stringArray({"<s>", "", "▁the"})},
            {"array.floats", GgufValue::float32Array({1.5f, -0.0f, 3e38f})},
            {"array.ints", GgufValue::int32Array({-1, 0, 2147483647})},
            {"array.bools", GgufValue::array(GgufValueType::Bool, {GgufValue::boolean(true), GgufValue::boolean(false)})},
            {"array.u16", GgufValue::array(GgufValueType::Uint16, {GgufValue::uint16(1), GgufValue::uint16(65535)})},
            {"array.nested",
             GgufValue::array(GgufValueType::Array,
                              {GgufValue::stringArray({"x", "y"}), GgufValue::array(GgufValueType::Array, {GgufValue::int32Array({5})}),
                               GgufValue::array(GgufValueType::Float64, {GgufValue::float64(2.5)})})},
        };
        GgufWriter writer;
        writer.set("replaced", GgufValue::uint8(1));
        for (const auto &[key, value] : values) {
            writer.set(key, value);
        }
        writer.set("replaced", GgufValue::string("second")); // replaced in place, keeps its position
        const std::string path = dir.filePath(u"values.gguf"_s).toStdString();
        writer.write(path, {});

        const auto file = GgufFile::open(path);
        QCOMPARE(file->metadata().size(), values.size() + 1);
        QCOMPARE(file->metadata()[0].first, "replaced");
        QCOMPARE(file->requireString("replaced"), "second");
        for (size_t i = 0; i < values.size(); ++i) {
            const auto &[key, value] = file->metadata()[i + 1];
            QCOMPARE(key, values[i].first);
            QVERIFY2(value == values[i].second, (key + ": read " + value.toDisplayString()).c_str());
            QCOMPARE(file->find(key), &value);
        }
        QCOMPARE(file->find("f32.nan")->rawBits(), 0x7fa00001u);
        QCOMPARE(file->find("array.nested")->at(1).at(0).toInt32List(), std::vector<int32_t>{5});
        QCOMPARE(file->tensors().size(), size_t(0));
    }

    void allTensorTypes_data()
    {
        QTest::addColumn<uint32_t>("alignment");
        QTest::newRow("alignment 32") << 32u;
        QTest::newRow("alignment 64") << 64u;
        QTest::newRow("alignment 1") << 1u;
    }

    // A tensor of every GGUF type; sizes, placement and contents survive, at several alignments.
    void allTensorTypes()
    {
        QFETCH(uint32_t, alignment);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        GgufWriter writer;
        writer.setAlignment(alignment);
        std::vector<GgmlTypeLayout> layouts;
        for (uint32_t raw = 0; raw < 64; ++raw) {
            if (const auto layout = ggmlTypeLayout(raw)) {
                layouts.push_back(*layout);
                writer.addTensor(std::string(layout->name), layout->type, {2 * uint64_t(layout->blockSize), 3});
            }
        }
        QCOMPARE(layouts.size(), size_t(31));
        std::vector<std::vector<uint8_t>> data;
        std::vector<std::span<const uint8_t>> spans;
        for (size_t i = 0; i < layouts.size(); ++i) {
            QCOMPARE(writer.tensorBytes(i), 6u * layouts[i].blockBytes);
            data.push_back(pattern(writer.tensorBytes(i), uint8_t(i)));
        }
        for (const auto &d : data) {
            spans.emplace_back(d);
        }
        const std::string path = dir.filePath(u"types.gguf"_s).toStdString();
        writer.write(path, spans);

        const auto file = GgufFile::open(path);
        QCOMPARE(file->alignment(), alignment);
        QCOMPARE(file->find("general.alignment") != nullptr, alignment != 32);
        QCOMPARE(file->dataOffset() % alignment, 0u);
        QCOMPARE(file->tensors().size(), layouts.size());
        for (size_t i = 0; i < layouts.size(); ++i) {
            const GgufTensorInfo &t = file->requireTensor(layouts[i].name);
            QCOMPARE(t.type, layouts[i].type);
            QCOMPARE(t.nDims, 2u);
            QCOMPARE(t.ne, (std::array<uint64_t, 4>{2 * uint64_t(layouts[i].blockSize), 3, 1, 1}));
            QCOMPARE(t.nbytes, data[i].size());
            QCOMPARE(t.offset % alignment, 0u);
            QVERIFY(std::memcmp(t.data, data[i].data(), data[i].size()) == 0);
        }
        // Known sizes from the GGUF format, independent of the layout table.
        QCOMPARE(file->requireTensor("Q4_0").nbytes, 6u * 18u);
        QCOMPARE(file->requireTensor("Q8_0").nbytes, 6u * 34u);
        QCOMPARE(file->requireTensor("Q4_K").nbytes, 6u * 144u);
        QCOMPARE(file->requireTensor("Q6_K").nbytes, 6u * 210u);
        QCOMPARE(file->requireTensor("F16").nbytes, 6u * 2u);
        QCOMPARE(file->fileSize() % alignment, 0u);
    }

    // llama.cpp's own stories260K.gguf, rebuilt through GgufWriter from what GgufFile read, byte for byte.
    void reproducesLlamaCppFile()
    {
        HEARTH_REQUIRE_SHARED(u"models/stories260K.gguf"_s);
        const auto original = TestData::sharedFile(u"models/stories260K.gguf"_s).toStdString();
        const auto file = GgufFile::open(original);
        GgufWriter writer;
        for (const auto &[key, value] : file->metadata()) {
            writer.set(key, value);
        }
        std::vector<std::span<const uint8_t>> data;
        for (const auto &t : file->tensors()) {
            writer.addTensor(t.name, t.type, std::vector<uint64_t>(t.ne.begin(), t.ne.begin() + t.nDims));
            data.emplace_back(t.data, t.nbytes);
        }
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string copy = dir.filePath(u"copy.gguf"_s).toStdString();
        writer.write(copy, data);
        QVERIFY(readAll(copy) == readAll(original));
    }

    void streamingMatchesWholeFile()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        GgufWriter writer;
        writer.setAlignment(64);
        writer.set("general.architecture", GgufValue::string("llama"));
        writer.set("tokens", GgufValue::stringArray({"a", "b"}));
        writer.addTensor("a", GgmlType::F16, {10, 3});
        writer.addTensor("b", GgmlType::Q4_K, {256, 2});
        writer.addTensor("c", GgmlType::F32, {1});
        std::vector<std::vector<uint8_t>> data;
        for (size_t i = 0; i < writer.tensorCount(); ++i) {
            data.push_back(pattern(writer.tensorBytes(i), uint8_t(i + 1)));
        }
        const std::string whole = dir.filePath(u"whole.gguf"_s).toStdString();
        writer.write(whole, {data[0], data[1], data[2]});

        const std::string streamed = dir.filePath(u"streamed.gguf"_s).toStdString();
        writer.begin(streamed);
        QCOMPARE(QFileInfo::exists(QString::fromStdString(streamed)), false); // only the temp file so far
        for (size_t i = 0; i < data.size(); ++i) {
            writer.writeTensorData(i, data[i]);
        }
        writer.commit();
        QVERIFY(readAll(whole) == readAll(streamed));
        QCOMPARE(entries(dir), (QStringList{u"streamed.gguf"_s, u"whole.gguf"_s}));
        const auto file = GgufFile::open(streamed);
        QCOMPARE(file->requireTensor("b").nbytes, 2u * 144u);
        QVERIFY(std::memcmp(file->requireTensor("c").data, data[2].data(), 4) == 0);
    }

    // Parts written from several threads, in any order, give the same file as whole tensors.
    void partsFromThreadsMatchWholeFile()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        GgufWriter writer;
        writer.addTensor("a", GgmlType::Q8_0, {64, 40});
        writer.addTensor("b", GgmlType::F32, {3});
        std::vector<std::vector<uint8_t>> data;
        for (size_t i = 0; i < writer.tensorCount(); ++i) {
            data.push_back(pattern(writer.tensorBytes(i), uint8_t(i + 5)));
        }
        const std::string whole = dir.filePath(u"whole.gguf"_s).toStdString();
        writer.write(whole, {data[0], data[1]});

        const std::string parts = dir.filePath(u"parts.gguf"_s).toStdString();
        writer.begin(parts);
        for (size_t i = 0; i < data.size(); ++i) {
            const uint64_t half = data[i].size() / 2;
            const std::span<const uint8_t> bytes(data[i]);
            std::thread second([&] {
                writer.writeTensorPart(i, half, bytes.subspan(half));
            });
            writer.writeTensorPart(i, 0, bytes.first(half));
            second.join();
            writer.finishTensor(i);
        }
        writer.commit();
        QVERIFY(readAll(whole) == readAll(parts));

        writer.begin(parts);
        EXPECT_ERROR(writer.writeTensorPart(1, 0, data[1]), "tensor part written out of order (tensor 1)");
        EXPECT_ERROR(writer.writeTensorPart(0, 8, data[0]), "a part of tensor 'a' runs past its end");
        writer.writeTensorPart(0, 0, std::span<const uint8_t>(data[0]).first(100));
        EXPECT_ERROR(writer.finishTensor(0), "tensor 'a' needs 2720 bytes of data, 100 written");
        QCOMPARE(entries(dir), (QStringList{u"parts.gguf"_s, u"whole.gguf"_s})); // the temp file is gone
    }

    // The quantizer writes each tensor in small parts from several threads. The file must still reach the page
    // cache in 2 MiB folios, so that a mapping of it uses huge pages (util/RegionWriter.h says why). Observable only
    // where the kernel caches this file system's files so (HugePages.h), else the test skips.
    void smallPartsStillGiveHugePages()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        if (const QString reason = HugePages::cacheFollowsWrites(dir.path()); !reason.isEmpty()) {
            QSKIP(qPrintable(reason));
        }
        GgufWriter writer;
        writer.addTensor("w", GgmlType::Q8_0, {2048, 4000}); // 8.3 MiB in rows of 2176 bytes
        const std::vector<uint8_t> data = pattern(writer.tensorBytes(0), 4);
        const std::string path = dir.filePath(u"parts.gguf"_s).toStdString();
        writer.begin(path);
        const size_t rowBytes = 2176;
        const size_t half = 2000 * rowBytes;
        const auto writeRows = [&](size_t from, size_t to) {
            for (size_t at = from; at < to; at += 16 * rowBytes) { // the quantizer's chunks
                const size_t n = std::min(16 * rowBytes, to - at);
                writer.writeTensorPart(0, at, std::span(data).subspan(at, n));
            }
        };
        std::thread second(writeRows, half, data.size());
        writeRows(0, half);
        second.join();
        writer.finishTensor(0);
        writer.commit();
        QVERIFY(std::memcmp(GgufFile::open(path)->requireTensor("w").data, data.data(), data.size()) == 0);
        constexpr size_t kRegion = RegionWriter::kHugePageBytes;
        QCOMPARE(HugePages::mappedOnceRead(path), std::filesystem::file_size(path) / kRegion * kRegion);
    }

    void refusesInvalidInput()
    {
        GgufWriter writer;
        EXPECT_ERROR(writer.setAlignment(0), "alignment 0 is not a power of two");
        EXPECT_ERROR(writer.setAlignment(48), "alignment 48 is not a power of two");
        EXPECT_ERROR(writer.set("general.alignment", GgufValue::uint64(64)), "general.alignment must be a uint32 power of two");
        EXPECT_ERROR(writer.set("general.alignment", GgufValue::uint32(3)), "general.alignment must be a uint32 power of two");
        EXPECT_ERROR(writer.set("", GgufValue::uint8(1)), "metadata key '' is empty");
        EXPECT_ERROR(writer.set("bad\xff", GgufValue::uint8(1)), "is not valid UTF-8");
        EXPECT_ERROR(GgufValue::array(GgufValueType::Int32, {GgufValue::int32(1), GgufValue::uint32(2)}),
                     "GGUF array of int32: element 1 has type uint32");
        EXPECT_ERROR(writer.addTensor("", GgmlType::F32, {4}), "a tensor name is empty");
        EXPECT_ERROR(writer.addTensor(std::string(64, 'n'), GgmlType::F32, {4}), "has a name longer than the 63 bytes llama.cpp accepts");
        EXPECT_ERROR(writer.addTensor("t", GgmlType::F32, {}), "tensor 't' has 0 dimensions");
        EXPECT_ERROR(writer.addTensor("t", GgmlType::F32, {1, 1, 1, 1, 1}), "tensor 't' has 5 dimensions");
        EXPECT_ERROR(writer.addTensor("t", GgmlType::F32, {4, 0}), "tensor 't' has dimension 1 of size 0");
        EXPECT_ERROR(writer.addTensor("t", GgmlType::Q4_K, {128}), "row length 128, not a multiple of Q4_K's block size 256");
        EXPECT_ERROR(writer.addTensor("t", GgmlType(4), {32}), "tensor 't' has unknown type 4");
        EXPECT_ERROR(writer.addTensor("t", GgmlType::F32, {uint64_t(1) << 40, uint64_t(1) << 40}), "element count overflows");
        QCOMPARE(writer.tensorCount(), size_t(0)); // nothing half-added
        QCOMPARE(GgufWriter().addTensor(std::string(63, 'n'), GgmlType::F32, {4}), size_t(0));
        writer.addTensor("t", GgmlType::F32, {4});
        EXPECT_ERROR(writer.addTensor("t", GgmlType::F32, {4}), "tensor 't' is declared twice");
        EXPECT_ERROR(writer.tensorBytes(1), "no tensor number 1 (1 declared)");

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = dir.filePath(u"out.gguf"_s).toStdString();
        const std::vector<uint8_t> good(16), bad(15);
        EXPECT_ERROR(writer.write(path, {}), "0 tensor data blocks given for 1 tensors");
        EXPECT_ERROR(writer.write(path, {bad}), "tensor 't' needs 16 bytes of data, 15 given");
        EXPECT_ERROR(writer.writeTensorData(0, good), "writeTensorData() without begin()");
        EXPECT_ERROR(writer.commit(), "commit() without begin()");
        writer.addTensor("u", GgmlType::F32, {1});
        writer.begin(path);
        EXPECT_ERROR(writer.set("late", GgufValue::uint8(1)), "cannot change the GGUF file while it is being written");
        EXPECT_ERROR(writer.writeTensorData(1, good), "tensor data written out of order (tensor 1 given, 0 expected)");
        writer.begin(path);
        writer.writeTensorData(0, good);
        EXPECT_ERROR(writer.commit(), "only 1 of 2 tensors were written");
        QCOMPARE(entries(dir), QStringList()); // every failure removed its temp file
    }

    void abandonedWriteLeavesNothing()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        {
            GgufWriter writer;
            writer.addTensor("t", GgmlType::F32, {4});
            writer.begin(dir.filePath(u"out.gguf"_s).toStdString());
            QCOMPARE(entries(dir).size(), qsizetype(1));
        }
        QCOMPARE(entries(dir), QStringList());
    }

    void unwritableTargetIsReported()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        GgufWriter writer;
        const std::string path = dir.filePath(u"no/such/dir/out.gguf"_s).toStdString();
        EXPECT_ERROR(writer.write(path, {}), path + ": cannot create a file beside it (No such file or directory)");
        QCOMPARE(entries(dir), QStringList());
    }

    // A full disk, simulated with a file size limit (works as root too): the error names the file, no partial
    // file remains and the previous file at the path is untouched.
    void fullDiskLeavesOldFileIntact()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString target = dir.filePath(u"model.gguf"_s);
        {
            QFile old(target);
            QVERIFY(old.open(QIODevice::WriteOnly));
            old.write("previous model");
        }
        GgufWriter writer;
        writer.addTensor("big", GgmlType::F32, {64 * 1024});
        const std::vector<uint8_t> data(writer.tensorBytes(0), 0x5a);

        std::string message;
        {
            const FileSizeLimit full(64 * 1024);
            QVERIFY(full.active());
            message = errorOf([&] { writer.write(target.toStdString(), {data}); });
        }

        QVERIFY2(message.starts_with(target.toStdString() + ": cannot write ("), message.c_str());
        QCOMPARE(entries(dir), QStringList{u"model.gguf"_s});
        QFile old(target);
        QVERIFY(old.open(QIODevice::ReadOnly));
        QCOMPARE(old.readAll(), "previous model");

        writer.write(target.toStdString(), {data}); // without the limit the same writer succeeds
        QCOMPARE(GgufFile::open(target.toStdString())->requireTensor("big").nbytes, data.size());
    }
};

QTEST_GUILESS_MAIN(GgufWriterTest)
#include "GgufWriterTest.moc"
