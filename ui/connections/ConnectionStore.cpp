// SPDX-License-Identifier: MIT
#include "ConnectionStore.h"

#include "Background.h"
#include "auth/AuthError.h"
#include "auth/Credentials.h"
#include "jobs/OnGui.h"
#include "jobs/Session.h"
#include "quarry/Version.h"

#include <QPointer>
#include <QSettings>
#include <QThreadPool>
#include <qt6keychain/keychain.h>

namespace quarry {
namespace {

/// What to check when the keychain refused, naming this platform's own.
QString keychainAdvice() {
#if defined(Q_OS_MACOS)
    return ConnectionStore::tr("Is the login keychain unlocked (Keychain Access)?");
#elif defined(Q_OS_WIN)
    return ConnectionStore::tr("Is Windows Credential Manager available to this account?");
#else
    return ConnectionStore::tr("Is a Secret Service keychain (GNOME Keyring or KWallet) running and unlocked?");
#endif
}

QString kindName(ConnectionInfo::Kind k) {
    switch (k) {
    case ConnectionInfo::Kind::KeyFile: return QStringLiteral("key");
    case ConnectionInfo::Kind::Adc: return QStringLiteral("adc");
    case ConnectionInfo::Kind::Endpoint: return QStringLiteral("endpoint");
    }
    return {};
}

ConnectionInfo::Kind kindOf(const QString& s) {
    if (s == QStringLiteral("adc")) return ConnectionInfo::Kind::Adc;
    if (s == QStringLiteral("endpoint")) return ConnectionInfo::Kind::Endpoint;
    return ConnectionInfo::Kind::KeyFile;
}

/// One thread writes the settings file, so changes land in the order they were made.
QThreadPool& writer() {
    static QThreadPool* pool = [] {
        auto* p = new QThreadPool;
        p->setMaxThreadCount(1);
        p->setExpiryTimeout(-1);
        return p;
    }();
    return *pool;
}

} // namespace

ConnectionStore::ConnectionStore(QObject* parent) : QObject(parent) {
    flush(); // another store's change still on its way must be seen here
    list_ = readList();
}

ConnectionStore::~ConnectionStore() { flush(); } // nothing unwritten when the app quits

void ConnectionStore::flush() { writer().waitForDone(); }

QList<ConnectionInfo> ConnectionStore::readList() {
    QSettings s;
    QList<ConnectionInfo> out;
    const int n = s.beginReadArray(QStringLiteral("connections"));
    for (int i = 0; i < n; ++i) {
        s.setArrayIndex(i);
        ConnectionInfo c;
        c.id = s.value(QStringLiteral("id")).toString();
        c.name = s.value(QStringLiteral("name")).toString();
        c.kind = kindOf(s.value(QStringLiteral("kind")).toString());
        c.project = s.value(QStringLiteral("project")).toString();
        c.endpoint = s.value(QStringLiteral("endpoint")).toString();
        c.account = s.value(QStringLiteral("account")).toString();
        c.byteCap = s.value(QStringLiteral("byteCap")).toLongLong();
        c.location = s.value(QStringLiteral("location")).toString();
        c.storageEndpoint = s.value(QStringLiteral("storageEndpoint")).toString();
        if (!c.id.isEmpty()) out << c;
    }
    s.endArray();
    return out;
}

std::optional<ConnectionInfo> ConnectionStore::find(const QString& id) const {
    for (const auto& c : list())
        if (c.id == id) return c;
    return std::nullopt;
}

void ConnectionStore::writeList(const QList<ConnectionInfo>& list) {
    list_ = list;
    writer().start([list] {
        QSettings s;
        s.remove(QStringLiteral("connections"));
        s.beginWriteArray(QStringLiteral("connections"), static_cast<int>(list.size()));
        for (int i = 0; i < list.size(); ++i) {
            const auto& c = list[i];
            s.setArrayIndex(i);
            s.setValue(QStringLiteral("id"), c.id);
            s.setValue(QStringLiteral("name"), c.name);
            s.setValue(QStringLiteral("kind"), kindName(c.kind));
            s.setValue(QStringLiteral("project"), c.project);
            s.setValue(QStringLiteral("endpoint"), c.endpoint);
            s.setValue(QStringLiteral("account"), c.account);
            s.setValue(QStringLiteral("byteCap"), c.byteCap);
            s.setValue(QStringLiteral("location"), c.location);
            if (c.storageEndpoint.isEmpty()) s.remove(QStringLiteral("storageEndpoint"));
            else s.setValue(QStringLiteral("storageEndpoint"), c.storageEndpoint);
        }
        s.endArray();
        s.sync();
    });
    emit changed();
}

void ConnectionStore::save(const ConnectionInfo& info, const QByteArray& secret, std::function<void(QString)> done) {
    auto all = list();
    bool replaced = false;
    for (auto& c : all)
        if (c.id == info.id) c = info, replaced = true;
    if (!replaced) all << info;
    writeList(all);
    if (secret.isEmpty()) {
        if (done) done({});
        return;
    }
    auto* job = new QKeychain::WritePasswordJob(keychainService(), this);
    job->setAutoDelete(true);
    job->setInsecureFallback(false); // a key never goes into a settings file
    job->setKey(keychainKey(info.id));
    job->setBinaryData(secret);
    QPointer<ConnectionStore> self(this);
    const QString id = info.id;
    connect(job, &QKeychain::Job::finished, this, [self, id, done, replaced](QKeychain::Job* j) {
        if (j->error() == QKeychain::NoError) {
            if (done) done({});
            return;
        }
        const QString error = tr("The key could not be stored in the system keychain (%1). %2")
                                  .arg(j->errorString(), keychainAdvice());
        if (self && !replaced) {
            auto rest = self->list();
            rest.erase(std::remove_if(rest.begin(), rest.end(), [&](const ConnectionInfo& c) { return c.id == id; }), rest.end());
            self->writeList(rest);
        }
        if (done) done(error);
    });
    job->start();
}

void ConnectionStore::remove(const QString& id, std::function<void(QString)> done) {
    auto rest = list();
    rest.erase(std::remove_if(rest.begin(), rest.end(), [&](const ConnectionInfo& c) { return c.id == id; }), rest.end());
    writeList(rest);
    auto* job = new QKeychain::DeletePasswordJob(keychainService(), this);
    job->setAutoDelete(true);
    job->setKey(keychainKey(id));
    connect(job, &QKeychain::Job::finished, this, [done](QKeychain::Job* j) {
        // A connection without a key (ADC) has nothing to delete: not an error.
        if (done) done(j->error() == QKeychain::NoError || j->error() == QKeychain::EntryNotFound ? QString() : j->errorString());
    });
    job->start();
}

void ConnectionStore::readSecret(const QString& id, std::function<void(QByteArray, QString)> done) {
    auto* job = new QKeychain::ReadPasswordJob(keychainService(), this);
    job->setAutoDelete(true);
    job->setKey(keychainKey(id));
    connect(job, &QKeychain::Job::finished, this, [done](QKeychain::Job* j) {
        auto* r = static_cast<QKeychain::ReadPasswordJob*>(j);
        if (r->error() != QKeychain::NoError) done({}, tr("The key could not be read from the system keychain: %1").arg(r->errorString()));
        else done(r->binaryData(), {});
    });
    job->start();
}

void openConnection(QObject* context, const ConnectionInfo& info, const QByteArray& secret,
                    std::function<void(std::shared_ptr<Session>, QString)> done) {
    QPointer<QObject> ctx(context);
    Background::run(context, [info, secret, done, ctx](const CancelToken& cancel) {
        std::shared_ptr<Session> session;
        QString error;
        try {
            BigQueryClient::Options o;
            o.endpoint = Endpoint::resolve(info.endpoint.toStdString(), {});
            o.http.userAgent = std::string("quarry/") + kVersion;
            auth::Credentials creds;
            if (info.kind == ConnectionInfo::Kind::KeyFile)
                creds = auth::parseCredentialsJson(std::string_view(secret.constData(), static_cast<std::size_t>(secret.size())),
                                                   "the key of connection '" + info.name.toStdString() + "'");
            else if (info.kind == ConnectionInfo::Kind::Adc)
                creds = auth::findDefaultCredentials();
            auth::checkCredentialsForEndpoint(creds, o.endpoint, false);
            auth::TokenOptions to;
            to.audience = auth::audienceFor(o.endpoint);
            o.tokens = auth::makeTokenSource(creds, to);
            o.storageTokens = auth::makeStorageTokenSource(creds, to, o.endpoint);
            if (!info.storageEndpoint.isEmpty()) {
                std::string why;
                o.storageEndpoint = StorageApiEndpoint::parse(info.storageEndpoint.toStdString(), why);
                if (o.storageEndpoint.empty()) throw std::runtime_error(why);
            }
            o.projectId = info.project.isEmpty() ? creds.projectId() : info.project.toStdString();
            if (creds.user) o.quotaProject = creds.user->quotaProjectId;
            if (o.projectId.empty()) throw std::runtime_error("no project: name the project this connection works in");
            auto s = std::make_shared<Session>();
            s->label = info.name;
            s->url = QString::fromStdString(o.endpoint.baseUrl);
            s->project = o.projectId;
            if (info.byteCap > 0) s->byteCap = info.byteCap;
            s->location = info.location.toStdString();
            s->client = std::make_shared<BigQueryClient>(o);
            s->runner = std::make_shared<QueryRunner>(*s->client);
            s->client->listDatasets(s->project, {}, 1, &cancel); // signs in and checks access now
            session = s;
        } catch (const ApiError& e) {
            error = QObject::tr("%1 answered: %2").arg(info.name, QString::fromStdString(e.message()));
        } catch (const std::exception& e) {
            error = QString::fromUtf8(e.what());
        }
        onGui([done, session, error, ctx] {
            if (ctx) done(session, error);
        });
    });
}

} // namespace quarry
