// SPDX-License-Identifier: MIT
#include "SandboxHost.h"

#include "bigquery/BigQueryClient.h"
#include "platform/Folders.h"
#include "platform/System.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFutureWatcher>
#include <QStandardPaths>
#include <QtConcurrent/QtConcurrentRun>


// Resources live in the static quarry_ui library: register them before first use.
static void initQuarryResources() { Q_INIT_RESOURCE(quarry); }

namespace quarry {
namespace {

constexpr int kMaxDeathsPerMinute = 3;
constexpr qsizetype kKeptStderr = 4096;

std::string resourceText(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) throw std::runtime_error("the bundled sample " + path.toStdString() + " is missing");
    return f.readAll().toStdString();
}

// The same folder the standalone quarry-sandbox uses by default, so both see the same data
// (never at the same time: the sandbox locks the folder).
QString defaultDataDir() {
    const auto utf8 = (platform::dataFolder() / "sandbox").u8string();
    return QString::fromUtf8(reinterpret_cast<const char*>(utf8.data()), static_cast<qsizetype>(utf8.size()));
}

// QUARRY_SANDBOX_BIN, else the quarry-sandbox installed (or built) beside the app, else one
// on PATH. Empty when there is none.
QString sandboxProgram() {
    if (const QString named = qEnvironmentVariable("QUARRY_SANDBOX_BIN"); !named.isEmpty()) return named;
    const QString appDir = QCoreApplication::applicationDirPath();
    const QString name = QStringLiteral("quarry-sandbox");
    // Beside the app (Linux, Windows, the build tree); macOS: the bundle's MacOS folder, or
    // the bin folder next to Quarry.app.
    const QStringList dirs = {appDir, appDir + QStringLiteral("/../../../bin")};
    if (const QString beside = QStandardPaths::findExecutable(name, dirs); !beside.isEmpty()) return beside;
    return QStandardPaths::findExecutable(name);
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
    stopping_ = true;
    if (seeding_) seeding_->waitForFinished(); // a few REST calls to a sandbox that is still up
    if (process_ && process_->state() != QProcess::NotRunning) {
        process_->terminate(); // SIGTERM: the sandbox finishes its answers and closes its logs
        if (!process_->waitForFinished(5000)) {
            process_->kill();
            process_->waitForFinished(2000);
        }
    }
}

qint64 SandboxHost::processId() const { return process_ ? process_->processId() : 0; }

void SandboxHost::start() {
    program_ = sandboxProgram();
    dataDir_ = defaultDataDir();
    if (program_.isEmpty()) {
        emit failed(tr("The local sandbox could not start: quarry-sandbox was not found next to Quarry (%1). "
                       "Reinstall Quarry, or set QUARRY_SANDBOX_BIN to its path.")
                        .arg(QDir::toNativeSeparators(QCoreApplication::applicationDirPath())));
        return;
    }
    launch(0);
}

void SandboxHost::launch(int port) {
    if (process_) process_->deleteLater();
    process_ = new QProcess(this);
    listening_ = false;
    stdout_.clear();
    stderr_.clear();
    // Eight jobs at once, as BigQuery runs a tab's query beside the others: two long ones (a
    // slow script, a job a colleague's rule is watching) do not hold up a third tab's query.
    QStringList args = {QStringLiteral("--port"), QString::number(port), QStringLiteral("--data"), dataDir_,
                        QStringLiteral("--workers"), QStringLiteral("8")};
    // Fault injection for demos and tests (e.g. "job:delay=5s:1" makes every job slow enough to
    // cancel); the same spec as quarry-sandbox --faults.
    if (const QString faults = qEnvironmentVariable("QUARRY_SANDBOX_FAULTS"); !faults.isEmpty())
        args << QStringLiteral("--faults") << faults;
#if defined(Q_OS_UNIX)
    // If the app dies without stopping it, the system stops the sandbox too (where it can).
    process_->setChildProcessModifier([] { platform::stopWhenParentDies(); });
#endif
    connect(process_, &QProcess::readyReadStandardOutput, this, &SandboxHost::onOutput);
    connect(process_, &QProcess::readyReadStandardError, this, [this] {
        stderr_ += process_->readAllStandardError();
        if (stderr_.size() > kKeptStderr) stderr_ = stderr_.right(kKeptStderr);
    });
    connect(process_, &QProcess::finished, this, &SandboxHost::onFinished);
    connect(process_, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart) onFinished(-1, QProcess::CrashExit);
    });
    process_->start(program_, args);
}

void SandboxHost::onOutput() {
    const QByteArray more = process_->readAllStandardOutput();
    if (listening_) return; // it prints nothing else
    stdout_ += more;
    const qsizetype end = stdout_.indexOf('\n');
    if (end < 0) return;
    const QString line = QString::fromUtf8(stdout_.left(end)).trimmed();
    const QString prefix = QStringLiteral("listening on ");
    if (!line.startsWith(prefix)) return;
    listening_ = true;
    url_ = line.mid(prefix.size());
    port_ = url_.section(QLatin1Char(':'), -1).toInt();
    triedFreshPort_ = false;
    seed();
}

// Puts the sample in place (once per data folder; later starts only look), then tells the owner.
void SandboxHost::seed() {
    if (seeding_) return;
    seeding_ = new QFutureWatcher<QString>(this);
    connect(seeding_, &QFutureWatcher<QString>::finished, this, [this] {
        const QString note = seeding_->result();
        seeding_->deleteLater();
        seeding_ = nullptr;
        if (stopping_ || !listening_) return;
        if (everReady_) {
            emit restarted(url_);
            return;
        }
        everReady_ = true;
        emit ready(url_, note);
    });
    const QString url = url_;
    seeding_->setFuture(QtConcurrent::run([url] {
        try {
            return seedSamples(url);
        } catch (const std::exception& e) {
            return QObject::tr("the sample could not be created: %1").arg(QString::fromUtf8(e.what()));
        }
    }));
}

QString SandboxHost::lastError() const {
    // The sandbox's last words: "quarry-sandbox: <what went wrong>".
    const QString prefix = QStringLiteral("quarry-sandbox: ");
    const QStringList lines = QString::fromUtf8(stderr_).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
        QString l = it->trimmed();
        if (l == prefix + QStringLiteral("stopped")) continue;
        if (l.startsWith(prefix)) l = l.mid(prefix.size());
        return l;
    }
    return process_ && process_->error() == QProcess::FailedToStart ? process_->errorString() : QString();
}

void SandboxHost::onFinished(int exitCode, QProcess::ExitStatus status) {
    if (stopping_) return;
    const bool wasListening = listening_;
    listening_ = false;
    QString why = lastError();
    if (why.isEmpty())
        why = status == QProcess::CrashExit ? tr("it crashed") : tr("it exited with code %1").arg(exitCode);
    if (!wasListening && !everReady_) {
        emit failed(tr("The local sandbox could not start: %1").arg(why));
        return;
    }
    if (!wasListening && port_ != 0 && !triedFreshPort_) {
        // The old port may be taken by now: once, let the sandbox pick a free one.
        triedFreshPort_ = true;
        launch(0);
        return;
    }
    const auto now = std::chrono::steady_clock::now();
    std::erase_if(deaths_, [now](auto t) { return now - t > std::chrono::minutes(1); });
    deaths_.push_back(now);
    if (static_cast<int>(deaths_.size()) >= kMaxDeathsPerMinute) {
        emit failed(tr("The local sandbox stopped %1 times within a minute and is left stopped: %2. "
                       "Restart Quarry to try again.")
                        .arg(deaths_.size())
                        .arg(why));
        return;
    }
    emit stopped(tr("The local sandbox stopped (%1); restarting it\u2026").arg(why));
    launch(port_);
}

} // namespace quarry
