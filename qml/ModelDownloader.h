// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QCoroTask>
#include <QCryptographicHash>
#include <QFile>
#include <QObject>
#include <QPointer>
#include <QQmlEngine>
#include <QString>
#include <QUrl>

#include <memory>

class QNetworkAccessManager;
class QNetworkReply;

// Downloads one model file over HTTP(S) into a folder (a Hugging Face "resolve" link, or any URL).
//
// The data goes to "NAME.part" beside the target; an interrupted or cancelled download keeps it, and the next
// start() of the same URL asks the server for the rest only (HTTP Range). The file is checked against a
// SHA-256, the one the user gave or else the one the server states (Hugging Face sends it as X-Linked-ETag, or
// ETag when it is 64 hex digits), and only then renamed to NAME: a finished file is always complete and
// checked. A wrong hash deletes the .part (its bytes cannot be trusted for a resume either).
class ModelDownloader : public QObject
{
    Q_OBJECT
    QML_ELEMENT

    Q_PROPERTY(State state READ state NOTIFY stateChanged)
    Q_PROPERTY(bool running READ isRunning NOTIFY stateChanged)
    Q_PROPERTY(QUrl url READ url NOTIFY started)
    // Where the finished file is (or will be).
    Q_PROPERTY(QString filePath READ filePath NOTIFY started)
    Q_PROPERTY(QString fileName READ fileName NOTIFY started)
    // Of the whole file, including bytes a resumed download already had; total -1 while unknown.
    Q_PROPERTY(qint64 bytesReceived READ bytesReceived NOTIFY progressChanged)
    Q_PROPERTY(qint64 bytesTotal READ bytesTotal NOTIFY progressChanged)
    Q_PROPERTY(double progress READ progress NOTIFY progressChanged) // 0..1, -1 while the size is unknown
    // Bytes this download started from (a .part left earlier); 0 for a fresh download.
    Q_PROPERTY(qint64 resumedFrom READ resumedFrom NOTIFY started)
    // The hash the file was checked against (lower-case hex); empty when neither the user nor the server gave one.
    Q_PROPERTY(QString expectedSha256 READ expectedSha256 NOTIFY progressChanged)
    Q_PROPERTY(QString sha256 READ sha256 NOTIFY stateChanged) // of the finished file
    Q_PROPERTY(QString errorString READ errorString NOTIFY stateChanged)

public:
    enum class State {
        Idle,
        Downloading,
        Verifying, // hashing the resumed part, or comparing at the end
        Finished,
        Failed,
        Cancelled,
    };
    Q_ENUM(State)

    explicit ModelDownloader(QObject *parent = nullptr);
    ~ModelDownloader() override;

    State state() const;
    bool isRunning() const;
    QUrl url() const;
    QString filePath() const;
    QString fileName() const;
    qint64 bytesReceived() const;
    qint64 bytesTotal() const;
    double progress() const;
    qint64 resumedFrom() const;
    QString expectedSha256() const;
    QString sha256() const;
    QString errorString() const;

    // Starts downloading `url` into `folder` (created when missing). expectedSha256: 64 hex digits, or empty
    // to trust the server's. Refused (state Failed, errorString says why) when the URL is not http(s), names
    // no file, the hash is malformed, or the file already exists. Returns false when refused.
    Q_INVOKABLE bool start(const QString &url, const QString &folder, const QString &expectedSha256 = {});
    // Stops; the .part stays for a later resume.
    Q_INVOKABLE void cancel();

    // The file name a URL downloads to: its last path segment ("model.gguf" for
    // .../resolve/main/model.gguf?download=true); empty when it has none.
    static QString fileNameForUrl(const QUrl &url);
    // A SHA-256 from an ETag-style header value ("abc..", W/"abc.."), lower-case; empty when it is not one.
    static QString sha256FromEtag(const QByteArray &value);

Q_SIGNALS:
    void stateChanged();
    void progressChanged();
    void started();
    void finished(const QString &filePath);
    void failed(const QString &message);

private:
    QCoro::Task<void> run(quint64 generation);
    void sendRequest(const QUrl &url);
    void onMetaData(QNetworkReply *reply);
    void onReadyRead(QNetworkReply *reply);
    void onFinished(QNetworkReply *reply);
    bool writeReceived(bool all); // fails the download and returns false when the disk refuses
    void keepReceived();
    void complete();
    void fail(const QString &message, bool removePart);
    void dropReply();
    void setState(State state);
    void setProgress(qint64 received, qint64 total);
    QString partPath() const;

    QNetworkAccessManager *m_network;
    QPointer<QNetworkReply> m_reply;
    QFile m_part;
    QByteArray m_unwritten; // received, held until the .part reaches a 2 MiB boundary (writeReceived)
    // Shared with the worker that hashes a resumed .part, which may outlive a cancelled run.
    std::shared_ptr<QCryptographicHash> m_hash;
    quint64 m_generation = 0; // a cancelled run's coroutine finds a newer generation and stops
    State m_state = State::Idle;
    QUrl m_url;
    QString m_filePath;
    QString m_userSha256;
    QString m_serverSha256;
    QString m_sha256;
    QString m_errorString;
    qint64 m_received = 0;
    qint64 m_total = -1;
    qint64 m_resumedFrom = 0;
    int m_redirects = 0;
    bool m_restarted = false; // the server refused our Range once; we started over
};
