// SPDX-License-Identifier: GPL-3.0-or-later
// ModelDownloader against a real HTTP server on 127.0.0.1: Range resume after a killed transfer, SHA-256 from
// the user or from Hugging Face's headers, a bad hash, 404, redirects, cancel, refused input.
#include "FileSizeLimit.h"
#include "HugePages.h"
#include "ModelDownloader.h"

#include <KLocalizedString>
#include <QCryptographicHash>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QPointer>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <cerrno>
#include <cstring>

using namespace Qt::StringLiterals;

namespace
{
// A tiny HTTP/1.1 server: GET only, one request per connection, "Range: bytes=N-" honoured.
class HttpServer : public QTcpServer
{
public:
    struct Resource {
        QByteArray body;
        QList<QPair<QByteArray, QByteArray>> headers; // extra response headers (ETag, X-Linked-ETag)
        QByteArray redirectTo; // non-empty: answer 302 with this Location
        qint64 cutAfter = -1; // >= 0: announce the whole body, send this many bytes, close the connection
        bool ignoreRange = false; // answer 200 with the whole body even when asked for a range
        bool slow = false; // send 16 KiB every 10 ms

        // Builders, since partial designated initializers warn.
        static Resource withHeaders(QList<QPair<QByteArray, QByteArray>> headers)
        {
            Resource r;
            r.headers = std::move(headers);
            return r;
        }
        Resource redirect(QByteArray to) const
        {
            Resource r = *this;
            r.redirectTo = std::move(to);
            return r;
        }
        Resource cut(qint64 bytes) const
        {
            Resource r = *this;
            r.cutAfter = bytes;
            return r;
        }
        Resource withoutRange() const
        {
            Resource r = *this;
            r.ignoreRange = true;
            return r;
        }
        Resource slowly() const
        {
            Resource r = *this;
            r.slow = true;
            return r;
        }
    };
    struct Request {
        QByteArray path;
        QByteArray range;
    };

    QHash<QByteArray, Resource> resources;
    QList<Request> requests;

    HttpServer()
    {
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = nextPendingConnection()) {
                connect(socket, &QTcpSocket::readyRead, socket, [this, socket] {
                    serve(socket);
                });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
    }

    QString url(const QByteArray &path) const
    {
        return u"http://127.0.0.1:%1%2"_s.arg(serverPort()).arg(QString::fromLatin1(path));
    }

private:
    void serve(QTcpSocket *socket)
    {
        QByteArray &buffer = m_buffers[socket];
        buffer += socket->readAll();
        if (!buffer.contains("\r\n\r\n")) {
            return;
        }
        const QList<QByteArray> lines = buffer.left(buffer.indexOf("\r\n\r\n")).split('\n');
        m_buffers.remove(socket);
        const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
        Request request{requestLine.value(1), {}};
        for (const QByteArray &line : lines.mid(1)) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).trimmed().toLower() == "range") {
                request.range = line.mid(colon + 1).trimmed();
            }
        }
        requests.append(request);

        const auto it = resources.constFind(request.path.split('?').constFirst());
        if (it == resources.constEnd()) {
            reply(socket, "404 Not Found", {}, "no such file\n");
            return;
        }
        const Resource &resource = *it;
        if (!resource.redirectTo.isEmpty()) {
            auto headers = resource.headers;
            headers.append({"Location", resource.redirectTo});
            reply(socket, "302 Found", headers, {});
            return;
        }
        qint64 from = 0;
        static const QRegularExpression range(u"^bytes=(\\d+)-$"_s);
        const auto match = range.match(QString::fromLatin1(request.range));
        if (match.hasMatch() && !resource.ignoreRange) {
            from = match.captured(1).toLongLong();
            if (from >= resource.body.size()) {
                reply(socket, "416 Range Not Satisfiable", {{"Content-Range", "bytes */" + QByteArray::number(resource.body.size())}}, {});
                return;
            }
        }
        auto headers = resource.headers;
        QByteArray status = "200 OK";
        if (from > 0) {
            status = "206 Partial Content";
            headers.append({"Content-Range",
                            "bytes " + QByteArray::number(from) + '-' + QByteArray::number(resource.body.size() - 1) + '/'
                                + QByteArray::number(resource.body.size())});
        }
        const QByteArray body = resource.body.mid(from);
        if (resource.cutAfter >= 0) {
            // Announce everything, send a part, and hang up: a transfer killed mid-way.
            writeHead(socket, status, headers, body.size());
            socket->write(body.left(resource.cutAfter));
            socket->disconnectFromHost();
            return;
        }
        if (resource.slow) {
            writeHead(socket, status, headers, body.size());
            auto *timer = new QTimer(socket);
            auto sent = std::make_shared<qint64>(0);
            connect(timer, &QTimer::timeout, socket, [socket, body, sent, timer] {
                socket->write(body.mid(*sent, 16384));
                *sent += 16384;
                if (*sent >= body.size()) {
                    timer->stop();
                    socket->disconnectFromHost();
                }
            });
            timer->start(10);
            return;
        }
        reply(socket, status, headers, body);
    }

    static void writeHead(QTcpSocket *socket, const QByteArray &status, const QList<QPair<QByteArray, QByteArray>> &headers, qint64 length)
    {
        QByteArray head = "HTTP/1.1 " + status + "\r\nConnection: close\r\nContent-Length: " + QByteArray::number(length) + "\r\n";
        for (const auto &[name, value] : headers) {
            head += name + ": " + value + "\r\n";
        }
        socket->write(head + "\r\n");
    }

    static void reply(QTcpSocket *socket, const QByteArray &status, const QList<QPair<QByteArray, QByteArray>> &headers, const QByteArray &body)
    {
        writeHead(socket, status, headers, body.size());
        socket->write(body);
        socket->disconnectFromHost();
    }

    QHash<QTcpSocket *, QByteArray> m_buffers;
};

QByteArray sha256Hex(const QByteArray &data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex();
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray("(unreadable)");
}

// Waits until the download ends, whichever way.
bool waitForEnd(ModelDownloader &downloader)
{
    QDeadlineTimer deadline(20000);
    while (downloader.isRunning() && !deadline.hasExpired()) {
        QTest::qWait(10);
    }
    return !downloader.isRunning();
}
}

class ModelDownloaderTest : public QObject
{
    Q_OBJECT

private:
    HttpServer m_server;
    QByteArray m_model; // 1.5 MiB of deterministic bytes
    QByteArray m_hash;

    void serve(const QByteArray &path, HttpServer::Resource resource)
    {
        if (resource.body.isNull()) {
            resource.body = m_model;
        }
        m_server.resources.insert(path, resource);
    }

private Q_SLOTS:
    void initTestCase()
    {
        KLocalizedString::setApplicationDomain("hearth");
        QVERIFY(m_server.listen(QHostAddress::LocalHost));
        QRandomGenerator generator(7);
        m_model.resize(1536 * 1024);
        generator.fillRange(reinterpret_cast<quint32 *>(m_model.data()), m_model.size() / 4);
        m_hash = sha256Hex(m_model);
    }

    void init()
    {
        m_server.resources.clear();
        m_server.requests.clear();
    }

    void serverHashIsChecked()
    {
        QTemporaryDir dir;
        serve("/model.gguf", HttpServer::Resource::withHeaders({{"ETag", '"' + m_hash + '"'}}));
        ModelDownloader downloader;
        QSignalSpy finished(&downloader, &ModelDownloader::finished);
        QVERIFY(downloader.start(m_server.url("/model.gguf?download=true"), dir.path()));
        QCOMPARE(downloader.fileName(), u"model.gguf"_s);
        QVERIFY(!finished.isEmpty() || finished.wait(20000));
        QCOMPARE(downloader.state(), ModelDownloader::State::Finished);
        QCOMPARE(finished.first().first().toString(), dir.filePath(u"model.gguf"_s));
        QCOMPARE(readFile(dir.filePath(u"model.gguf"_s)), m_model);
        QCOMPARE(downloader.sha256(), QString::fromLatin1(m_hash));
        QCOMPARE(downloader.expectedSha256(), QString::fromLatin1(m_hash));
        QCOMPARE(downloader.bytesReceived(), m_model.size());
        QCOMPARE(downloader.bytesTotal(), m_model.size());
        QCOMPARE(downloader.progress(), 1.0);
        QVERIFY(!QFileInfo::exists(dir.filePath(u"model.gguf.part"_s)));
        QCOMPARE(m_server.requests.size(), 1);
        QVERIFY(m_server.requests.first().range.isEmpty());
    }

    // Hugging Face: huggingface.co answers 302 with X-Linked-ETag (the LFS SHA-256); the CDN's ETag is not one.
    void redirectCarriesTheHash()
    {
        QTemporaryDir dir;
        serve("/org/model/resolve/main/tiny.gguf", HttpServer::Resource::withHeaders({{"X-Linked-ETag", '"' + m_hash + '"'}}).redirect("/cdn/blob/12345?sig=x"));
        serve("/cdn/blob/12345", HttpServer::Resource::withHeaders({{"ETag", "\"0123456789abcdef0123456789abcdef\""}}));
        ModelDownloader downloader;
        QVERIFY(downloader.start(m_server.url("/org/model/resolve/main/tiny.gguf"), dir.path()));
        QVERIFY(waitForEnd(downloader));
        QCOMPARE(downloader.errorString(), QString());
        QCOMPARE(downloader.state(), ModelDownloader::State::Finished);
        QCOMPARE(downloader.expectedSha256(), QString::fromLatin1(m_hash));
        QCOMPARE(readFile(dir.filePath(u"tiny.gguf"_s)), m_model);
        QCOMPARE(m_server.requests.size(), 2);
        QCOMPARE(m_server.requests.at(1).path, QByteArray("/cdn/blob/12345?sig=x"));
    }

    void userHashIsChecked()
    {
        QTemporaryDir dir;
        serve("/model.gguf", HttpServer::Resource());
        ModelDownloader downloader;
        QVERIFY(downloader.start(m_server.url("/model.gguf"), dir.path(), QString::fromLatin1(m_hash).toUpper()));
        QVERIFY(waitForEnd(downloader));
        QCOMPARE(downloader.state(), ModelDownloader::State::Finished);
        QCOMPARE(readFile(dir.filePath(u"model.gguf"_s)), m_model);
    }

    void withoutAnyHashTheFileIsKept()
    {
        QTemporaryDir dir;
        serve("/model.gguf", HttpServer::Resource());
        ModelDownloader downloader;
        QVERIFY(downloader.start(m_server.url("/model.gguf"), dir.path()));
        QVERIFY(waitForEnd(downloader));
        QCOMPARE(downloader.state(), ModelDownloader::State::Finished);
        QCOMPARE(downloader.expectedSha256(), QString());
        QCOMPARE(downloader.sha256(), QString::fromLatin1(m_hash)); // shown, so the user can compare
    }

    // A downloaded model reaches the page cache in 2 MiB folios, so loading it right away maps it in huge pages
    // (HugePages.h; skips where the kernel does not cache files by how they were written).
    void downloadIsCachedInHugePages()
    {
        QTemporaryDir dir;
        if (const QString reason = HugePages::cacheFollowsWrites(dir.path()); !reason.isEmpty()) {
            QSKIP(qPrintable(reason));
        }
        HttpServer::Resource resource;
        resource.body = m_model.repeated(3) + "tail"; // 4.5 MiB and 4 bytes: two whole regions and a part
        serve("/model.gguf", resource);
        ModelDownloader downloader;
        QVERIFY(downloader.start(m_server.url("/model.gguf"), dir.path()));
        QVERIFY(waitForEnd(downloader));
        QCOMPARE(downloader.state(), ModelDownloader::State::Finished);
        const QString path = dir.filePath(u"model.gguf"_s);
        QCOMPARE(readFile(path), resource.body);
        QCOMPARE(HugePages::mappedOnceRead(path.toStdString()), 2 * hearth::RegionWriter::kHugePageBytes);
    }

    // A full disk, simulated with a file size limit: the error names the .part, which keeps a correct beginning
    // of the file for a later resume.
    void fullDiskKeepsACorrectBeginning()
    {
        QTemporaryDir dir;
        serve("/model.gguf", HttpServer::Resource::withHeaders({{"ETag", '"' + m_hash + '"'}}));
        ModelDownloader downloader;
        {
            const FileSizeLimit full(1000 * 1000);
            QVERIFY(full.active());
            QVERIFY(downloader.start(m_server.url("/model.gguf"), dir.path()));
            QVERIFY(waitForEnd(downloader));
        }
        QCOMPARE(downloader.state(), ModelDownloader::State::Failed);
        const QString because = QString::fromLocal8Bit(std::strerror(EFBIG)); // what the size limit gives
        QVERIFY2(downloader.errorString().startsWith(u"Could not write model.gguf.part: "_s + because), qPrintable(downloader.errorString()));
        QCOMPARE(readFile(dir.filePath(u"model.gguf.part"_s)), m_model.left(1000 * 1000));
        QVERIFY(!QFileInfo::exists(dir.filePath(u"model.gguf"_s)));
    }

    void badHashRemovesTheFile_data()
    {
        QTest::addColumn<QByteArray>("serverEtag");
        QTest::addColumn<QString>("userHash");
        const QByteArray wrong(64, 'a');
        QTest::newRow("server") << QByteArray('"' + wrong + '"') << QString();
        QTest::newRow("user") << QByteArray() << QString::fromLatin1(wrong);
        // The user's hash wins over the server's.
        QTest::newRow("user over server") << QByteArray('"' + m_hash + '"') << QString::fromLatin1(wrong);
    }

    void badHashRemovesTheFile()
    {
        QFETCH(QByteArray, serverEtag);
        QFETCH(QString, userHash);
        QTemporaryDir dir;
        HttpServer::Resource resource;
        if (!serverEtag.isEmpty()) {
            resource.headers = {{"ETag", serverEtag}};
        }
        serve("/model.gguf", resource);
        ModelDownloader downloader;
        QSignalSpy failed(&downloader, &ModelDownloader::failed);
        QVERIFY(downloader.start(m_server.url("/model.gguf"), dir.path(), userHash));
        QVERIFY(waitForEnd(downloader));
        QCOMPARE(downloader.state(), ModelDownloader::State::Failed);
        QCOMPARE(failed.count(), 1);
        QVERIFY2(downloader.errorString().contains(u"model.gguf is damaged"_s), qPrintable(downloader.errorString()));
        QVERIFY2(downloader.errorString().contains(QString::fromLatin1(m_hash)), qPrintable(downloader.errorString()));
        QVERIFY(!QFileInfo::exists(dir.filePath(u"model.gguf"_s)));
        QVERIFY(!QFileInfo::exists(dir.filePath(u"model.gguf.part"_s)));
    }

    void resumesAfterAKilledTransfer()
    {
        QTemporaryDir dir;
        const qint64 cut = 600 * 1024;
        serve("/model.gguf", HttpServer::Resource::withHeaders({{"X-Linked-ETag", '"' + m_hash + '"'}}).cut(cut));
        ModelDownloader downloader;
        QVERIFY(downloader.start(m_server.url("/model.gguf"), dir.path()));
        QVERIFY(waitForEnd(downloader));
        QCOMPARE(downloader.state(), ModelDownloader::State::Failed);
        QVERIFY2(downloader.errorString().contains(u"interrupted"_s), qPrintable(downloader.errorString()));
        QVERIFY(!QFileInfo::exists(dir.filePath(u"model.gguf"_s)));
        const QByteArray part = readFile(dir.filePath(u"model.gguf.part"_s));
        QCOMPARE(part.size(), cut);
        QCOMPARE(part, m_model.left(cut));

        // The server works again: only the rest is fetched, and the whole file's hash still matches.
        serve("/model.gguf", HttpServer::Resource::withHeaders({{"X-Linked-ETag", '"' + m_hash + '"'}}));
        QVERIFY(downloader.start(m_server.url("/model.gguf"), dir.path()));
        QVERIFY(waitForEnd(downloader));
        QCOMPARE(downloader.errorString(), QString());
        QCOMPARE(downloader.state(), ModelDownloader::State::Finished);
        QCOMPARE(downloader.resumedFrom(), cut);
        QCOMPARE(m_server.requests.last().range, "bytes=" + QByteArray::number(cut) + '-');
        QCOMPARE(readFile(dir.filePath(u"model.gguf"_s)), m_model);
        QVERIFY(!QFileInfo::exists(dir.filePath(u"model.gguf.part"_s)));
    }

    // A corrupted .part (not a beginning of the file) is caught by the hash and deleted.
    void corruptPartFailsTheHash()
    {
        QTemporaryDir dir;
        QFile part(dir.filePath(u"model.gguf.part"_s));
        QVERIFY(part.open(QIODevice::WriteOnly));
        part.write(QByteArray(1000, 'x'));
        part.close();
        serve("/model.gguf", HttpServer::Resource::withHeaders({{"ETag", '"' + m_hash + '"'}}));
        ModelDownloader downloader;
        QVERIFY(downloader.start(m_server.url("/model.gguf"), dir.path()));
        QVERIFY(waitForEnd(downloader));
        QCOMPARE(downloader.state(), ModelDownloader::State::Failed);
        QVERIFY(!QFileInfo::exists(dir.filePath(u"model.gguf.part"_s)));
        // The next attempt starts from zero and succeeds.
        QVERIFY(downloader.start(m_server.url("/model.gguf"), dir.path()));
        QVERIFY(waitForEnd(downloader));
        QCOMPARE(downloader.state(), ModelDownloader::State::Finished);
        QCOMPARE(readFile(dir.filePath(u"model.gguf"_s)), m_model);
    }

    void serverWithoutRangeStartsOver()
    {
        QTemporaryDir dir;
        QFile part(dir.filePath(u"model.gguf.part"_s));
        QVERIFY(part.open(QIODevice::WriteOnly));
        part.write(m_model.left(1000));
        part.close();
        serve("/model.gguf", HttpServer::Resource::withHeaders({{"ETag", '"' + m_hash + '"'}}).withoutRange());
        ModelDownloader downloader;
        QVERIFY(downloader.start(m_server.url("/model.gguf"), dir.path()));
        QVERIFY(waitForEnd(downloader));
        QCOMPARE(downloader.errorString(), QString());
        QCOMPARE(readFile(dir.filePath(u"model.gguf"_s)), m_model);
        QCOMPARE(downloader.resumedFrom(), 0);
    }

    // A .part as long as the file or longer: the server answers 416, the download starts over once.
    void unsatisfiableRangeStartsOver()
    {
        QTemporaryDir dir;
        QFile part(dir.filePath(u"model.gguf.part"_s));
        QVERIFY(part.open(QIODevice::WriteOnly));
        part.write(m_model + "trailing");
        part.close();
        serve("/model.gguf", HttpServer::Resource());
        ModelDownloader downloader;
        QVERIFY(downloader.start(m_server.url("/model.gguf"), dir.path(), QString::fromLatin1(m_hash)));
        QVERIFY(waitForEnd(downloader));
        QCOMPARE(downloader.errorString(), QString());
        QCOMPARE(readFile(dir.filePath(u"model.gguf"_s)), m_model);
        QCOMPARE(m_server.requests.size(), 2);
        QVERIFY(m_server.requests.last().range.isEmpty());
    }

    void notFound()
    {
        QTemporaryDir dir;
        ModelDownloader downloader;
        QVERIFY(downloader.start(m_server.url("/org/model/resolve/main/missing.gguf"), dir.path()));
        QVERIFY(waitForEnd(downloader));
        QCOMPARE(downloader.state(), ModelDownloader::State::Failed);
        QVERIFY2(downloader.errorString().contains(u"missing.gguf was not found on the server (HTTP 404)"_s),
                 qPrintable(downloader.errorString()));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList());
    }

    void cancelKeepsThePartForLater()
    {
        QTemporaryDir dir;
        serve("/model.gguf", HttpServer::Resource::withHeaders({{"ETag", '"' + m_hash + '"'}}).slowly());
        ModelDownloader downloader;
        QVERIFY(downloader.start(m_server.url("/model.gguf"), dir.path()));
        QTRY_VERIFY_WITH_TIMEOUT(downloader.bytesReceived() > 100000, 20000);
        downloader.cancel();
        QCOMPARE(downloader.state(), ModelDownloader::State::Cancelled);
        const qint64 kept = QFileInfo(dir.filePath(u"model.gguf.part"_s)).size();
        QVERIFY(kept > 0 && kept < m_model.size());
        QVERIFY(!QFileInfo::exists(dir.filePath(u"model.gguf"_s)));

        serve("/model.gguf", HttpServer::Resource::withHeaders({{"ETag", '"' + m_hash + '"'}}));
        QVERIFY(downloader.start(m_server.url("/model.gguf"), dir.path()));
        QVERIFY(waitForEnd(downloader));
        QCOMPARE(downloader.state(), ModelDownloader::State::Finished);
        QCOMPARE(downloader.resumedFrom(), kept);
        QCOMPARE(readFile(dir.filePath(u"model.gguf"_s)), m_model);
    }

    // Quitting mid-download (the downloader destroyed) keeps every byte received, not only those up to the last
    // 2 MiB boundary the .part had reached.
    void quitKeepsEverythingReceived()
    {
        QTemporaryDir dir;
        serve("/model.gguf", HttpServer::Resource::withHeaders({{"ETag", '"' + m_hash + '"'}}).slowly());
        qint64 received = 0;
        {
            ModelDownloader downloader;
            QVERIFY(downloader.start(m_server.url("/model.gguf"), dir.path()));
            QTRY_VERIFY_WITH_TIMEOUT(downloader.bytesReceived() > 100000, 20000);
            received = downloader.bytesReceived();
        }
        QCOMPARE(readFile(dir.filePath(u"model.gguf.part"_s)), m_model.left(received));
    }

    void refusals_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("hash");
        QTest::addColumn<QString>("message");
        QTest::newRow("not a web address") << u"ftp://example.org/model.gguf"_s << QString() << u"is not a web address"_s;
        QTest::newRow("text") << u"model please"_s << QString() << u"is not a web address"_s;
        QTest::newRow("no file") << u"http://127.0.0.1:1/"_s << QString() << u"names no file"_s;
        QTest::newRow("hash") << u"http://127.0.0.1:1/model.gguf"_s << u"abc"_s << u"64 hexadecimal digits"_s;
        QTest::newRow("exists") << u"http://127.0.0.1:1/existing.gguf"_s << QString() << u"existing.gguf already exists"_s;
    }

    void refusals()
    {
        QFETCH(QString, url);
        QFETCH(QString, hash);
        QFETCH(QString, message);
        QTemporaryDir dir;
        QFile existing(dir.filePath(u"existing.gguf"_s));
        QVERIFY(existing.open(QIODevice::WriteOnly));
        existing.close();
        ModelDownloader downloader;
        QSignalSpy failed(&downloader, &ModelDownloader::failed);
        QVERIFY(!downloader.start(url, dir.path(), hash));
        QCOMPARE(downloader.state(), ModelDownloader::State::Failed);
        QCOMPARE(failed.count(), 1);
        QVERIFY2(downloader.errorString().contains(message), qPrintable(downloader.errorString()));
        QVERIFY(m_server.requests.isEmpty());
    }

    void sha256FromEtag_data()
    {
        QTest::addColumn<QByteArray>("etag");
        QTest::addColumn<QString>("hash");
        const QByteArray hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        QTest::newRow("quoted") << QByteArray('"' + hash + '"') << QString::fromLatin1(hash);
        QTest::newRow("bare") << hash << QString::fromLatin1(hash);
        QTest::newRow("weak") << QByteArray("W/\"" + hash + '"') << QString::fromLatin1(hash);
        QTest::newRow("upper") << QByteArray('"' + hash.toUpper() + '"') << QString::fromLatin1(hash);
        QTest::newRow("md5") << QByteArray("\"0123456789abcdef0123456789abcdef\"") << QString();
        QTest::newRow("git sha1") << QByteArray("\"a94a8fe5ccb19ba61c4c0873d391e987982fbbd3\"") << QString();
        QTest::newRow("not hex") << QByteArray('"' + QByteArray(64, 'g') + '"') << QString();
        QTest::newRow("empty") << QByteArray() << QString();
    }

    void sha256FromEtag()
    {
        QFETCH(QByteArray, etag);
        QFETCH(QString, hash);
        QCOMPARE(ModelDownloader::sha256FromEtag(etag), hash);
    }

    void fileNameForUrl_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("name");
        QTest::newRow("resolve") << u"https://huggingface.co/org/repo/resolve/main/model-Q4_K_M.gguf?download=true"_s
                                 << u"model-Q4_K_M.gguf"_s;
        QTest::newRow("escaped") << u"https://example.org/my%20model.gguf"_s << u"my model.gguf"_s;
        QTest::newRow("folder") << u"https://example.org/models/"_s << QString();
    }

    void fileNameForUrl()
    {
        QFETCH(QString, url);
        QFETCH(QString, name);
        QCOMPARE(ModelDownloader::fileNameForUrl(QUrl(url)), name);
    }
};

QTEST_GUILESS_MAIN(ModelDownloaderTest)
#include "ModelDownloaderTest.moc"
