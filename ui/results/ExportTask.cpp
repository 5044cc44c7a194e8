// SPDX-License-Identifier: MIT
#include "ExportTask.h"

#include "Background.h"
#include "jobs/OnGui.h"
#include "jobs/Session.h"
#include "net/CancelToken.h"
#include "net/HttpClient.h"
#include "query/ResultExport.h"
#ifdef QUARRY_HAS_STORAGE_CLIENT
#include "storageapi/ReadExport.h"
#endif

#include <QPointer>

namespace quarry {

struct ExportTask::Shared {
    CancelToken cancel;
};

ExportTask::ExportTask(std::shared_ptr<Session> session, JobRef job, QString path, RowFormat format, QObject* parent)
    : QObject(parent), session_(std::move(session)), job_(std::move(job)), path_(std::move(path)), format_(format),
      shared_(std::make_shared<Shared>()) {}

ExportTask::ExportTask(std::shared_ptr<const RowPage> rows, QString path, RowFormat format, QObject* parent)
    : QObject(parent), rows_(std::move(rows)), path_(std::move(path)), format_(format), shared_(std::make_shared<Shared>()) {}

ExportTask::~ExportTask() { shared_->cancel.cancel(); }

void ExportTask::cancel() { shared_->cancel.cancel(); }

void ExportTask::start() {
    QPointer<ExportTask> self(this);
    auto shared = shared_;
    auto session = session_;
    const JobRef job = job_;
    const auto whole = rows_;
    const std::filesystem::path dest = path_.toStdString();
    const RowFormat format = format_;
    Background::runWith(this, std::shared_ptr<CancelToken>(shared, &shared->cancel),
                        [self, shared, session, job, whole, dest, format](const CancelToken&) {
        ExportOptions o;
        o.format = format;
        o.cancel = &shared->cancel;
        o.progress = [self](const ExportProgress& p) {
            const auto rows = static_cast<quint64>(p.rows);
            const auto total = static_cast<qint64>(p.totalRows.value_or(-1));
            const auto bytes = static_cast<quint64>(p.bytes);
            onGui([self, rows, total, bytes] {
                if (self) emit self->progress(rows, total, bytes);
            });
        };
        QString error;
        ExportProgress done;
        try {
            if (whole) done = exportRows(*whole, dest, o);
#ifdef QUARRY_HAS_STORAGE_CLIENT
            else // the Read API for a large result, where it is served
                done = storageapi::exportJob(*session->client, job, dest, o, storageapi::ExportApi::Auto, [self](const std::string&) {
                    onGui([self] {
                        if (self) self->viaReadApi_ = true; // posted before finished() is
                    });
                });
#else
            else done = exportResult(*session->client, job, dest, o);
#endif
        } catch (const TransportError& e) {
            error = e.kind() == TransportError::Kind::Cancelled ? tr("Export cancelled; nothing was written.")
                                                                : QString::fromUtf8(e.what());
        } catch (const ApiError& e) {
            error = QString::fromStdString(e.message());
        } catch (const std::exception& e) {
            error = QString::fromUtf8(e.what());
        }
        const auto rows = static_cast<quint64>(done.rows), bytes = static_cast<quint64>(done.bytes);
        onGui([self, error, rows, bytes] {
            if (self) emit self->finished(error, rows, bytes);
        });
    });
}

} // namespace quarry
