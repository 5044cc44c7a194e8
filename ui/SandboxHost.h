// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QString>
#include <memory>

namespace quarry {
namespace sandbox {
class Server;
}

/// Runs the local sandbox inside the app: started on a worker thread (loading its data folder
/// may take a while), on 127.0.0.1 with a free port and a data folder under the user's
/// app-data directory. On first start it creates samples.persons from the bundled sample,
/// through the same REST API every client uses.
class SandboxHost : public QObject {
    Q_OBJECT
public:
    explicit SandboxHost(QObject* parent = nullptr);
    ~SandboxHost() override;

    /// Starts in the background; emits ready() or failed().
    void start();
    QString url() const { return url_; }

signals:
    void ready(const QString& url, const QString& note);
    void failed(const QString& message);

private:
    std::shared_ptr<sandbox::Server> server_;
    QString url_;
};

} // namespace quarry
