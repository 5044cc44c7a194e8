// SPDX-License-Identifier: MIT
#pragma once

#include "bigquery/References.h"
#include "value/RowPage.h"
#include "value/RowWriter.h"

#include <QObject>
#include <QString>
#include <memory>

namespace quarry {

struct Session;

/// Exports every row of a finished job to a file on a worker (core exportResult: all pages,
/// streamed, the file replaced only when complete), reporting progress on the GUI thread. A
/// result answered without a job (short query mode) is written from the rows it came with.
class ExportTask : public QObject {
    Q_OBJECT
public:
    ExportTask(std::shared_ptr<Session> session, JobRef job, QString path, RowFormat format, QObject* parent = nullptr);
    ExportTask(std::shared_ptr<const RowPage> rows, QString path, RowFormat format, QObject* parent = nullptr);
    ~ExportTask() override;
    void start();
    void cancel();
    QString path() const { return path_; }
    /// Whether the rows came through the Storage Read API (known by the time finished() is).
    bool viaReadApi() const { return viaReadApi_; }

signals:
    void progress(quint64 rows, qint64 totalRows, quint64 bytes);
    /// error is empty on success; "cancelled" text when cancelled.
    void finished(const QString& error, quint64 rows, quint64 bytes);

private:
    struct Shared;
    std::shared_ptr<Session> session_;
    JobRef job_;
    std::shared_ptr<const RowPage> rows_;
    QString path_;
    RowFormat format_;
    std::shared_ptr<Shared> shared_;
    bool viaReadApi_ = false;
};

} // namespace quarry
