// SPDX-License-Identifier: MIT
#include "QueryJob.h"

#include "Background.h"
#include "OnGui.h"
#include "Session.h"
#include "net/HttpClient.h"
#include "query/ResultPager.h"
#include "results/ResultSet.h"
#ifdef QUARRY_HAS_STORAGE_CLIENT
#include "storageapi/ReadExport.h"
#include "storageapi/ReadSource.h"
#endif

#include <QCoreApplication>
#include <QPointer>
#include <QSettings>
#include <mutex>

namespace quarry {

struct QueryJob::Shared {
    CancelToken cancel;
    std::mutex mutex;
    std::optional<JobRef> job; ///< the server's job, once known (short query mode: maybe never)
    bool cancelAsked = false;  ///< cancel() came before the job's id did
    std::unique_ptr<ResultPager> pager;
#ifdef QUARRY_HAS_STORAGE_CLIENT
    /// Past the first page of a large result, where the Storage Read API is served: the rows
    /// after it, read ahead a little on a thread of its own (else the pager's pages).
    std::unique_ptr<storageapi::ReadSource> reader;
    std::uint64_t delivered = 0, total = 0;
#endif
    // A preview pages through tabledata.list instead of a job's results.
    std::optional<TableRef> table;
    Schema schema;
    std::string token;
};

namespace {
constexpr int kPreviewPageRows = 1000;

/// The run's own token, as the Background task's: cancelled by a new run, by this object's
/// end and by the application's shutdown alike.
template <class Shared>
std::shared_ptr<CancelToken> cancelOf(const std::shared_ptr<Shared>& shared) {
    return {shared, &shared->cancel};
}
} // namespace

namespace {

double msField(const Json& stats, const char* key) {
    const auto it = stats.find(key);
    if (it == stats.end()) return 0;
    if (it->is_string()) return std::stod(it->get<std::string>());
    if (it->is_number()) return it->get<double>();
    return 0;
}

std::int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Fills the end of a history entry from a finished job.
void record(HistoryEntry& e, const QueryOutcome& o) {
    e.endMs = nowMs();
    e.jobId = o.job.jobId;
    e.queryId = o.queryId;
    e.location = o.job.location;
    e.bytesProcessed = o.bytesProcessed;
    e.bytesBilled = o.bytesBilled;
    e.slotMs = o.slotMs;
    e.cacheHit = o.cacheHit;
    if (o.error) {
        e.state = o.error->reason() == "stopped" ? "CANCELLED" : "FAILED";
        e.errorReason = o.error->reason();
        e.errorMessage = o.error->message();
        e.errorLine = o.error->line();
        e.errorColumn = o.error->column();
    } else {
        e.state = "DONE";
    }
}

QString summarize(const QueryOutcome& o) {
    QStringList parts;
    parts << (o.totalRows == 1 ? QObject::tr("1 row") : QObject::tr("%1 rows").arg(o.totalRows));
    parts << QObject::tr("%1 processed").arg(formatBytes(o.bytesProcessed));
    parts << QObject::tr("%1 billed").arg(formatBytes(o.bytesBilled));
    if (o.cacheHit) parts << QObject::tr("cache hit");
    const Json stats = o.jobResource.value("statistics", Json::object());
    const double start = msField(stats, "startTime"), end = msField(stats, "endTime");
    if (start > 0 && end >= start) parts << QObject::tr("%1 s").arg((end - start) / 1000.0, 0, 'f', 2);
    if (o.job.jobId.empty()) parts << QObject::tr("no job (short query)");
    else parts << QString::fromStdString(o.job.jobId);
    if (!o.jobCreationReason.empty() && o.jobCreationReason != "REQUESTED")
        parts << QObject::tr("job made: %1").arg(QString::fromStdString(o.jobCreationReason));
    return parts.join(QStringLiteral(" \u00b7 "));
}

#ifdef QUARRY_HAS_STORAGE_CLIENT
/// A reader of a large result's rows after the `shown` first ones through the Storage Read API
/// (one stream, a few MB read ahead), or null: a small result, no result table, no Read API
/// served, or a session that cannot be opened (the pages go on through getQueryResults).
std::unique_ptr<storageapi::ReadSource> readerAfter(const std::shared_ptr<Session>& session, const QueryOutcome& o, const Schema& schema,
                                                    std::size_t shown) {
    if (o.totalRows < storageapi::kReadApiMinRows) return nullptr;
    const Json d = o.jobResource.value("configuration", Json::object()).value("query", Json::object()).value("destinationTable", Json());
    if (!d.is_object()) return nullptr;
    try {
        const auto at = session->client->storageApi(o.job.projectId);
        if (at.empty()) return nullptr;
        storageapi::ReadSource::Options ro;
        ro.endpoint = storageapi::StorageEndpoint::of(at, session->client);
        ro.table = TableRef{d.value("projectId", ""), d.value("datasetId", ""), d.value("tableId", "")};
        ro.schema = schema;
        ro.streams = 1;
        ro.bufferBytes = 4u << 20;
        ro.offset = static_cast<std::int64_t>(shown);
        return std::make_unique<storageapi::ReadSource>(std::move(ro));
    } catch (const std::exception&) {
        return nullptr;
    }
}
#endif

} // namespace

// On a worker: reads the first page of a finished job and hands it to the GUI thread.
void QueryJob::showOutcome(QPointer<QueryJob> self, QPointer<ResultSet> rows, std::shared_ptr<Shared> shared,
                           std::shared_ptr<Session> session, const QueryOutcome& outcome, const HistoryEntry& entry, bool record) {
    auto holder = std::make_shared<RowPage>();
    std::shared_ptr<const RowPage> whole; // answered without a job: every row, kept
    if (outcome.job.jobId.empty() && outcome.rows) {
        whole = std::make_shared<const RowPage>(*outcome.rows);
        *holder = *whole;
        holder->pageToken.clear();
    } else {
        shared->pager = std::make_unique<ResultPager>(*session->client, outcome.job);
        auto page = shared->pager->next(&shared->cancel);
        if (page) *holder = std::move(*page);
        else holder->schema = outcome.schema;
#ifdef QUARRY_HAS_STORAGE_CLIENT
        if (page && !holder->pageToken.empty()) shared->reader = readerAfter(session, outcome, holder->schema, holder->rows.size());
        shared->delivered = holder->rows.size();
        shared->total = static_cast<std::uint64_t>(std::max<std::int64_t>(0, outcome.totalRows));
#endif
    }
    QString summary = summarize(outcome);
#ifdef QUARRY_HAS_STORAGE_CLIENT
    if (shared->reader) summary += QStringLiteral(" \u00b7 ") + QObject::tr("more rows through the Storage Read API");
#endif
    onGui([self, rows, shared, holder, whole, summary, outcome, entry, record] {
        if (!self || self->shared_ != shared || !rows) return;
        if (record) emit self->recorded(entry);
        rows->reset(holder->schema, outcome.totalRows);
        rows->append(std::move(holder->rows), !holder->pageToken.empty());
        self->running_ = false;
        self->summary_ = summary;
        if (whole) self->resultRows_ = whole;
        else self->result_ = outcome.job;
        self->bigQuerySession_ = QString::fromStdString(outcome.sessionId);
        emit self->succeeded(summary);
    });
}

QueryJob::QueryJob(std::shared_ptr<Session> session, ResultSet* rows, QObject* parent)
    : QObject(parent), session_(std::move(session)), rows_(rows) {
    connect(rows_, &ResultSet::moreRequested, this, &QueryJob::fetchNext);
    connect(rows_, &ResultSet::pageWanted, this, &QueryJob::fetchPage);
}

QueryJob::~QueryJob() {
    // Stops this client's waits; a job still running on the server is left to finish
    // (cancel() is the explicit way to stop it there).
    letGo(std::move(shared_));
}

void QueryJob::letGo(std::shared_ptr<Shared> shared) {
    if (!shared) return;
    shared->cancel.cancel();
    // The last hold of a run's state may be this one, and a Read API reader in it joins its
    // threads when it goes: that is a worker's to wait for, not the GUI thread's.
#ifdef QUARRY_HAS_STORAGE_CLIENT
    if (shared.use_count() == 1 && shared->reader)
        Background::run(nullptr, [s = std::move(shared)](const CancelToken&) mutable { s.reset(); });
#endif
}

void QueryJob::start(QueryRequest request) {
    beginRun();
    // Short query mode: BigQuery decides whether a job is needed, so its id is not ours to
    // choose; the run has its own id for the history and the jobs panel.
    const bool shortMode = QSettings().value(QStringLiteral("query/shortMode"), true).toBool() && request.jobId.empty() &&
                           request.sessionId.empty() && !request.createSession;
    runId_ = QString::fromStdString(request.jobId.empty() ? QueryRunner::newJobId() : request.jobId);
    if (shortMode) request.jobCreationOptional = true;
    else if (request.jobId.empty()) request.jobId = runId_.toStdString();
    if (request.project.empty()) request.project = session_->project;
    if (!request.maximumBytesBilled && session_->byteCap) request.maximumBytesBilled = session_->byteCap;
    if (request.location.empty()) request.location = session_->location;
    {
        // The job's id as soon as it is known: what cancel() stops. One made after cancel()
        // (or after this object went) is cancelled here, on the worker that learns of it.
        std::weak_ptr<Shared> weak = shared_;
        auto session = session_;
        request.onSubmit = [weak, session](const JobRef& job) {
            const auto shared = weak.lock();
            bool stop = !shared;
            if (shared) {
                std::lock_guard lock(shared->mutex);
                shared->job = job;
                stop = shared->cancelAsked || shared->cancel.isCancelled();
            }
            if (stop && !job.jobId.empty()) {
                try {
                    session->client->cancelJob(job);
                } catch (const std::exception&) { // gone or done: nothing to stop
                }
            }
        };
    }
    request_ = request;
    HistoryEntry entry;
    entry.sql = request.sql;
    entry.project = request.project;
    entry.jobId = request.jobId;
    entry.runId = runId_.toStdString();
    entry.state = "RUNNING";
    entry.startMs = nowMs();
    emit recorded(entry);
    QPointer<QueryJob> self(this);
    QPointer<ResultSet> rows(rows_);
    auto shared = shared_;
    auto session = session_;
    Background::runWith(this, cancelOf(shared), [self, rows, shared, session, request, entry](const CancelToken&) mutable {
        auto fail = [&](const QString& message, int line, int column) {
            onGui([self, shared, message, line, column, entry] {
                if (!self || self->shared_ != shared) return;
                self->running_ = false;
                emit self->recorded(entry);
                emit self->failed(message, line, column);
            });
        };
        try {
            const auto outcome = session->runner->run(request, [self, shared](const StateChange& s) {
                const QString state = QString::fromStdString(s.state);
                onGui([self, shared, state] {
                    if (self && self->shared_ == shared) emit self->stateChanged(state);
                });
            }, &shared->cancel);
            record(entry, outcome);
            if (!outcome.ok()) {
                fail(QString::fromStdString(outcome.error->message()), outcome.error->line(), outcome.error->column());
                return;
            }
            showOutcome(self, rows, shared, session, outcome, entry, true);
        } catch (const ApiError& e) {
            entry.endMs = nowMs();
            entry.state = "FAILED";
            entry.errorReason = e.reason();
            entry.errorMessage = e.message();
            entry.errorLine = e.line();
            entry.errorColumn = e.column();
            fail(QString::fromStdString(e.message()), e.line(), e.column());
        } catch (const std::exception& e) {
            entry.endMs = nowMs();
            const bool cancelled = shared->cancel.isCancelled();
            entry.state = cancelled ? "CANCELLED" : "FAILED";
            entry.errorMessage = cancelled ? "cancelled before an answer" : e.what();
            fail(cancelled ? tr("Query cancelled before it was answered.") : QString::fromUtf8(e.what()), 0, 0);
        }
    });
}

QString QueryJob::jobId() const {
    if (shared_) {
        std::lock_guard lock(shared_->mutex);
        if (shared_->job) return QString::fromStdString(shared_->job->jobId);
    }
    return QString::fromStdString(request_.jobId);
}

void QueryJob::beginRun() {
    letGo(std::move(shared_)); // whatever ran before: its answers are dropped
    shared_ = std::make_shared<Shared>();
    running_ = true;
    summary_.clear();
    result_.reset();
    resultRows_.reset();
    rows_->clear();
}

void QueryJob::startPreview(const TableRef& table) {
    beginRun();
    shared_->table = table;
    request_ = {};
    QPointer<QueryJob> self(this);
    QPointer<ResultSet> rows(rows_);
    auto shared = shared_;
    auto session = session_;
    Background::runWith(this, cancelOf(shared), [self, rows, shared, session, table](const CancelToken&) {
        QString error;
        auto holder = std::make_shared<RowPage>();
        try {
            ListRowsOptions o;
            o.maxResults = kPreviewPageRows;
            *holder = session->client->listRows(table, o, nullptr, &shared->cancel);
            shared->schema = holder->schema;
            shared->token = holder->pageToken;
        } catch (const ApiError& e) {
            error = QString::fromStdString(e.message());
        } catch (const std::exception& e) {
            error = QString::fromUtf8(e.what());
        }
        onGui([self, rows, shared, holder, error, table] {
            if (!self || self->shared_ != shared || !rows) return;
            self->running_ = false;
            if (!error.isEmpty()) {
                emit self->failed(error, 0, 0);
                return;
            }
            const qint64 total = holder->totalRows.value_or(static_cast<qint64>(holder->rows.size()));
            rows->reset(holder->schema, total);
            rows->append(std::move(holder->rows), !holder->pageToken.empty());
            self->summary_ = tr("Preview of %1 \u00b7 %2 rows \u00b7 free (tabledata.list, no query)")
                                 .arg(QString::fromStdString(table.projectId + "." + table.datasetId + "." + table.tableId))
                                 .arg(total);
            emit self->succeeded(self->summary_);
        });
    });
}

void QueryJob::reattach(const JobRef& job) {
    beginRun();
    request_ = {};
    request_.project = job.projectId;
    request_.jobId = job.jobId;
    QPointer<QueryJob> self(this);
    QPointer<ResultSet> rows(rows_);
    auto shared = shared_;
    auto session = session_;
    Background::runWith(this, cancelOf(shared), [self, rows, shared, session, job](const CancelToken&) {
        QString error;
        try {
            const auto outcome = session->runner->attach(job, {}, &shared->cancel);
            if (outcome.ok()) {
                showOutcome(self, rows, shared, session, outcome, HistoryEntry{}, false);
                return;
            }
            error = QString::fromStdString(outcome.error->message());
        } catch (const ApiError& e) {
            error = e.httpStatus() == 404 ? tr("The last result (job %1) is gone: run the query again.").arg(QString::fromStdString(job.jobId))
                                          : QString::fromStdString(e.message());
        } catch (const std::exception& e) {
            error = QString::fromUtf8(e.what());
        }
        onGui([self, shared, error] {
            if (!self || self->shared_ != shared) return;
            self->running_ = false;
            emit self->failed(error, 0, 0);
        });
    });
}

void QueryJob::fetchNext() {
    if (shared_ && shared_->table) {
        QPointer<ResultSet> rows(rows_);
        QPointer<QueryJob> self(this);
        auto shared = shared_;
        auto session = session_;
        Background::runWith(this, cancelOf(shared), [self, rows, shared, session](const CancelToken&) {
            try {
                ListRowsOptions o;
                o.maxResults = kPreviewPageRows;
                o.pageToken = shared->token;
                auto holder = std::make_shared<RowPage>(session->client->listRows(*shared->table, o, &shared->schema, &shared->cancel));
                shared->token = holder->pageToken;
                const bool more = !holder->pageToken.empty();
                onGui([self, rows, shared, holder, more] {
                    if (self && self->shared_ == shared && rows) rows->append(std::move(holder->rows), more);
                });
            } catch (const std::exception& e) {
                const QString message = QString::fromUtf8(e.what());
                onGui([self, rows, shared, message] {
                    if (self && self->shared_ == shared && rows) rows->fetchFailed(message);
                });
            }
        });
        return;
    }
    if (!shared_ || !shared_->pager) {
        rows_->fetchFailed(tr("No query is loaded."));
        return;
    }
    QPointer<QueryJob> self(this);
    QPointer<ResultSet> rows(rows_);
    auto shared = shared_;
    auto session = session_;
    Background::runWith(this, cancelOf(shared), [self, rows, shared, session](const CancelToken&) {
        try {
            std::optional<RowPage> page;
            bool more = false;
#ifdef QUARRY_HAS_STORAGE_CLIENT
            if (shared->reader) {
                page = shared->reader->next(&shared->cancel);
                if (page) shared->delivered += page->rows.size();
                more = page && shared->delivered < shared->total;
            } else
#endif
            {
                page = shared->pager->next(&shared->cancel);
                more = page && !page->pageToken.empty();
            }
            auto holder = std::make_shared<RowPage>(page ? std::move(*page) : RowPage{});
            onGui([self, rows, shared, holder, more] {
                if (!self || self->shared_ != shared || !rows) return;
                rows->append(std::move(holder->rows), more);
            });
        } catch (const std::exception& e) {
            const QString message = QString::fromUtf8(e.what());
            onGui([self, rows, shared, message] {
                if (!self || self->shared_ != shared || !rows) return;
                rows->fetchFailed(message);
            });
        }
    });
}

void QueryJob::fetchPage(qulonglong first, qulonglong count) {
    const auto table = shared_ ? shared_->table : std::nullopt;
    const auto job = result_;
    if (!shared_ || (!table && !job)) {
        rows_->restoreFailed(first, tr("No result is loaded."));
        return;
    }
    QPointer<QueryJob> self(this);
    QPointer<ResultSet> rows(rows_);
    auto shared = shared_;
    auto session = session_;
    Background::runWith(this, cancelOf(shared), [self, rows, shared, session, table, job, first, count](const CancelToken&) {
        try {
            auto got = std::make_shared<std::vector<Value>>();
            while (got->size() < count) {
                const std::uint64_t at = first + got->size();
                const int want = static_cast<int>(std::min<std::uint64_t>(count - got->size(), 100000));
                RowPage page;
                if (table) {
                    ListRowsOptions o;
                    o.startIndex = at;
                    o.maxResults = want;
                    page = session->client->listRows(*table, o, &shared->schema, &shared->cancel);
                } else {
                    QueryResultsOptions o;
                    o.startIndex = at;
                    o.maxResults = want;
                    page = session->client->getQueryResults(*job, o, &shared->cancel);
                }
                if (page.rows.empty()) throw std::runtime_error("the server has no rows from " + std::to_string(at) + " any more");
                for (auto& r : page.rows) got->push_back(std::move(r));
            }
            got->resize(count); // a server that sent more than asked
            onGui([self, rows, shared, got, first] {
                if (self && self->shared_ == shared && rows) rows->restore(first, std::move(*got));
            });
        } catch (const std::exception& e) {
            const QString message = QString::fromUtf8(e.what());
            onGui([self, rows, shared, message, first] {
                if (self && self->shared_ == shared && rows) rows->restoreFailed(first, message);
            });
        }
    });
}

void QueryJob::cancel() {
    if (!running_) return;
    JobRef job{request_.project, request_.jobId, {}};
    {
        std::lock_guard lock(shared_->mutex);
        if (shared_->job) job = *shared_->job;
        shared_->cancelAsked = true;
    }
    if (job.jobId.empty()) {
        // Short query mode before any job: stop waiting. If BigQuery made one meanwhile, the
        // worker learns its id (onSubmit) and cancels it there.
        shared_->cancel.cancel();
        return;
    }
    auto session = session_;
    // The running worker sees the job end with "stopped" and reports failed(). The application
    // owns the call: it goes on when the tab (and this object) close right after.
    Background::run(nullptr, [session, job](const CancelToken& stop) {
        try {
            session->runner->cancel(job, &stop);
        } catch (const std::exception&) {
            // The job may not exist yet (cancel right after submit) or be done: nothing to stop.
        }
    });
}

} // namespace quarry
