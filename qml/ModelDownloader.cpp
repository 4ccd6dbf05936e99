// SPDX-License-Identifier: GPL-3.0-or-later
#include "ModelDownloader.h"

#include "hearth-version.h"
#include "hearthui_logging.h"
#include "util/RegionWriter.h"

#include <KLocalizedString>
#include <QCoroFuture>
#include <QDir>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QtConcurrentRun>

using namespace Qt::StringLiterals;

namespace
{
constexpr int MaxRedirects = 10;
// A stalled connection is given up after this long without data; the .part stays for a resume.
constexpr int TransferTimeoutMs = 60000;

bool isSha256(const QString &text)
{
    static const QRegularExpression hex(u"^[0-9a-f]{64}$"_s);
    return hex.match(text).hasMatch();
}

int statusOf(const QNetworkReply *reply)
{
    return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
}

// Reads a file into the hash; false when it cannot be read.
bool hashFile(const QString &path, QCryptographicHash *hash)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) && hash->addData(&file);
}
}

ModelDownloader::ModelDownloader(QObject *parent)
    : QObject(parent)
    , m_network(new QNetworkAccessManager(this))
{
    // Redirects are followed by hand: Hugging Face states the file's hash on the redirect response itself.
    m_network->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
}

ModelDownloader::~ModelDownloader()
{
    dropReply();
    keepReceived(); // quitting mid-download: the next start resumes after every byte received
}

ModelDownloader::State ModelDownloader::state() const
{
    return m_state;
}

bool ModelDownloader::isRunning() const
{
    return m_state == State::Downloading || m_state == State::Verifying;
}

QUrl ModelDownloader::url() const
{
    return m_url;
}

QString ModelDownloader::filePath() const
{
    return m_filePath;
}

QString ModelDownloader::fileName() const
{
    return QFileInfo(m_filePath).fileName();
}

qint64 ModelDownloader::bytesReceived() const
{
    return m_received;
}

qint64 ModelDownloader::bytesTotal() const
{
    return m_total;
}

double ModelDownloader::progress() const
{
    return m_total > 0 ? double(m_received) / double(m_total) : -1.0;
}

qint64 ModelDownloader::resumedFrom() const
{
    return m_resumedFrom;
}

QString ModelDownloader::expectedSha256() const
{
    return m_userSha256.isEmpty() ? m_serverSha256 : m_userSha256;
}

QString ModelDownloader::sha256() const
{
    return m_sha256;
}

QString ModelDownloader::errorString() const
{
    return m_errorString;
}

QString ModelDownloader::fileNameForUrl(const QUrl &url)
{
    return url.fileName(QUrl::FullyDecoded);
}

QString ModelDownloader::sha256FromEtag(const QByteArray &value)
{
    QString text = QString::fromLatin1(value).trimmed();
    if (text.startsWith(u"W/"_s)) {
        text = text.mid(2);
    }
    if (text.size() >= 2 && text.startsWith(u'"') && text.endsWith(u'"')) {
        text = text.mid(1, text.size() - 2);
    }
    text = text.toLower();
    return isSha256(text) ? text : QString();
}

QString ModelDownloader::partPath() const
{
    return m_filePath + u".part"_s;
}

bool ModelDownloader::start(const QString &url, const QString &folder, const QString &expectedSha256)
{
    if (isRunning()) {
        return false;
    }
    dropReply();
    m_part.close();
    m_errorString.clear();
    m_sha256.clear();
    m_serverSha256.clear();
    m_received = 0;
    m_total = -1;
    m_resumedFrom = 0;
    m_redirects = 0;
    m_restarted = false;
    m_url = QUrl(url.trimmed());
    m_userSha256 = expectedSha256.trimmed().toLower();
    const QString name = fileNameForUrl(m_url);
    m_filePath = name.isEmpty() ? QString() : QDir(folder).filePath(name);
    Q_EMIT started();

    if (!m_url.isValid() || (m_url.scheme() != u"http"_s && m_url.scheme() != u"https"_s)) {
        fail(i18n("“%1” is not a web address (it must start with https:// or http://).", url.trimmed()), false);
        return false;
    }
    if (name.isEmpty()) {
        fail(i18n("The address %1 names no file; use the file's download link (on Hugging Face: “resolve”, not “blob”).", url.trimmed()), false);
        return false;
    }
    if (!m_userSha256.isEmpty() && !isSha256(m_userSha256)) {
        fail(i18n("The SHA-256 must be 64 hexadecimal digits; “%1” is not.", expectedSha256.trimmed()), false);
        return false;
    }
    if (!QDir().mkpath(folder)) {
        fail(i18n("Could not create the folder %1.", folder), false);
        return false;
    }
    if (QFileInfo::exists(m_filePath)) {
        fail(i18n("%1 already exists in %2.", name, folder), false);
        return false;
    }
    run(++m_generation);
    return true;
}

QCoro::Task<void> ModelDownloader::run(quint64 generation)
{
    m_hash = std::make_shared<QCryptographicHash>(QCryptographicHash::Sha256);
    const QFileInfo part(partPath());
    if (part.exists() && part.size() > 0) {
        // The bytes we have count towards the file's hash: read them once, off the GUI thread.
        setState(State::Verifying);
        const QPointer<ModelDownloader> self(this);
        const bool readable = co_await QtConcurrent::run(&hashFile, part.filePath(), m_hash.get());
        if (!self || generation != m_generation) {
            co_return;
        }
        if (!readable) {
            fail(i18n("Could not read %1 to resume the download.", part.fileName()), true);
            co_return;
        }
        m_resumedFrom = part.size();
        qCInfo(HEARTH_UI) << "resuming" << m_url << "from byte" << m_resumedFrom;
        Q_EMIT started();
    }
    m_part.setFileName(partPath());
    m_unwritten.clear();
    // Unbuffered: writeReceived() decides where each write() starts and ends.
    if (!m_part.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Unbuffered)) {
        fail(i18n("Could not write %1: %2", m_part.fileName(), m_part.errorString()), false);
        co_return;
    }
    setProgress(m_resumedFrom, -1);
    setState(State::Downloading);
    sendRequest(m_url);
}

void ModelDownloader::sendRequest(const QUrl &url)
{
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::UserAgentHeader, QByteArray("Hearth/" HEARTH_VERSION_STRING));
    request.setTransferTimeout(TransferTimeoutMs);
    if (m_resumedFrom > 0) {
        request.setRawHeader("Range", "bytes=" + QByteArray::number(m_resumedFrom) + '-');
    }
    QNetworkReply *reply = m_network->get(request);
    m_reply = reply;
    connect(reply, &QNetworkReply::metaDataChanged, this, [this, reply] {
        onMetaData(reply);
    });
    connect(reply, &QNetworkReply::readyRead, this, [this, reply] {
        onReadyRead(reply);
    });
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        onFinished(reply);
    });
}

void ModelDownloader::onMetaData(QNetworkReply *reply)
{
    if (reply != m_reply) {
        return;
    }
    // X-Linked-ETag (Hugging Face's redirect for large files) names the file's content; a plain ETag is a
    // SHA-256 only on some servers (then it is one), so it counts only when nothing better was said.
    for (const char *header : {"X-Linked-ETag", "ETag"}) {
        const QString hash = sha256FromEtag(reply->rawHeader(header));
        if (!hash.isEmpty()) {
            if (m_serverSha256.isEmpty() || qstrcmp(header, "X-Linked-ETag") == 0) {
                m_serverSha256 = hash;
            }
            break;
        }
    }
    const int status = statusOf(reply);
    if (status == 200) {
        if (m_resumedFrom > 0) {
            // The server ignored the Range: it sends the whole file, so start the .part over.
            qCInfo(HEARTH_UI) << m_url << "does not support resuming; starting over";
            m_part.resize(0);
            m_unwritten.clear();
            m_hash->reset();
            m_resumedFrom = 0;
            Q_EMIT started();
        }
        const QVariant length = reply->header(QNetworkRequest::ContentLengthHeader);
        setProgress(0, length.isValid() ? length.toLongLong() : -1);
    } else if (status == 206) {
        // "bytes START-END/TOTAL": it must continue exactly where the .part ends.
        static const QRegularExpression range(u"^bytes (\\d+)-(\\d+)/(\\d+|\\*)$"_s);
        const auto match = range.match(QString::fromLatin1(reply->rawHeader("Content-Range")).trimmed());
        if (!match.hasMatch() || match.captured(1).toLongLong() != m_resumedFrom) {
            fail(i18n("The server sent another part of %1 than asked for; the download starts over next time.", fileName()), true);
            return;
        }
        const qint64 total = match.captured(3) == u"*"_s ? -1 : match.captured(3).toLongLong();
        setProgress(m_resumedFrom, total);
    }
}

void ModelDownloader::onReadyRead(QNetworkReply *reply)
{
    if (reply != m_reply) {
        return;
    }
    const int status = statusOf(reply);
    if (status != 200 && status != 206) {
        return; // an error page or a redirect body, not the file
    }
    const QByteArray data = reply->readAll();
    if (data.isEmpty()) {
        return;
    }
    m_unwritten += data;
    if (!writeReceived(false)) {
        return;
    }
    m_hash->addData(data);
    setProgress(m_received + data.size(), m_total);
}

void ModelDownloader::onFinished(QNetworkReply *reply)
{
    if (reply != m_reply) {
        return;
    }
    onReadyRead(reply);
    if (reply != m_reply) {
        return; // failed while writing the rest
    }
    const int status = statusOf(reply);
    const QUrl location = reply->attribute(QNetworkRequest::RedirectionTargetAttribute).toUrl();
    if (status >= 300 && status < 400 && location.isValid()) {
        const QUrl next = reply->url().resolved(location);
        dropReply();
        if (++m_redirects > MaxRedirects) {
            fail(i18n("The server redirected the download of %1 too many times.", fileName()), false);
            return;
        }
        sendRequest(next);
        return;
    }
    if (status == 416 && !m_restarted) {
        // Our .part is not a beginning of this file (it changed on the server, or is longer): start over.
        qCInfo(HEARTH_UI) << "range refused for" << m_url << "- starting over";
        dropReply();
        m_part.close();
        QFile::remove(partPath());
        m_restarted = true;
        m_resumedFrom = 0;
        run(++m_generation);
        return;
    }
    if (status == 404) {
        fail(i18n("%1 was not found on the server (HTTP 404). Check the address.", fileName()), false);
        return;
    }
    if (status >= 400) {
        fail(i18n("The server refused to send %1: HTTP %2 %3.", fileName(), status,
                  reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString()),
             false);
        return;
    }
    if (reply->error() != QNetworkReply::NoError || (m_total >= 0 && m_received != m_total)) {
        const QString reason = reply->error() != QNetworkReply::NoError
            ? reply->errorString()
            : i18n("the connection ended after %1 of %2 bytes", m_received, m_total);
        fail(i18n("The download of %1 was interrupted: %2. Start it again to resume where it stopped.", fileName(), reason), false);
        return;
    }
    dropReply();
    complete();
}

bool ModelDownloader::writeReceived(bool all)
{
    // Up to the last 2 MiB boundary of the file, unless all is asked for: so the page cache holds the finished
    // model in huge-page folios, as GgufWriter's files are (util/RegionWriter.h), and generation reads it faster.
    const qint64 onDisk = m_part.size();
    const qint64 end = onDisk + m_unwritten.size();
    constexpr auto region = qint64(hearth::RegionWriter::kHugePageBytes);
    for (qint64 count = (all ? end : end / region * region) - onDisk; count > 0;) {
        // A short write is retried, so a full disk ends in a failed write() that says why.
        const qint64 written = m_part.write(m_unwritten.constData(), count);
        if (written <= 0) {
            // The bytes on disk are still a correct beginning of the file: keep them.
            fail(i18n("Could not write %1: %2. Free some space and start the download again to resume it.",
                      QFileInfo(m_part.fileName()).fileName(), m_part.errorString()),
                 false);
            return false;
        }
        m_unwritten.remove(0, written);
        count -= written;
    }
    return true;
}

void ModelDownloader::complete()
{
    setState(State::Verifying);
    if (!writeReceived(true)) {
        return;
    }
    m_part.close();
    m_sha256 = QString::fromLatin1(m_hash->result().toHex());
    const QString expected = expectedSha256();
    if (!expected.isEmpty() && expected != m_sha256) {
        fail(i18n("%1 is damaged: its SHA-256 is %2, but %3 was expected. The download was deleted; try again.",
                  fileName(), m_sha256, expected),
             true);
        return;
    }
    if (QFileInfo::exists(m_filePath) || !QFile::rename(partPath(), m_filePath)) {
        fail(i18n("Could not rename %1 to %2.", QFileInfo(partPath()).fileName(), fileName()), false);
        return;
    }
    qCInfo(HEARTH_UI) << "downloaded" << m_filePath << "sha256" << m_sha256 << (expected.isEmpty() ? "(unchecked)" : "(checked)");
    setState(State::Finished);
    Q_EMIT finished(m_filePath);
}

void ModelDownloader::cancel()
{
    if (!isRunning()) {
        return;
    }
    ++m_generation;
    dropReply();
    keepReceived();
    m_part.close();
    setState(State::Cancelled);
}

void ModelDownloader::fail(const QString &message, bool removePart)
{
    ++m_generation;
    dropReply();
    if (!removePart) {
        keepReceived();
    }
    m_part.close();
    // An empty .part holds nothing to resume: do not leave it behind (a 404, a refused request).
    if (!m_filePath.isEmpty() && (removePart || QFileInfo(partPath()).size() == 0)) {
        QFile::remove(partPath());
    }
    qCWarning(HEARTH_UI) << "download failed:" << message;
    m_errorString = message;
    setState(State::Failed);
    Q_EMIT failed(message);
}

void ModelDownloader::keepReceived()
{
    // Best effort, for a later resume: on a full disk this writes less or nothing, and what it writes is still the
    // file's next bytes.
    if (m_part.isOpen() && !m_unwritten.isEmpty()) {
        m_part.write(m_unwritten);
    }
    m_unwritten.clear();
}

void ModelDownloader::dropReply()
{
    if (m_reply) {
        QNetworkReply *reply = m_reply;
        m_reply = nullptr;
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
}

void ModelDownloader::setState(State state)
{
    if (m_state != state) {
        m_state = state;
        Q_EMIT stateChanged();
    }
}

void ModelDownloader::setProgress(qint64 received, qint64 total)
{
    m_received = received;
    m_total = total;
    Q_EMIT progressChanged();
}
