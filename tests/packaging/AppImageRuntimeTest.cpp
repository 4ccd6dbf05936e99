// SPDX-License-Identifier: GPL-3.0-or-later
// The AppImage runtime (packaging/appimage/runtime) on images made here with mksquashfs: the offset rule,
// full and pattern extraction against the source tree, extract-and-run, and damaged files.
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace
{
struct Result {
    int exitCode = -1;
    QProcess::ExitStatus status = QProcess::CrashExit;
    QString out;
    QString err;
};

Result run(const QString &program, const QStringList &args, const QString &cwd,
           const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment())
{
    QProcess p;
    p.setProgram(program);
    p.setArguments(args);
    p.setWorkingDirectory(cwd);
    p.setProcessEnvironment(env);
    p.start();
    Result r;
    if (!p.waitForFinished(60000)) {
        p.kill();
        p.waitForFinished();
        r.err = u"timed out"_s;
        return r;
    }
    r.exitCode = p.exitCode();
    r.status = p.exitStatus();
    r.out = QString::fromLocal8Bit(p.readAllStandardOutput());
    r.err = QString::fromLocal8Bit(p.readAllStandardError());
    return r;
}

void writeFile(const QString &path, const QByteArray &data, QFileDevice::Permissions perms = {})
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    QVERIFY2(f.open(QIODevice::WriteOnly), qPrintable(path));
    f.write(data);
    f.close();
    if (perms) {
        QVERIFY(f.setPermissions(perms));
    }
}

// Relative path -> "file:<content>" / "link:<target>" / "dir", for comparing a tree with its extraction.
QMap<QString, QByteArray> describe(const QString &root)
{
    QMap<QString, QByteArray> tree;
    QDirIterator it(root, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QFileInfo fi(it.next());
        const QString rel = QDir(root).relativeFilePath(fi.filePath());
        if (fi.isSymLink()) {
            tree[rel] = "link:" + fi.symLinkTarget().toUtf8().mid(fi.absolutePath().size() + 1);
        } else if (fi.isDir()) {
            tree[rel] = "dir";
        } else {
            QFile f(fi.filePath());
            f.open(QIODevice::ReadOnly);
            tree[rel] = (fi.isExecutable() ? "exec:" : "file:") + f.readAll();
        }
    }
    return tree;
}
}

class AppImageRuntimeTest : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_appDir;
    QString m_appImage;
    qint64 m_runtimeSize = 0;

    QString path(const QString &name) const
    {
        return m_dir.filePath(name);
    }

    // runtime + a SquashFS image of dir compressed with comp, as an executable file.
    QString makeAppImage(const QString &dir, const QString &name, const QString &comp = u"zstd"_s)
    {
        const QString image = path(name + u".sqfs"_s);
        const Result r = run(QStringLiteral(HEARTH_MKSQUASHFS),
                             {dir, image, u"-comp"_s, comp, u"-root-owned"_s, u"-noappend"_s, u"-quiet"_s, u"-no-progress"_s},
                             m_dir.path());
        if (r.exitCode != 0) {
            qWarning() << "mksquashfs failed:" << r.err;
            return {};
        }
        QFile runtime(QStringLiteral(HEARTH_APPIMAGE_RUNTIME));
        QFile sqfs(image);
        QFile out(path(name));
        if (!runtime.open(QIODevice::ReadOnly) || !sqfs.open(QIODevice::ReadOnly) || !out.open(QIODevice::WriteOnly)) {
            return {};
        }
        out.write(runtime.readAll());
        out.write(sqfs.readAll());
        out.close();
        out.setPermissions(out.permissions() | QFileDevice::ExeOwner);
        return out.fileName();
    }

    QString writeVariant(const QString &name, const QByteArray &data)
    {
        const QString file = path(name);
        writeFile(file, data, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
        return file;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_appDir = path(u"AppDir"_s);
        // AppRun records how it was called, then exits with a code the runtime must pass on.
        writeFile(m_appDir + u"/AppRun"_s,
                  "#!/bin/sh\n"
                  "{ printf '%s\\n' \"$@\"; echo \"APPDIR=$APPDIR\"; echo \"APPIMAGE=$APPIMAGE\"; "
                  "cat \"$APPDIR/usr/share/data.txt\"; } > \"$RESULT_FILE\"\n"
                  "exit 42\n",
                  QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner | QFileDevice::ReadOther
                      | QFileDevice::ExeOther);
        writeFile(m_appDir + u"/usr/share/data.txt"_s, "payload\n");
        // Large enough to span several SquashFS blocks (128 KiB) and the runtime's copy buffer.
        QByteArray big(700 * 1024 + 13, Qt::Uninitialized);
        QRandomGenerator rng(7);
        for (auto &c : big) {
            c = char(rng.bounded(256));
        }
        writeFile(m_appDir + u"/usr/lib/libbig.so.1"_s, big);
        writeFile(m_appDir + u"/usr/bin/tool"_s, "#!/bin/sh\n",
                  QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
        writeFile(m_appDir + u"/usr/qml/org/kde/kirigami/qmldir"_s, "module org.kde.kirigami\n");
        QDir(m_appDir).mkpath(u"usr/plugins/empty"_s);
        QVERIFY(QFile::link(u"libbig.so.1"_s, m_appDir + u"/usr/lib/libbig.so"_s));
        QVERIFY(QFile::link(u"usr/share/data.txt"_s, m_appDir + u"/.DirIcon"_s));

        m_appImage = makeAppImage(m_appDir, u"Test.AppImage"_s);
        QVERIFY(!m_appImage.isEmpty());
        m_runtimeSize = QFileInfo(QStringLiteral(HEARTH_APPIMAGE_RUNTIME)).size();
    }

    void runtimeIsTypeTwoAndGlibcOnly()
    {
        QFile f(QStringLiteral(HEARTH_APPIMAGE_RUNTIME));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray head = f.read(16);
        QCOMPARE(head.mid(0, 4), QByteArray("\x7f" "ELF"));
        QCOMPARE(head.mid(8, 3), QByteArray("AI\x02"));
        // ldd refuses the file (the magic sits in EI_ABIVERSION), so read the dynamic section instead.
        const Result r = run(u"readelf"_s, {u"-d"_s, f.fileName()}, m_dir.path());
        QCOMPARE(r.exitCode, 0);
        QStringList needed;
        for (const QString &line : r.out.split(u'\n', Qt::SkipEmptyParts)) {
            if (line.contains(u"(NEEDED)"_s)) {
                needed << line.section(u'[', 1).section(u']', 0, 0);
            }
        }
        QCOMPARE(needed, QStringList{u"libc.so.6"_s});
    }

    void offsetIsTheRuntimeSize()
    {
        const Result r = run(m_appImage, {u"--appimage-offset"_s}, m_dir.path());
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out.trimmed().toLongLong(), m_runtimeSize);
        QFile f(m_appImage);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(f.seek(m_runtimeSize));
        QCOMPARE(f.read(4), QByteArray("hsqs"));
    }

    void extractAll()
    {
        const QString cwd = path(u"all"_s);
        QDir().mkpath(cwd);
        const Result r = run(m_appImage, {u"--appimage-extract"_s}, cwd);
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(describe(cwd + u"/squashfs-root"_s), describe(m_appDir));
        // A second extraction over the first replaces the files instead of failing.
        QCOMPARE(run(m_appImage, {u"--appimage-extract"_s}, cwd).exitCode, 0);
        QCOMPARE(describe(cwd + u"/squashfs-root"_s), describe(m_appDir));
    }

    void extractPattern_data()
    {
        QTest::addColumn<QString>("pattern");
        QTest::addColumn<QStringList>("files");
        QTest::newRow("one file") << u"usr/share/data.txt"_s << QStringList{u"usr/share/data.txt"_s};
        QTest::newRow("glob") << u"usr/lib/*"_s << QStringList{u"usr/lib/libbig.so"_s, u"usr/lib/libbig.so.1"_s};
        QTest::newRow("deep") << u"*qmldir"_s << QStringList{u"usr/qml/org/kde/kirigami/qmldir"_s};
        QTest::newRow("nothing") << u"no-such-file"_s << QStringList{};
    }

    void extractPattern()
    {
        QFETCH(QString, pattern);
        QFETCH(QStringList, files);
        const QString cwd = path(u"pattern-"_s + QString::fromLatin1(QTest::currentDataTag()).replace(u' ', u'-'));
        QDir().mkpath(cwd);
        const Result r = run(m_appImage, {u"--appimage-extract"_s, pattern}, cwd);
        QCOMPARE(r.exitCode, 0);
        const auto all = describe(m_appDir);
        QStringList got;
        for (auto [rel, what] : describe(cwd + u"/squashfs-root"_s).asKeyValueRange()) {
            if (what != "dir") {
                got << rel;
                QCOMPARE(what, all.value(rel));
            }
        }
        got.sort();
        QCOMPARE(got, files);
    }

    void extractAndRun()
    {
        const QString result = path(u"result.txt"_s);
        const QString tmp = path(u"tmp"_s);
        QDir().mkpath(tmp);
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert(u"RESULT_FILE"_s, result);
        env.insert(u"TMPDIR"_s, tmp);
        const Result r = run(m_appImage, {u"first"_s, u"with space"_s, u"--verbose"_s}, m_dir.path(), env);
        QCOMPARE(r.status, QProcess::NormalExit);
        QCOMPARE(r.exitCode, 42);
        QFile f(result);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(f.readAll()).split(u'\n');
        QCOMPARE(lines.mid(0, 3), (QStringList{u"first"_s, u"with space"_s, u"--verbose"_s}));
        QVERIFY2(lines.at(3).startsWith(u"APPDIR="_s + tmp + u'/'), qPrintable(lines.at(3)));
        QCOMPARE(lines.at(4), u"APPIMAGE="_s + m_appImage);
        QCOMPARE(lines.at(5), u"payload"_s);
        // The extracted copy is gone afterwards.
        QCOMPARE(QDir(tmp).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot), QStringList{});
    }

    void damagedFiles_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("message");
        QFile f(m_appImage);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray whole = f.readAll();
        QByteArray garbage = whole;
        garbage.replace(m_runtimeSize, 4, "junk");
        QByteArray badSuper = whole;
        badSuper.replace(m_runtimeSize + 28, 4, "\xff\xff\xff\x7f"); // version and block log garbled
        QTest::newRow("bare runtime") << QStringLiteral(HEARTH_APPIMAGE_RUNTIME) << u"no SquashFS image follows"_s;
        QTest::newRow("truncated in superblock") << writeVariant(u"t1"_s, whole.left(m_runtimeSize + 40)) << u"no SquashFS image follows"_s;
        QTest::newRow("truncated in image") << writeVariant(u"t2"_s, whole.left(m_runtimeSize + (whole.size() - m_runtimeSize) / 2))
                                            << u"the SquashFS image is truncated"_s;
        QTest::newRow("not squashfs") << writeVariant(u"junk"_s, garbage) << u"not a SquashFS image"_s;
        QTest::newRow("bad superblock") << writeVariant(u"badsuper"_s, badSuper) << u"damaged"_s;
        QTest::newRow("gzip image") << makeAppImage(m_appDir, u"gzip.AppImage"_s, u"gzip"_s) << u"this runtime reads zstd only"_s;
    }

    void damagedFiles()
    {
        QFETCH(QString, file);
        QFETCH(QString, message);
        const QString cwd = path(u"damaged-"_s + QString::fromLatin1(QTest::currentDataTag()).replace(u' ', u'-'));
        QDir().mkpath(cwd);
        for (const QStringList &args : {QStringList{u"--appimage-extract"_s}, QStringList{}}) {
            const Result r = run(file, args, cwd);
            QCOMPARE(r.status, QProcess::NormalExit);
            QCOMPARE(r.exitCode, 1);
            QVERIFY2(r.err.contains(file), qPrintable(r.err));
            QVERIFY2(r.err.contains(message), qPrintable(r.err));
        }
    }

    // Random bytes changed anywhere in the image: an error or a clean run, never a crash or a hang.
    void randomDamageNeverCrashes()
    {
        QFile f(m_appImage);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray whole = f.readAll();
        QRandomGenerator rng(2026);
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert(u"RESULT_FILE"_s, path(u"fuzz-result.txt"_s));
        const QString cwd = path(u"fuzz"_s);
        QDir().mkpath(cwd);
        env.insert(u"TMPDIR"_s, cwd);
        for (int i = 0; i < 60; ++i) {
            QByteArray damaged = whole;
            for (int j = 0; j < 6; ++j) {
                damaged[m_runtimeSize + rng.bounded(whole.size() - m_runtimeSize)] = char(rng.bounded(256));
            }
            const QString file = writeVariant(u"fuzz.AppImage"_s, damaged);
            const Result r = run(file, {}, cwd, env);
            QVERIFY2(r.status == QProcess::NormalExit && (r.exitCode == 1 || r.exitCode == 42 || r.exitCode == 126 || r.exitCode == 127),
                     qPrintable(u"case %1: exit %2, %3"_s.arg(i).arg(r.exitCode).arg(r.err)));
            QCOMPARE(QDir(cwd).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot), QStringList{});
        }
    }
};

QTEST_GUILESS_MAIN(AppImageRuntimeTest)
#include "AppImageRuntimeTest.moc"
