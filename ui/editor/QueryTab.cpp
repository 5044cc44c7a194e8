// SPDX-License-Identifier: MIT
#include "QueryTab.h"

#include "Background.h"
#include "Dialogs.h"
#include "Shortcuts.h"
#include "Completion.h"
#include "FindBar.h"
#include "SqlFiles.h"
#include "SqlFormat.h"
#include "SqlLexer.h"
#include "schema/SchemaCache.h"
#include "jobs/OnGui.h"
#include "jobs/QueryJob.h"
#include "jobs/Session.h"
#include "results/ExportTask.h"
#include "results/ResultView.h"

#include <Qsci/qscicommand.h>
#include <Qsci/qscicommandset.h>
#include <Qsci/qsciscintilla.h>
#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QFileInfo>
#include <QGuiApplication>
#include <QLabel>
#include <QLocale>
#include <QPointer>
#include <QTimer>
#include <QSplitter>
#include <QVBoxLayout>

namespace quarry {
namespace {
constexpr int kErrorIndicator = 8;
constexpr int kErrorAnnotationStyle = 200;
} // namespace

QueryTab::QueryTab(const QString& id, QWidget* parent) : QWidget(parent), id_(id), title_(tr("Query")) {
    editor_ = new QsciScintilla(this);
    editor_->setObjectName(QStringLiteral("sqlEditor"));
    editor_->setAccessibleName(tr("SQL editor"));
    editor_->setUtf8(true);
    editor_->setLexer(new SqlLexer(editor_));
    editor_->setMarginLineNumbers(0, true);
    editor_->setMarginWidth(0, QStringLiteral("00000"));
    editor_->setAutoIndent(true);
    editor_->setIndentationsUseTabs(false);
    editor_->setTabWidth(2);
    editor_->setBraceMatching(QsciScintilla::SloppyBraceMatch);
    editor_->setCaretLineVisible(true);
    editor_->setAnnotationDisplay(QsciScintilla::AnnotationBoxed);
    editor_->indicatorDefine(QsciScintilla::SquiggleLowIndicator, kErrorIndicator);
    editor_->setIndicatorForegroundColor(QColor(0xd0, 0x30, 0x30), kErrorIndicator);

    cost_ = new QLabel(this);
    cost_->setObjectName(QStringLiteral("costMeter"));
    cost_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    cost_->setContentsMargins(6, 2, 6, 2);
    estimateTimer_ = new QTimer(this);
    estimateTimer_->setSingleShot(true);
    estimateTimer_->setInterval(600);
    connect(estimateTimer_, &QTimer::timeout, this, &QueryTab::estimate);
    dialect_ = new QComboBox(this);
    dialect_->setObjectName(QStringLiteral("dialectBox"));
    dialect_->addItems({tr("GoogleSQL"), tr("Legacy SQL")});
    dialect_->setToolTip(tr("The SQL dialect of this tab. A first line of #legacySQL or #standardSQL decides instead."));
    connect(dialect_, &QComboBox::activated, this, [this](int i) { setLegacySql(i == 1); });
    find_ = new FindBar(editor_, this);
    auto* meterRow = new QHBoxLayout;
    meterRow->setContentsMargins(0, 0, 4, 0);
    sessionBox_ = new QCheckBox(tr("Session"), this);
    sessionBox_->setObjectName(QStringLiteral("sessionToggle"));
    sessionBox_->setToolTip(tr("Run this tab's queries in one BigQuery session: temporary tables and variables stay "
                               "from one run to the next. Turning it off or closing the tab ends the session."));
    connect(sessionBox_, &QCheckBox::toggled, this, &QueryTab::setBigQuerySession);
    meterRow->addWidget(cost_, 1);
    meterRow->addWidget(sessionBox_);
    meterRow->addWidget(dialect_);
    auto* top = new QWidget(this);
    auto* topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->setSpacing(0);
    topLayout->addWidget(editor_, 1);
    topLayout->addWidget(find_);
    topLayout->addLayout(meterRow);

    results_ = new ResultView(this);
    connect(results_, &ResultView::exportRequested, this, &QueryTab::exportWithDialog);
    splitter_ = new QSplitter(Qt::Vertical, this);
    splitter_->addWidget(top);
    splitter_->addWidget(results_);
    splitter_->setStretchFactor(0, 2);
    splitter_->setStretchFactor(1, 3);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter_);

    // Ctrl+Enter is the main window's Query > Run: one owner, or Qt finds the shortcut
    // ambiguous and runs nothing.
    auto* cancelAction = new QAction(tr("Cancel"), this);
    cancelAction->setShortcut(QKeySequence(Qt::Key_Escape));
    cancelAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(cancelAction, &QAction::triggered, this, &QueryTab::cancel);
    auto* commentAction = new QAction(tr("Toggle comment"), this);
    commentAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Slash));
    commentAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(commentAction, &QAction::triggered, this, [this] {
        int l0, i0, l1, i1;
        editor_->getSelection(&l0, &i0, &l1, &i1);
        if (l0 < 0) editor_->getCursorPosition(&l0, &i0), l1 = l0;
        bool allCommented = true;
        for (int l = l0; l <= l1; ++l)
            if (!editor_->text(l).trimmed().startsWith(QStringLiteral("--"))) allCommented = false;
        editor_->beginUndoAction();
        for (int l = l0; l <= l1; ++l) {
            const QString t = editor_->text(l);
            if (allCommented) {
                const int at = t.indexOf(QStringLiteral("--"));
                const int n = t.mid(at + 2, 1) == QStringLiteral(" ") ? 3 : 2;
                editor_->setSelection(l, at, l, at + n);
                editor_->removeSelectedText();
            } else {
                editor_->insertAt(QStringLiteral("-- "), l, 0);
            }
        }
        editor_->endUndoAction();
    });
    auto* completeAction = new QAction(tr("Complete"), this);
    completeAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Space));
    completeAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(completeAction, &QAction::triggered, this, &QueryTab::complete);
    auto* findAction = new QAction(tr("Find"), this);
    findAction->setShortcuts(shortcutsFor(QKeySequence::Find, QKeySequence(Qt::CTRL | Qt::Key_F)));
    findAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(findAction, &QAction::triggered, find_, &FindBar::openFind);
    auto* replaceAction = new QAction(tr("Replace"), this);
    replaceAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_H));
    replaceAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(replaceAction, &QAction::triggered, find_, &FindBar::openReplace);
    auto* formatAction = new QAction(tr("Format SQL"), this);
    formatAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F));
    formatAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(formatAction, &QAction::triggered, this, &QueryTab::formatText);
    addActions({cancelAction, commentAction, completeAction, findAction, replaceAction, formatAction});
    freeWindowKeys();
    editor_->installEventFilter(this);
    connect(editor_, &QsciScintilla::SCN_CHARADDED, this, [this](int ch) {
        if (ch == '.') complete();
    });
    connect(editor_, &QsciScintilla::userListActivated, this, [this](int, const QString& text) {
        const long pos = editor_->SendScintilla(QsciScintilla::SCI_GETCURRENTPOS);
        editor_->SendScintilla(QsciScintilla::SCI_SETSEL, static_cast<unsigned long>(completionFrom_), pos);
        editor_->replaceSelectedText(text);
    });

    connect(editor_, &QsciScintilla::textChanged, this, [this] {
        clearMarks();
        dialectChanged();
        if (!file_.isEmpty()) emit titleChanged(title_); // the "modified" mark may change
        ++estimateSerial_; // whatever is on its way describes old text
        if (session_) estimateTimer_->start();
        emit modified();
    });
    connect(editor_, &QsciScintilla::cursorPositionChanged, this, [this] { emit modified(); });
    applyPalette();
}

QueryTab::~QueryTab() { endBigQuerySession(); }

void QueryTab::changeEvent(QEvent* e) {
    QWidget::changeEvent(e);
    if (e->type() == QEvent::PaletteChange) applyPalette();
}

void QueryTab::applyPalette() {
    const QPalette p = palette();
    static_cast<SqlLexer*>(editor_->lexer())->applyPalette(p);
    editor_->setCaretForegroundColor(p.color(QPalette::Text));
    editor_->setCaretLineBackgroundColor(p.color(QPalette::AlternateBase));
    editor_->setMarginsBackgroundColor(p.color(QPalette::Window));
    editor_->setMarginsForegroundColor(p.color(QPalette::Disabled, QPalette::Text));
    editor_->setSelectionBackgroundColor(p.color(QPalette::Highlight));
    editor_->setSelectionForegroundColor(p.color(QPalette::HighlightedText));
    editor_->setMatchedBraceBackgroundColor(p.color(QPalette::Mid));
    editor_->setMatchedBraceForegroundColor(p.color(QPalette::Text));
    editor_->recolor();
}

void QueryTab::setTitle(const QString& title) {
    if (title == title_) return;
    title_ = title;
    emit titleChanged(title_);
    emit modified();
}

void QueryTab::setBigQuerySession(bool on) {
    if (sessionBox_->isChecked() != on) sessionBox_->setChecked(on); // comes back here through toggled
    if (!on) endBigQuerySession();
}

bool QueryTab::bigQuerySessionOn() const { return sessionBox_->isChecked(); }

void QueryTab::endBigQuerySession() {
    if (bqSessionId_.isEmpty()) return;
    if (session_) {
        QueryRequest r;
        r.sql = "CALL BQ.ABORT_SESSION()";
        r.project = session_->project;
        r.location = session_->location;
        r.legacySql = false;
        r.sessionId = bqSessionId_.toStdString();
        auto session = session_;
        // Owned by the application, not the tab: it runs on while the tab closes.
        Background::run(nullptr, [session, r](const CancelToken& cancel) {
            try {
                session->runner->run(r, {}, &cancel);
            } catch (const std::exception&) { // gone already: BigQuery ends idle sessions itself
            }
        });
    }
    bqSessionId_.clear();
    sessionBox_->setToolTip(tr("Run this tab's queries in one BigQuery session: temporary tables and variables stay "
                               "from one run to the next. Turning it off or closing the tab ends the session."));
}

void QueryTab::setSession(std::shared_ptr<Session> session) {
    endBigQuerySession(); // a session belongs to the connection it was started on
    session_ = std::move(session);
    delete job_;
    job_ = nullptr;
    if (!session_) return;
    job_ = new QueryJob(session_, results_->resultSet(), this);
    estimateTimer_->start();
    connect(job_, &QueryJob::recorded, this, &QueryTab::jobRecorded);
    connect(job_, &QueryJob::stateChanged, this, [this](const QString& state) {
        results_->setStatus(tr("%1 \u2026 (Esc cancels)").arg(state.toLower()));
    });
    connect(job_, &QueryJob::succeeded, this, [this](const QString& summary) {
        if (sessionBox_->isChecked() && bqSessionId_.isEmpty() && !job_->bigQuerySession().isEmpty()) {
            bqSessionId_ = job_->bigQuerySession();
            sessionBox_->setToolTip(tr("In BigQuery session %1. Turning this off ends it.").arg(bqSessionId_));
        }
        results_->setStatus(summary);
        results_->setExportable(job_->hasResult()); // a preview has no result to export
        emit runningChanged(false);
    });
    connect(job_, &QueryJob::failed, this, [this](const QString& message, int line, int column) {
        results_->setStatus(message);
        markError(message, line, column);
        emit runningChanged(false);
    });
    connect(job_, &QueryJob::succeeded, this, &QueryTab::modified); // the tab's state names the job now
    // A restored tab shows its last result again, if it ran on this connection.
    if (pendingResult_ && pendingResult_->jobConnection == session_->label) {
        const TabState s = *pendingResult_;
        pendingResult_.reset();
        results_->setStatus(tr("loading the last result \u2026"));
        job_->reattach(JobRef{s.jobProject.toStdString(), s.jobId.toStdString(), s.jobLocation.toStdString()});
        emit runningChanged(true);
    }
}

bool QueryTab::isRunning() const { return job_ && job_->isRunning(); }

void QueryTab::run() {
    if (!job_) {
        results_->setStatus(tr("Not connected yet: the sandbox is still starting."));
        return;
    }
    clearMarks();
    QString sql;
    // The selection itself, not hasSelectedText(): QScintilla updates that flag late, and after
    // select-all and typing it still said "selected" with nothing selected.
    if (const QString selected = editor_->selectedText(); !selected.isEmpty()) {
        int l1, i1;
        editor_->getSelection(&offsetLine_, &offsetIndex_, &l1, &i1);
        sql = selected;
    } else {
        offsetLine_ = offsetIndex_ = 0;
        sql = editor_->text();
    }
    if (sql.trimmed().isEmpty()) {
        results_->setStatus(tr("Nothing to run: the editor is empty."));
        return;
    }
    QueryRequest r;
    r.sql = sql.toStdString();
    // A #legacySQL/#standardSQL first line of the whole text decides; else the tab's choice.
    const auto prefix = QueryRunner::prefixDialect(editor_->text().toStdString());
    r.legacySql = prefix ? prefix : std::optional<bool>(legacy_);
    if (sessionBox_->isChecked()) {
        r.sessionId = bqSessionId_.toStdString();
        r.createSession = bqSessionId_.isEmpty();
    }
    results_->setStatus(tr("submitting \u2026"));
    results_->setExportable(false);
    job_->start(r);
    emit runningChanged(true);
}

void QueryTab::preview(const TableRef& table) {
    if (!job_) {
        results_->setStatus(tr("Not connected yet: the sandbox is still starting."));
        return;
    }
    results_->setStatus(tr("reading the first rows \u2026"));
    results_->setExportable(false);
    job_->startPreview(table);
    emit runningChanged(true);
}

void QueryTab::estimate() {
    const QString sql = editor_->text();
    if (!session_ || sql.trimmed().isEmpty()) {
        cost_->clear();
        return;
    }
    const quint64 serial = ++estimateSerial_;
    QueryRequest r;
    r.sql = sql.toStdString();
    r.project = session_->project;
    r.sessionId = bqSessionId_.toStdString(); // the session's variables and tables are known there
    if (!QueryRunner::prefixDialect(r.sql)) r.legacySql = legacy_;
    auto session = session_;
    QPointer<QueryTab> self(this);
    Background::run(this, [self, serial, session, r](const CancelToken& cancel) {
        QString text, error;
        try {
            const DryRunResult d = session->runner->dryRun(r, &cancel);
            text = tr("This query will process %1 (~$%2)")
                       .arg(formatBytes(d.bytesProcessed))
                       .arg(d.estimatedCostUsd, 0, 'f', d.estimatedCostUsd < 0.01 ? 4 : 2);
            if (session->byteCap && d.bytesProcessed > static_cast<std::uint64_t>(*session->byteCap))
                error = tr("over this connection's cap of %1: it would fail").arg(formatBytes(static_cast<std::uint64_t>(*session->byteCap)));
        } catch (const ApiError& e) {
            error = QString::fromStdString(e.message());
        } catch (const std::exception& e) {
            error = QString::fromUtf8(e.what());
        }
        onGui([self, serial, text, error] {
            if (!self || self->estimateSerial_ != serial) return;
            self->cost_->setStyleSheet(error.isEmpty() ? QString() : QStringLiteral("color: #b02a2a"));
            self->cost_->setText(text.isEmpty() ? error : error.isEmpty() ? text : text + QStringLiteral(" \u2014 ") + error);
        });
    });
}

void QueryTab::setSchemaCache(SchemaCache* cache) {
    cache_ = cache;
    connect(cache_, &SchemaCache::changed, this, [this] {
        if (completionWaiting_) complete();
    });
}

void QueryTab::complete() {
    completionWaiting_ = false;
    if (!cache_) return;
    const QByteArray text = editor_->text().toUtf8();
    const auto cursor = static_cast<std::size_t>(editor_->SendScintilla(QsciScintilla::SCI_GETCURRENTPOS));
    const Completions c = quarry::complete(text.toStdString(), cursor, cache_->catalog());
    if (!c.missing.empty()) {
        completionWaiting_ = true;
        cache_->load(c.missing);
    }
    completionFrom_ = c.replaceFrom;
    lastCompletions_.clear();
    for (const auto& item : c.items) lastCompletions_ << QString::fromStdString(item.text);
    if (lastCompletions_.isEmpty()) return;
    // Scintilla places the list on the screen under the caret and dereferences that screen
    // unchecked: with the caret off every screen (a window partly off the desktop) it crashed.
    const long pos = editor_->SendScintilla(QsciScintilla::SCI_GETCURRENTPOS);
    const QPoint caret(static_cast<int>(editor_->SendScintilla(QsciScintilla::SCI_POINTXFROMPOSITION, 0UL, pos)),
                       static_cast<int>(editor_->SendScintilla(QsciScintilla::SCI_POINTYFROMPOSITION, 0UL, pos)));
    if (!QGuiApplication::screenAt(editor_->viewport()->mapToGlobal(caret))) return;
    editor_->showUserList(1, lastCompletions_);
}

void QueryTab::exportWithDialog() {
    const QString base = title_.isEmpty() ? tr("result") : title_;
    QString filter;
    const QString path = dialogs::saveFileName(this, tr("Export the whole result"), base + QStringLiteral(".csv"),
                                               tr("CSV (*.csv);;Newline-delimited JSON (*.ndjson *.jsonl);;JSON (*.json)"), &filter);
    if (path.isEmpty()) return;
    std::optional<RowFormat> format; // no filter chosen (a test's answer): by the file's extension
    if (filter.isEmpty()) format = std::nullopt;
    else if (filter.startsWith(QStringLiteral("CSV"))) format = RowFormat::Csv;
    else if (filter.startsWith(QStringLiteral("Newline"))) format = RowFormat::NdJson;
    else format = RowFormat::JsonArray;
    exportTo(path, format);
}

void QueryTab::exportTo(const QString& path, std::optional<RowFormat> format) {
    const auto job = job_ ? job_->resultJob() : std::nullopt;
    const auto whole = job_ ? job_->resultRows() : nullptr; // answered without a job
    if ((!job && !whole) || export_) {
        emit exportFinished(export_ ? tr("An export is already running.") : tr("Run a query first: there is no result to export."));
        return;
    }
    const auto byName = rowFormatForPath(path.toStdString());
    const RowFormat f = byName ? *byName : format.value_or(RowFormat::Csv);
    export_ = job ? new ExportTask(session_, *job, path, f, this) : new ExportTask(whole, path, f, this);
    connect(export_, &ExportTask::progress, this, [this](quint64 rows, qint64 total, quint64) {
        results_->showExportProgress(rows, total);
    });
    connect(results_, &ResultView::exportCancelRequested, export_, &ExportTask::cancel);
    connect(export_, &ExportTask::finished, this, [this, f](const QString& error, quint64 rows, quint64 bytes) {
        const QString name = QFileInfo(export_->path()).fileName();
        const QString via = export_->viaReadApi() ? tr(" through the Storage Read API") : QString();
        results_->endExport(error.isEmpty() ? tr("Exported %1 rows (%2) to %3 as %4%5")
                                                  .arg(QLocale().toString(rows), formatBytes(bytes), name,
                                                       QString::fromLatin1(rowFormatName(f).data()).toUpper(), via)
                                            : error);
        export_->deleteLater();
        export_ = nullptr;
        emit exportFinished(error);
    });
    results_->showExportProgress(0, -1);
    export_->start();
}

void QueryTab::freeWindowKeys() {
    // QScintilla's key map claims keys the window and the tab use (Ctrl+T transposes lines,
    // Ctrl+Shift+T copies one); an editor with a binding accepts the ShortcutOverride, so the
    // shortcut never fired while the editor had the focus. The editor gives these up.
    const QKeyCombination keys[] = {
        Qt::CTRL | Qt::Key_T, Qt::CTRL | Qt::SHIFT | Qt::Key_T, Qt::CTRL | Qt::Key_W, Qt::CTRL | Qt::Key_Q,
        Qt::CTRL | Qt::Key_O, Qt::CTRL | Qt::Key_S, Qt::CTRL | Qt::SHIFT | Qt::Key_S, QKeyCombination(Qt::Key_F2),
        QKeyCombination(Qt::Key_F5), QKeyCombination(Qt::Key_F6), Qt::CTRL | Qt::Key_Return, Qt::CTRL | Qt::Key_Enter,
        Qt::CTRL | Qt::Key_Slash, Qt::CTRL | Qt::Key_Space, Qt::CTRL | Qt::Key_F, Qt::CTRL | Qt::Key_H,
        Qt::CTRL | Qt::SHIFT | Qt::Key_F};
    for (const QKeyCombination combination : keys)
        while (QsciCommand* c = editor_->standardCommands()->boundTo(combination.toCombined())) {
            const int key = combination.toCombined();
            if (c->key() == key) c->setKey(0);
            if (c->alternateKey() == key) c->setAlternateKey(0);
        }
}

bool QueryTab::eventFilter(QObject* watched, QEvent* event) {
    // Esc is the editor's own too (it ends its selection modes): while a job runs and no
    // completion list is open, Esc in the editor cancels the job, as everywhere else in the tab.
    if (watched == editor_ && event->type() == QEvent::KeyPress && static_cast<QKeyEvent*>(event)->key() == Qt::Key_Escape &&
        static_cast<QKeyEvent*>(event)->modifiers() == Qt::NoModifier && isRunning() && !editor_->isListActive()) {
        cancel();
        return true;
    }
    return QWidget::eventFilter(watched, event);
}

void QueryTab::switchFocus() {
    if (editor_->hasFocus()) results_->focusContent();
    else editor_->setFocus(Qt::ShortcutFocusReason);
}

void QueryTab::cancel() {
    if (!isRunning()) return;
    results_->setStatus(tr("cancelling \u2026"));
    job_->cancel();
}

void QueryTab::clearMarks() {
    editor_->clearAnnotations();
    editor_->clearIndicatorRange(0, 0, editor_->lines(), 0, kErrorIndicator);
}

void QueryTab::markError(const QString& message, int line, int column) {
    if (line <= 0) return;
    // The position is inside the text that ran: a selection starts elsewhere in the editor.
    const int l = offsetLine_ + line - 1;
    const int i = (line == 1 ? offsetIndex_ : 0) + std::max(0, column - 1);
    if (l >= editor_->lines()) return;
    // Byte index in the line: QScintilla indexes are UTF-8 bytes; BigQuery's columns count
    // characters, so convert through the line's text.
    const QString text = editor_->text(l);
    const int startByte = text.left(i).toUtf8().size();
    int endChar = i;
    while (endChar < text.size() && !text[endChar].isSpace()) ++endChar;
    if (endChar == i) endChar = std::min<int>(i + 1, text.size());
    const int endByte = text.left(endChar).toUtf8().size();
    editor_->fillIndicatorRange(l, startByte, l, std::max(endByte, startByte + 1), kErrorIndicator);
    editor_->annotate(l, message, kErrorAnnotationStyle);
    editor_->SendScintilla(QsciScintilla::SCI_STYLESETFORE, kErrorAnnotationStyle, QColor(0xa0, 0x20, 0x20));
    editor_->SendScintilla(QsciScintilla::SCI_STYLESETBACK, kErrorAnnotationStyle, QColor(0xfd, 0xec, 0xea));
    editor_->setCursorPosition(l, startByte);
    editor_->ensureLineVisible(l);
}

void QueryTab::setLegacySql(bool legacy) {
    if (legacy_ == legacy) return;
    legacy_ = legacy;
    dialectChanged();
    if (session_) estimateTimer_->start();
    emit modified();
}

bool QueryTab::effectiveLegacySql() const {
    return QueryRunner::prefixDialect(editor_->text().toStdString()).value_or(legacy_);
}

void QueryTab::dialectChanged() {
    const auto prefix = QueryRunner::prefixDialect(editor_->text().toStdString());
    const bool legacy = prefix.value_or(legacy_);
    dialect_->setCurrentIndex(legacy ? 1 : 0);
    dialect_->setEnabled(!prefix);
    auto* lexer = static_cast<SqlLexer*>(editor_->lexer());
    if (lexer->isLegacy() != legacy) {
        lexer->setLegacy(legacy);
        editor_->recolor();
    }
}

bool QueryTab::formatText() {
    // The selection itself, not hasSelectedText(): after select-all and typing, QScintilla still
    // said "selected", so Format laid out the empty selection and did nothing (as Run once did).
    const QString selected = editor_->selectedText();
    const bool selection = !selected.isEmpty();
    const QString text = selection ? selected : editor_->text();
    const auto r = formatSql(text.toStdString());
    if (!r.ok) {
        emit message(QString::fromStdString(r.error));
        return false;
    }
    QString out = QString::fromStdString(r.text);
    if (selection && !text.endsWith(QLatin1Char('\n'))) out.chop(1); // keep what follows on its line
    if (out == text) return true;
    int line, index;
    editor_->getCursorPosition(&line, &index);
    editor_->beginUndoAction();
    if (selection) {
        editor_->replaceSelectedText(out);
    } else {
        editor_->selectAll();
        editor_->replaceSelectedText(out);
        editor_->setCursorPosition(std::min(line, editor_->lines() - 1), 0);
    }
    editor_->endUndoAction();
    return true;
}

void QueryTab::setFile(const QString& file, const QString& savedText) {
    file_ = file;
    savedText_ = savedText;
    emit titleChanged(title_);
}

bool QueryTab::isModifiedSinceSave() const { return !file_.isEmpty() && editor_->text() != savedText_; }

void QueryTab::saveTo(const QString& path) {
    const QString text = editor_->text();
    writeSqlFile(path, text, this, [this, path, text](const QString& error) {
        if (error.isEmpty()) {
            setFile(path, text);
            emit message(tr("Saved %1").arg(path));
        } else {
            emit message(error);
        }
        emit saved(error);
        emit modified();
    });
}

TabState QueryTab::state() const {
    TabState s;
    s.id = id_;
    s.title = title_;
    s.text = editor_->text();
    editor_->getCursorPosition(&s.line, &s.index);
    s.file = file_;
    s.legacy = legacy_;
    if (const auto job = job_ ? job_->resultJob() : std::nullopt; job && session_) {
        s.jobProject = QString::fromStdString(job->projectId);
        s.jobId = QString::fromStdString(job->jobId);
        s.jobLocation = QString::fromStdString(job->location);
        s.jobConnection = session_->label;
    } else if (pendingResult_) {
        s.jobProject = pendingResult_->jobProject;
        s.jobId = pendingResult_->jobId;
        s.jobLocation = pendingResult_->jobLocation;
        s.jobConnection = pendingResult_->jobConnection;
    }
    return s;
}

void QueryTab::restore(const TabState& s) {
    title_ = s.title.isEmpty() ? tr("Query") : s.title;
    file_ = s.file;
    legacy_ = s.legacy;
    if (!s.jobId.isEmpty()) pendingResult_ = s;
    {
        const QSignalBlocker block(editor_);
        editor_->setText(s.text);
        editor_->setCursorPosition(s.line, s.index);
    }
    dialectChanged();
    emit titleChanged(title_);
    // What the file holds now tells whether the restored text has unsaved changes.
    if (!file_.isEmpty())
        readSqlFile(file_, this, [this](const QString& text, const QString& error) {
            savedText_ = error.isEmpty() ? text : QString();
            emit titleChanged(title_);
        });
}

} // namespace quarry
