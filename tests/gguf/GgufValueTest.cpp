// SPDX-License-Identifier: GPL-3.0-or-later
#include "gguf/GgufValue.h"
#include "util/Error.h"

#include <QTest>

#include <limits>

Q_DECLARE_METATYPE(hearth::GgufValue)

using namespace hearth;
using namespace Qt::StringLiterals;

namespace
{
template<typename Call>
QString errorOf(Call &&call)
{
    try {
        call();
    } catch (const Error &e) {
        return QString::fromUtf8(e.what());
    }
    return u"(no error)"_s;
}
}

class GgufValueTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void integers()
    {
        QCOMPARE(GgufValue().type(), GgufValueType::Uint8);
        QCOMPARE(GgufValue::uint8(200).toUInt64(), 200u);
        QCOMPARE(GgufValue::int8(-5).toInt64(), -5);
        QCOMPARE(GgufValue::int16(-5).toDouble(), -5.0);
        QCOMPARE(GgufValue::uint64(std::numeric_limits<uint64_t>::max()).toUInt64(), std::numeric_limits<uint64_t>::max());
        QCOMPARE(GgufValue::int64(std::numeric_limits<int64_t>::min()).toInt64(), std::numeric_limits<int64_t>::min());
        QCOMPARE(GgufValue::int32(7).toUInt64(), 7u);
        QVERIFY(GgufValue::uint16(1).isInteger());
        QVERIFY(GgufValue::float32(1).isNumber());
        QVERIFY(!GgufValue::float32(1).isInteger());
        QVERIFY(!GgufValue::boolean(true).isNumber());
        QCOMPARE(errorOf([] { GgufValue::int32(-1).toUInt64(); }), u"value -1 is negative, expected an unsigned integer"_s);
        QCOMPARE(errorOf([] { GgufValue::uint64(uint64_t(1) << 63).toInt64(); }),
                 u"value 9223372036854775808 does not fit a signed 64-bit integer"_s);
        QCOMPARE(errorOf([] { GgufValue::float32(1).toUInt64(); }), u"value has type float32, expected an integer"_s);
    }

    void otherScalars()
    {
        QCOMPARE(GgufValue::float32(0.1f).toDouble(), double(0.1f));
        QCOMPARE(GgufValue::float64(0.1).toDouble(), 0.1);
        QCOMPARE(GgufValue::boolean(true).toBool(), true);
        QCOMPARE(GgufValue::string("abc").toString(), "abc");
        QCOMPARE(errorOf([] { GgufValue::uint8(1).toBool(); }), u"value has type uint8, expected bool"_s);
        QCOMPARE(errorOf([] { GgufValue::boolean(true).toString(); }), u"value has type bool, expected string"_s);
        QCOMPARE(errorOf([] { GgufValue::string("1").toDouble(); }), u"value has type string, expected a number"_s);
        QCOMPARE(errorOf([] { GgufValue::string("1").size(); }), u"value has type string, expected array"_s);
        QVERIFY(GgufValue::float32(-0.0f) != GgufValue::float32(0.0f)); // compared by bits
        QVERIFY(GgufValue::uint32(1) != GgufValue::int32(1));
    }

    void arrays()
    {
        const auto strings = GgufValue::stringArray({"a", "b"});
        QCOMPARE(strings.arrayType(), GgufValueType::String);
        QCOMPARE(strings.size(), size_t(2));
        QCOMPARE(strings.at(1).toString(), "b");
        QCOMPARE(strings.toStringList(), (std::vector<std::string>{"a", "b"}));
        QCOMPARE(errorOf([&] { strings.at(2); }), u"array index 2 out of range (2 items)"_s);
        QCOMPARE(errorOf([&] { strings.toFloatList(); }), u"value has type array of string, expected array of numbers"_s);
        QCOMPARE(errorOf([&] { strings.toInt32List(); }), u"value has type array of string, expected array of integers"_s);

        QCOMPARE(GgufValue::int32Array({1, -2}).toFloatList(), (std::vector<float>{1.0f, -2.0f}));
        QCOMPARE(GgufValue::float32Array({0.5f}).toFloatList(), std::vector<float>{0.5f});
        const auto u64 = GgufValue::array(GgufValueType::Uint64, {GgufValue::uint64(3), GgufValue::uint64(2147483647)});
        QCOMPARE(u64.toInt32List(), (std::vector<int32_t>{3, 2147483647}));
        const auto tooBig = GgufValue::array(GgufValueType::Uint32, {GgufValue::uint32(1), GgufValue::uint32(2147483648u)});
        QCOMPARE(errorOf([&] { tooBig.toInt32List(); }), u"array element 1 (2147483648) does not fit a 32-bit integer"_s);
        const auto tooSmall = GgufValue::array(GgufValueType::Int64, {GgufValue::int64(-2147483649LL)});
        QCOMPARE(errorOf([&] { tooSmall.toInt32List(); }), u"array element 0 (-2147483649) does not fit a 32-bit integer"_s);
        const auto smallest = GgufValue::array(GgufValueType::Int64, {GgufValue::int64(-2147483648LL)});
        QCOMPARE(smallest.toInt32List(), std::vector<int32_t>{std::numeric_limits<int32_t>::min()});

        const auto nested = GgufValue::array(GgufValueType::Array, {strings, GgufValue::int32Array({})});
        QCOMPARE(nested.at(0).at(0).toString(), "a");
        QCOMPARE(nested.at(1).arrayType(), GgufValueType::Int32);
        QCOMPARE(errorOf([] { GgufValue::array(GgufValueType(13), {}); }), u"GGUF array: invalid element type 13"_s);
    }

    void display_data()
    {
        QTest::addColumn<GgufValue>("value");
        QTest::addColumn<QString>("expected");
        QTest::newRow("uint32") << GgufValue::uint32(4294967295u) << u"4294967295"_s;
        QTest::newRow("int8") << GgufValue::int8(-7) << u"-7"_s;
        QTest::newRow("float32") << GgufValue::float32(1e-5f) << u"1e-05"_s;
        QTest::newRow("float64") << GgufValue::float64(0.1) << u"0.1"_s;
        QTest::newRow("bool") << GgufValue::boolean(false) << u"false"_s;
        QTest::newRow("string escapes") << GgufValue::string("a\"b\\c\n\x01") << u"\"a\\\"b\\\\c\\n\\x01\""_s;
        QTest::newRow("UTF-8 string") << GgufValue::string("▁Grüße") << u"\"▁Grüße\""_s;
        QTest::newRow("bytes string") << GgufValue::string("a\xff\xc3") << u"\"a\\xff\\xc3\""_s;
        QTest::newRow("short array") << GgufValue::int32Array({1, 2, 3}) << u"[1, 2, 3]"_s;
        QTest::newRow("empty array") << GgufValue::int32Array({}) << u"[]"_s;
        std::vector<int32_t> many(32000);
        QTest::newRow("long array") << GgufValue::int32Array(many) << u"[0, 0, 0, 0, 0, 0, 0, 0, ... (32000 items)]"_s;
        QTest::newRow("strings") << GgufValue::stringArray({"<s>", "b"}) << u"[\"<s>\", \"b\"]"_s;
        QTest::newRow("nested")
            << GgufValue::array(GgufValueType::Array, {GgufValue::int32Array({1}), GgufValue::int32Array({})}) << u"[[1], []]"_s;
    }

    void display()
    {
        QFETCH(GgufValue, value);
        QFETCH(QString, expected);
        QCOMPARE(QString::fromStdString(value.toDisplayString()), expected);
    }

    void displayLimit()
    {
        QCOMPARE(GgufValue::int32Array({1, 2, 3}).toDisplayString(2), "[1, 2, ... (3 items)]");
        QCOMPARE(GgufValue::int32Array({1, 2, 3}).toDisplayString(0), "[... (3 items)]");
    }
};

QTEST_GUILESS_MAIN(GgufValueTest)
#include "GgufValueTest.moc"
