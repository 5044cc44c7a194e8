// SPDX-License-Identifier: MIT
#pragma once

#include "bigquery/References.h"
#include "query/History.h"
#include "value/RowWriter.h"

#include <QWidget>
#include <memory>
#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QsciScintilla;
class QSplitter;
class QTimer;

namespace quarry {

class ExportTask;
class FindBar;
class QueryJob;
class ResultView;
class SchemaCache;
struct Session;

/// What a tab saves: enough to restore it exactly after a restart or a crash.
struct TabState {
    QString id;    ///< stable file name of the tab's autosave
    QString title;
    QString text;
    int line = 0, index = 0; ///< cursor
    QString file;  ///< the .sql file it was opened from or saved to, if any
    bool legacy = false; ///< legacy SQL (a #legacySQL/#standardSQL first line wins over it)
    /// The job whose result the tab showed, and the connection it ran on: shown again on
    /// restore (BigQuery keeps results for about 24 hours).
    QString jobProject, jobId, jobLocation, jobConnection;
};

/// One query tab: the SQL editor over its results. Ctrl+Enter runs the selection, or the
/// whole text; Escape cancels. A failed query marks its [line:col] in the editor with the
/// message under the line.
class QueryTab : public QWidget {
    Q_OBJECT
public:
    explicit QueryTab(const QString& id, QWidget* parent = nullptr);
    ~QueryTab() override;

    QString id() const { return id_; }
    QString title() const { return title_; }
    void setTitle(const QString& title);
    QsciScintilla* editor() const { return editor_; }
    ResultView* results() const { return results_; }
    QueryJob* job() const { return job_; }
    /// The cost meter under the editor: the dry run's estimate of the text, or its error.
    QLabel* costMeter() const { return cost_; }
    /// Starts a dry run of the editor's text now (normally debounced while typing).
    void estimate();
    /// Where completion finds datasets, tables and schemas (shared by all tabs).
    void setSchemaCache(SchemaCache* cache);
    /// Shows the completion list at the cursor (Ctrl+Space; typing '.' does it too). When a
    /// table's schema is still loading, the list appears once it has arrived.
    void complete();
    /// The names the last completion list offered (what the popup shows).
    QStringList lastCompletions() const { return lastCompletions_; }

    void setSession(std::shared_ptr<Session> session);
    /// Runs this tab's queries in one BigQuery session (the checkbox under the editor):
    /// temporary tables and variables stay from one run to the next. Turning it off, changing
    /// the connection or closing the tab ends the session on the server.
    void setBigQuerySession(bool on);
    bool bigQuerySessionOn() const;
    /// The id of the tab's BigQuery session once a run started it (empty before).
    QString bigQuerySessionId() const { return bqSessionId_; }
    void run();
    /// Shows the first rows of a table (free: tabledata.list, no query).
    void preview(const TableRef& table);
    void cancel();
    /// F6: the keyboard focus goes from the editor to the results, or from anywhere else in
    /// the tab back to the editor.
    void switchFocus();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

public:
    bool isRunning() const;

    TabState state() const;
    void restore(const TabState& s);
    QString file() const { return file_; }
    /// Ties the tab to a .sql file whose saved text is `savedText` (what is on disk now).
    void setFile(const QString& file, const QString& savedText);
    /// The text differs from the file it was opened from or saved to.
    bool isModifiedSinceSave() const;
    /// Saves the text to `path` (atomically, on a worker); saved() tells the outcome.
    void saveTo(const QString& path);

    /// The dialect chosen for this tab, and the one that runs (a first-line prefix wins).
    bool legacySql() const { return legacy_; }
    void setLegacySql(bool legacy);
    bool effectiveLegacySql() const;
    /// Lays out the selection, or the whole text (one undo step); false with a message if the
    /// text cannot be split into tokens.
    bool formatText();
    FindBar* findBar() const { return find_; }
    /// Exports every row of the shown result to `path` on a worker (format from the name, else
    /// `format`); progress shows over the grid; exportFinished() tells the outcome.
    void exportTo(const QString& path, std::optional<RowFormat> format = std::nullopt);
    /// Asks where to save, then exports (the result view's Export button).
    void exportWithDialog();
    /// Marks an error at [line:col] of the text (1-based) with the message under the line.
    void markError(const QString& message, int line, int column);

signals:
    /// Text, cursor or title changed: time to autosave.
    void modified();
    void titleChanged(const QString& title);
    void runningChanged(bool running);
    /// A job of this tab was submitted or ended (for the jobs panel and the history).
    void jobRecorded(const quarry::HistoryEntry& entry);
    /// Saving to a .sql file ended: error is empty when the file is written.
    void saved(const QString& error);
    /// A short message for the status bar.
    void message(const QString& text);
    /// An export ended: error is empty when the file is complete.
    void exportFinished(const QString& error);

protected:
    void changeEvent(QEvent* e) override;

private:
    void freeWindowKeys();
    void applyPalette();
    void clearMarks();
    void dialectChanged();
    /// Ends the tab's BigQuery session on the server (CALL BQ.ABORT_SESSION(), on a worker).
    void endBigQuerySession();

    QString id_, title_, file_;
    QsciScintilla* editor_;
    ResultView* results_;
    QSplitter* splitter_;
    QueryJob* job_ = nullptr;
    ExportTask* export_ = nullptr;
    std::shared_ptr<Session> session_;
    int offsetLine_ = 0, offsetIndex_ = 0; ///< where the run text starts in the editor
    QLabel* cost_;
    QComboBox* dialect_;
    QCheckBox* sessionBox_;
    QString bqSessionId_; ///< the tab's BigQuery session, once a run started it
    FindBar* find_;
    bool legacy_ = false;
    QString savedText_; ///< the file's text as last read or written
    std::optional<TabState> pendingResult_; ///< a restored job to show once connected
    QTimer* estimateTimer_;
    quint64 estimateSerial_ = 0; ///< answers to older texts are dropped
    SchemaCache* cache_ = nullptr;
    bool completionWaiting_ = false;
    std::size_t completionFrom_ = 0;
    QStringList lastCompletions_;
};

} // namespace quarry
