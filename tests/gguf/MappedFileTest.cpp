// SPDX-License-Identifier: GPL-3.0-or-later
// core/util/MappedFile, tested here as the GGUF reader is what it exists for.
#include "util/Error.h"
#include "util/MappedFile.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>

using namespace hearth;
using namespace Qt::StringLiterals;

class MappedFileTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void mapsContents()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(u"data.bin"_s);
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("hello, mapping");
        file.close();

        MappedFile mapped(path.toStdString());
        QCOMPARE(mapped.size(), size_t(14));
        QCOMPARE(mapped.path(), path.toStdString());
        QVERIFY(std::memcmp(mapped.data(), "hello, mapping", 14) == 0);

        MappedFile moved(std::move(mapped));
        QCOMPARE(moved.size(), size_t(14));
        QCOMPARE(mapped.data(), nullptr); // NOLINT(bugprone-use-after-move): the moved-from state is defined
        MappedFile assigned(path.toStdString());
        assigned = std::move(moved);
        QVERIFY(std::memcmp(assigned.data(), "hello", 5) == 0);
    }

    void emptyFile()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(u"empty"_s);
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        const MappedFile mapped(path.toStdString());
        QCOMPARE(mapped.size(), size_t(0));
    }

    void errors_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("expected");
        QTest::newRow("missing") << u"/nonexistent/model.gguf"_s << u"/nonexistent/model.gguf: cannot open (No such file or directory)"_s;
        QTest::newRow("directory") << u"/tmp"_s << u"/tmp: is a directory, not a file"_s;
        QTest::newRow("device") << u"/dev/null"_s << u"/dev/null: is not a regular file"_s;
    }

    void errors()
    {
        QFETCH(QString, path);
        QFETCH(QString, expected);
        try {
            MappedFile mapped(path.toStdString());
            QFAIL("no error");
        } catch (const Error &e) {
            QCOMPARE(QString::fromUtf8(e.what()), expected);
        }
    }
};

QTEST_GUILESS_MAIN(MappedFileTest)
#include "MappedFileTest.moc"
