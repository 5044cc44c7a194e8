// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <chrono>
#include <vector>

template <typename T> class QFutureWatcher;

namespace quarry {

/// Runs the local sandbox as a child process: `quarry-sandbox` (found next to the app, or
/// named by QUARRY_SANDBOX_BIN) on 127.0.0.1, a free port, and the data folder under the
/// user's app-data directory that a sandbox started by hand uses too (its lock keeps the two
/// apart). Its tables, queries and memory stay out of the GUI process. On first start it
/// creates samples.persons from the bundled sample, through the same REST API every client
/// uses. If the process dies it is started again on the same port (and the owner is told);
/// after three deaths within a minute it is left down. It is stopped when the host is
/// destroyed, and on Linux also when the app dies (the kernel sends it SIGTERM).
class SandboxHost : public QObject {
    Q_OBJECT
public:
    explicit SandboxHost(QObject* parent = nullptr);
    ~SandboxHost() override;

    /// Starts the process; emits ready() or failed(). Returns at once.
    void start();
    QString url() const { return url_; }
    /// The running process's id, or 0.
    qint64 processId() const;

signals:
    /// The first start answered (the sample is in place).
    void ready(const QString& url, const QString& note);
    /// The sandbox could not start, or died too often to be started again.
    void failed(const QString& message);
    /// The sandbox process ended without being asked to; it is being started again.
    void stopped(const QString& message);
    /// The sandbox answers again after stopped(); `url` is usually the one it had.
    void restarted(const QString& url);

private:
    void launch(int port);
    void onOutput();
    void onFinished(int exitCode, QProcess::ExitStatus status);
    void seed();
    QString lastError() const;

    QProcess* process_ = nullptr;
    QString program_, dataDir_, url_;
    QByteArray stdout_, stderr_;
    int port_ = 0;
    bool listening_ = false, everReady_ = false, stopping_ = false, triedFreshPort_ = false;
    std::vector<std::chrono::steady_clock::time_point> deaths_; ///< recent unexpected ends (a crash loop stops restarts)
    QFutureWatcher<QString>* seeding_ = nullptr;
};

} // namespace quarry
