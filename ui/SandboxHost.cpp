// SPDX-License-Identifier: MIT
#include "SandboxHost.h"

#include "bigquery/BigQueryClient.h"
#include "sandbox/Server.h"

#include <QFile>
#include <QFutureWatcher>
#include <QStandardPaths>
#include <QtConcurrent/QtConcurrentRun>

// Resources live in the static quarry_ui library: register them before first use.
static void initQuarryResources() { Q_INIT_RESOURCE(quarry); }

namespace quarry {
namespace {

struct StartResult {
    std::shared_ptr<sandbox::Server> server;
    QString url, note, error;
};

std::string resourceText(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) throw std::runtime_error("the bundled sample " + path.toStdString() + " is missing");
    return f.readAll().toStdString();
}

// The same folder the standalone quarry-sandbox uses by default, so both see the same data
// (never at the same time: the Store locks the folder).
QString defaultDataDir() {
#if defined(Q_OS_LINUX)
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + QStringLiteral("/quarry/sandbox");
#else
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + QStringLiteral("/Quarry/sandbox");
#endif
}

// Creates samples.persons once, through the REST API (the same path as any client).
QString seedSamples(const QString& url) {
    BigQueryClient::Options o;
    o.endpoint = Endpoint::fromUrl(url.toStdString());
    o.projectId = "sandbox";
    o.retry = RetryPolicy::none();
    BigQueryClient c(o);
    try {
        c.getTable(TableRef{"sandbox", "samples", "persons"});
        return QObject::tr("samples.persons ready");
    } catch (const ApiError& e) {
        if (e.httpStatus() != 404) throw;
    }
    try {
        c.getDataset("sandbox", "samples");
    } catch (const ApiError& e) {
        if (e.httpStatus() != 404) throw;
        c.insertDataset("sandbox", {{"datasetReference", {{"datasetId", "samples"}}},
                                    {"description", "Samples bundled with Quarry"}});
    }
    const auto schema = Json::parse(resourceText(QStringLiteral(":/samples/persons/schema.json")));
    c.insertTable("sandbox", "samples", {{"tableReference", {{"tableId", "persons"}}}, {"schema", schema}});
    Json body = {{"rows", Json::array()}};
    int line = 0;
    const QString text = QString::fromStdString(resourceText(QStringLiteral(":/samples/persons/persons.ndjson")));
    for (const auto& l : text.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        ++line;
        body["rows"].push_back({{"insertId", "persons.ndjson:" + std::to_string(line)}, {"json", Json::parse(l.toStdString())}});
    }
    const auto r = c.insertAll(TableRef{"sandbox", "samples", "persons"}, body.dump());
    if (!r.ok()) return QObject::tr("samples.persons: some sample rows were rejected");
    return QObject::tr("samples.persons created");
}

} // namespace

SandboxHost::SandboxHost(QObject* parent) : QObject(parent) { initQuarryResources(); }

SandboxHost::~SandboxHost() {
    if (server_) server_->stop();
}

void SandboxHost::start() {
    const QString dataDir = defaultDataDir();
    // Fault injection for demos and tests (e.g. "job:delay=5s:1" makes every job slow enough to
    // cancel); the same spec as quarry-sandbox --faults.
    const std::string faults = qEnvironmentVariable("QUARRY_SANDBOX_FAULTS").toStdString();
    auto* watcher = new QFutureWatcher<StartResult>(this);
    connect(watcher, &QFutureWatcher<StartResult>::finished, this, [this, watcher] {
        const StartResult r = watcher->result();
        watcher->deleteLater();
        if (!r.error.isEmpty()) {
            emit failed(r.error);
            return;
        }
        server_ = r.server;
        url_ = r.url;
        emit ready(r.url, r.note);
    });
    watcher->setFuture(QtConcurrent::run([dataDir, faults]() {
        StartResult r;
        try {
            sandbox::Server::Options o;
            o.dataDir = dataDir.toStdString();
            o.faults = faults;
            r.server = std::make_shared<sandbox::Server>(o);
            const int port = r.server->start();
            r.url = QStringLiteral("http://127.0.0.1:%1").arg(port);
            r.note = seedSamples(r.url);
        } catch (const std::exception& e) {
            r.error = QObject::tr("The local sandbox could not start: %1").arg(QString::fromUtf8(e.what()));
            if (r.server) r.server->stop();
            r.server.reset();
        }
        return r;
    }));
}

} // namespace quarry
