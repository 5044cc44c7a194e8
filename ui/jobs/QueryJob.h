// SPDX-License-Identifier: MIT
#pragma once

#include "query/History.h"
#include "query/QueryRunner.h"

#include <QObject>
#include <QPointer>
#include <QString>
#include <memory>
#include <optional>

namespace quarry {

class ResultSet;
struct Session;

/// One query run from the GUI: submitted, long-polled and paged on worker threads, never on
/// the GUI thread. Rows go into a ResultSet as pages arrive (the first page at once, the
/// rest when a view asks for more). cancel() cancels the job on the server (jobs.cancel).
///
/// Short query mode (the setting query/shortMode, on by default; not in a BigQuery
/// session): jobs.query with JOB_CREATION_OPTIONAL, so a small query is answered whole with
/// no job, and its rows are kept here for export (the grid holds them as one page, which it
/// never evicts, so no page is asked for again). A
/// job BigQuery makes anyway (LONG_RUNNING, LARGE_RESULTS) is followed as usual and named in
/// the summary with why it was made. Until one is made, cancel() stops the wait, and a job
/// made meanwhile is cancelled on the server as soon as its id is known.
class QueryJob : public QObject {
    Q_OBJECT
public:
    QueryJob(std::shared_ptr<Session> session, ResultSet* rows, QObject* parent = nullptr);
    ~QueryJob() override;

    void start(QueryRequest request);
    /// Shows a table's rows without a query (tabledata.list: free, nothing billed), paged like
    /// a result. Not recorded in the history: no job runs.
    void startPreview(const TableRef& table);
    /// Shows the result of a job that ran before (a restart): follows it if it still runs,
    /// then pages its rows. Not recorded again in the history.
    void reattach(const JobRef& job);
    void cancel();
    bool isRunning() const { return running_; }
    /// The server's job id, once there is one (empty for a query answered without a job).
    QString jobId() const;
    /// The client's id of the run (the history's runId): the same from submit to end.
    QString runId() const { return runId_; }
    /// Whether the last run answered with rows (a job's, or those of a query without one).
    bool hasResult() const { return result_.has_value() || resultRows_ != nullptr; }
    /// The rows of a query answered without a job, whole.
    std::shared_ptr<const RowPage> resultRows() const { return resultRows_; }
    /// The statistics line shown over the grid once the job is done.
    QString summary() const { return summary_; }
    /// The job whose rows are shown, once it succeeded (for exporting all of them).
    std::optional<JobRef> resultJob() const { return result_; }
    /// The BigQuery session the last successful job ran in (empty: none).
    QString bigQuerySession() const { return bigQuerySession_; }

signals:
    void stateChanged(const QString& state);
    void succeeded(const QString& summary);
    /// The job failed or was cancelled; line/column are 1-based, 0 when the error has none.
    void failed(const QString& message, int line, int column);
    /// The job as the history keeps it: once when submitted (RUNNING), once when it ends.
    void recorded(const quarry::HistoryEntry& entry);

private:
    struct Shared;
    /// Cancels a run's state and lets it go: on a worker when this was its last hold and it
    /// has a Read API reader (whose end joins threads).
    static void letGo(std::shared_ptr<Shared> shared);
    void beginRun();
    void fetchNext();
    /// Reads an evicted page of the shown result again (startIndex), for the ResultSet.
    void fetchPage(qulonglong first, qulonglong count);
    static void showOutcome(QPointer<QueryJob> self, QPointer<ResultSet> rows, std::shared_ptr<Shared> shared,
                            std::shared_ptr<Session> session, const QueryOutcome& outcome, const HistoryEntry& entry, bool record);

    std::shared_ptr<Session> session_;
    ResultSet* rows_;
    QueryRequest request_;
    std::shared_ptr<Shared> shared_;
    bool running_ = false;
    QString summary_;
    std::optional<JobRef> result_;
    std::shared_ptr<const RowPage> resultRows_;
    QString runId_;
    QString bigQuerySession_;
};

} // namespace quarry
