// SPDX-License-Identifier: MIT
#pragma once

#include <QList>
#include <QObject>
#include <QString>
#include <functional>
#include <memory>

namespace quarry {

struct Session;

/// A saved connection. Nothing here is secret: it is kept in the settings file. The key of a
/// key-file connection lives in the OS keychain (QtKeychain), under keychainKey(id).
struct ConnectionInfo {
    enum class Kind { KeyFile, Adc, Endpoint };
    QString id;
    QString name;
    Kind kind = Kind::KeyFile;
    QString project;
    QString endpoint;  ///< empty: Google's API; else a sandbox or emulator URL
    QString account;   ///< who signs in (shown, not used to sign in)
    qint64 byteCap = 0; ///< maximumBytesBilled for every query; 0: none
    QString location;  ///< default location of new datasets and jobs, if any
    /// The Storage API's HOST:PORT (TLS) named by hand; empty: the one that goes with `endpoint`.
    QString storageEndpoint;
};

/// Saved connections: settings for the description, the OS keychain for the key. The list is read
/// once when the store is made and kept; changes are written to the settings file by one writer
/// thread, in order. Keychain calls are asynchronous (QtKeychain jobs). So the GUI thread never
/// waits on disk or keychain after start-up.
class ConnectionStore : public QObject {
    Q_OBJECT
public:
    explicit ConnectionStore(QObject* parent = nullptr);
    ~ConnectionStore() override;

    QList<ConnectionInfo> list() const { return list_; }
    std::optional<ConnectionInfo> find(const QString& id) const;
    /// Saves the description, then the secret (if any) in the keychain; `done` gets an error
    /// text or an empty string. Nothing is left half-written: if the keychain refuses, the
    /// description is removed again.
    void save(const ConnectionInfo& info, const QByteArray& secret, std::function<void(QString)> done);
    void remove(const QString& id, std::function<void(QString)> done = {});
    /// Reads the secret of a connection from the keychain.
    void readSecret(const QString& id, std::function<void(QByteArray, QString)> done);

    static QString keychainService() { return QStringLiteral("Quarry"); }
    static QString keychainKey(const QString& id) { return QStringLiteral("connection/") + id; }

    /// Waits until every change made so far is in the settings file (tests; quitting).
    static void flush();

signals:
    void changed();

private:
    static QList<ConnectionInfo> readList();
    void writeList(const QList<ConnectionInfo>& list);
    QList<ConnectionInfo> list_;
};

/// Opens a connection on a worker: reads the key (JSON key file text from the keychain, or
/// Application Default Credentials), makes the token source and the client, and checks them
/// with one datasets.list call. `done` gets the session, or an error saying what to do, on
/// the GUI thread while `context` lives (its end cancels the sign-in).
void openConnection(QObject* context, const ConnectionInfo& info, const QByteArray& secret,
                    std::function<void(std::shared_ptr<Session>, QString)> done);

} // namespace quarry
