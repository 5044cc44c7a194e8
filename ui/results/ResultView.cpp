// SPDX-License-Identifier: MIT
#include "ResultView.h"

#include "ChartView.h"
#include "NestedHeaderView.h"
#include "Shortcuts.h"
#include "ResultModel.h"
#include "ResultSet.h"
#include "value/Display.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QFontDatabase>
#include <climits>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QToolButton>
#include <QStackedWidget>
#include <QTabBar>
#include <QTableView>
#include <QVBoxLayout>
#include <set>

namespace quarry {
namespace {
constexpr std::size_t kJsonRowsShown = 5000;
constexpr int kFitLines = 200; ///< lines measured to fit column widths
}

ResultView::ResultView(QWidget* parent) : QWidget(parent) {
    rows_ = new ResultSet(this);
    rows_->setPinnedRows(kJsonRowsShown); // the JSON view reads them when it is shown
    gridModel_ = new ResultModel(rows_, GridMode::Nested, this);
    flatModel_ = new ResultModel(rows_, GridMode::Flattened, this);
    tabs_ = new QTabBar(this);
    tabs_->setObjectName(QStringLiteral("resultViews"));
    tabs_->addTab(tr("Grid"));
    tabs_->addTab(tr("Flattened"));
    tabs_->addTab(tr("JSON"));
    tabs_->addTab(tr("Chart"));
    tabs_->setDocumentMode(true);
    stack_ = new QStackedWidget(this);
    grid_ = makeGrid(gridModel_, true);
    grid_->setObjectName(QStringLiteral("resultGrid"));
    grid_->setAccessibleName(tr("Result grid"));
    flat_ = makeGrid(flatModel_, false);
    flat_->setObjectName(QStringLiteral("flatGrid"));
    flat_->setAccessibleName(tr("Flattened result"));
    json_ = new QPlainTextEdit(this);
    json_->setObjectName(QStringLiteral("resultJson"));
    json_->setAccessibleName(tr("Result as JSON"));
    json_->setReadOnly(true);
    json_->setLineWrapMode(QPlainTextEdit::NoWrap);
    json_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    stack_->addWidget(grid_);
    stack_->addWidget(flat_);
    stack_->addWidget(json_);
    stack_->addWidget(new QWidget(this)); // the chart, made when it is first shown (start-up cost)
    status_ = new QLabel(this);
    status_->setObjectName(QStringLiteral("resultStatus"));
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    export_ = new QToolButton(this);
    export_->setObjectName(QStringLiteral("exportButton"));
    export_->setText(tr("Export…"));
    export_->setToolTip(tr("Save every row of this result (all pages) as CSV, NDJSON or JSON"));
    export_->setEnabled(false);
    exportBar_ = new QProgressBar(this);
    exportBar_->setObjectName(QStringLiteral("exportProgress"));
    exportBar_->setMaximumWidth(220);
    exportBar_->setTextVisible(true);
    exportBar_->hide();
    exportCancel_ = new QToolButton(this);
    exportCancel_->setObjectName(QStringLiteral("exportCancel"));
    exportCancel_->setText(tr("Cancel export"));
    exportCancel_->hide();
    connect(export_, &QToolButton::clicked, this, &ResultView::exportRequested);
    connect(exportCancel_, &QToolButton::clicked, this, &ResultView::exportCancelRequested);

    auto* top = new QHBoxLayout;
    top->setContentsMargins(0, 0, 0, 0);
    top->addWidget(tabs_);
    top->addStretch(1);
    top->addWidget(status_);
    top->addWidget(exportBar_);
    top->addWidget(exportCancel_);
    top->addWidget(export_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addLayout(top);
    layout->addWidget(stack_, 1);

    connect(tabs_, &QTabBar::currentChanged, this, [this](int i) {
        if (i == 3 && !chart_) {
            chart_ = new ChartView(rows_, this);
            chart_->setObjectName(QStringLiteral("resultChart"));
            QWidget* placeholder = stack_->widget(3);
            stack_->insertWidget(3, chart_);
            stack_->removeWidget(placeholder);
            placeholder->deleteLater();
        }
        stack_->setCurrentIndex(i);
        fitVisible();
        if (i == 2) refreshJson();
    });
    connect(rows_, &ResultSet::wasReset, this, [this] {
        json_->clear();
        jsonRows_ = 0;
        if (currentView() == 2) refreshJson();
    });
    connect(rows_, &ResultSet::rowsAppended, this, [this](int first) {
        if (currentView() == 2) refreshJson();
        if (first == 0) fitColumns();
    });
}

QTableView* ResultView::makeGrid(ResultModel* model, bool nestedHeader) {
    auto* view = new QTableView(this);
    if (nestedHeader) {
        auto* header = new NestedHeaderView(view);
        view->setHorizontalHeader(header);
        // Double-clicking a RECORD shows it whole (JSON in one column) or as its fields again.
        connect(header, &NestedHeaderView::toggleRecord, model, &ResultModel::toggleCollapsed);
    }
    view->setModel(model);
    view->setWordWrap(false);
    view->setAlternatingRowColors(false); // the model alternates whole result rows
    view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 6);
    view->horizontalHeader()->setDefaultSectionSize(140);
    view->horizontalHeader()->setStretchLastSection(false);
    auto* copy = new QAction(tr("Copy as TSV"), view);
    copy->setShortcuts(shortcutsFor(QKeySequence::Copy, QKeySequence(Qt::CTRL | Qt::Key_C)));
    copy->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(copy, &QAction::triggered, this, [this] {
        if (selectionLoaded()) QApplication::clipboard()->setText(selectionAsTsv());
    });
    auto* copyJson = new QAction(tr("Copy rows as JSON"), view);
    copyJson->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    copyJson->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(copyJson, &QAction::triggered, this, [this] {
        if (selectionLoaded()) QApplication::clipboard()->setText(selectionAsJson());
    });
    view->addAction(copy);
    view->addAction(copyJson);
    view->setContextMenuPolicy(Qt::ActionsContextMenu);
    return view;
}

void ResultView::fitColumns() {
    // Fit the first page's widths once, from its first lines, and only for the grid that is
    // shown (the other when it is first shown): measuring every line of a nested page is
    // tens of milliseconds on the GUI thread. A user's later resizing is left alone.
    unfitted_ = {grid_, flat_};
    fitVisible();
}

void ResultView::fitVisible() {
    QTableView* v = currentView() == 1 ? flat_ : currentView() == 0 ? grid_ : nullptr;
    if (!v || !unfitted_.contains(v)) return;
    unfitted_.removeAll(v);
    v->horizontalHeader()->setResizeContentsPrecision(kFitLines);
    v->resizeColumnsToContents();
    for (int c = 0; c < v->model()->columnCount(); ++c)
        v->setColumnWidth(c, std::clamp(v->columnWidth(c) + 12, 60, 360));
}

void ResultView::showView(int view) { tabs_->setCurrentIndex(view); }
int ResultView::currentView() const { return tabs_->currentIndex(); }
void ResultView::setStatus(const QString& text) { status_->setText(text); }
QString ResultView::status() const { return status_->text(); }

void ResultView::setExportable(bool on) { export_->setEnabled(on && !isExporting()); }

bool ResultView::isExporting() const { return !exportBar_->isHidden(); }

void ResultView::showExportProgress(quint64 rows, qint64 totalRows) {
    exportBar_->show();
    exportCancel_->show();
    export_->setEnabled(false);
    if (totalRows > 0) {
        // QProgressBar counts in int: scale to per mille so a billion rows fit.
        exportBar_->setRange(0, 1000);
        exportBar_->setValue(static_cast<int>(std::min<quint64>(1000, rows * 1000 / static_cast<quint64>(totalRows))));
        exportBar_->setFormat(tr("%1 of %2 rows").arg(QLocale().toString(rows), QLocale().toString(totalRows)));
    } else {
        exportBar_->setRange(0, 0);
        exportBar_->setFormat(tr("%1 rows").arg(QLocale().toString(rows)));
    }
}

void ResultView::endExport(const QString& message) {
    exportBar_->hide();
    exportCancel_->hide();
    export_->setEnabled(true);
    setStatus(message);
}

void ResultView::focusContent() {
    if (QWidget* w = stack_->currentWidget()) w->setFocus(Qt::ShortcutFocusReason);
}

QTableView* ResultView::visibleGrid() const { return currentView() == 1 ? flat_ : grid_; }

std::set<qulonglong> ResultView::selectedTopRows() const {
    const QTableView* view = visibleGrid();
    const auto indexes = view->selectionModel() ? view->selectionModel()->selectedIndexes() : QModelIndexList{};
    std::set<qulonglong> tops;
    for (const auto& i : indexes) tops.insert(i.data(ResultModel::TopRowRole).toULongLong());
    return tops;
}

bool ResultView::selectionLoaded() {
    std::size_t missing = 0;
    for (const auto t : selectedTopRows())
        if (!rows_->isLoaded(t)) ++missing;
    if (missing == 0) return true;
    setStatus(tr("Nothing copied: %1 of the selected rows are not held in memory now (scrolled far away). Copy fewer "
                 "rows, or export the result.")
                  .arg(missing));
    return false;
}

QString ResultView::selectionAsTsv() const {
    const QTableView* view = visibleGrid();
    const auto indexes = view->selectionModel() ? view->selectionModel()->selectedIndexes() : QModelIndexList{};
    if (indexes.isEmpty()) return {};
    int r0 = INT_MAX, r1 = -1, c0 = INT_MAX, c1 = -1;
    for (const auto& i : indexes) {
        r0 = std::min(r0, i.row());
        r1 = std::max(r1, i.row());
        c0 = std::min(c0, i.column());
        c1 = std::max(c1, i.column());
    }
    auto clean = [](QString s) {
        s.replace(QLatin1Char('\t'), QLatin1Char(' '));
        s.replace(QLatin1Char('\n'), QLatin1Char(' '));
        return s;
    };
    const auto* m = view->model();
    QStringList lines, header;
    for (int c = c0; c <= c1; ++c) header << clean(m->headerData(c, Qt::Horizontal).toString());
    lines << header.join(QLatin1Char('\t'));
    for (int r = r0; r <= r1; ++r) {
        QStringList cells;
        for (int c = c0; c <= c1; ++c) {
            const auto idx = m->index(r, c);
            cells << (view->selectionModel()->isSelected(idx) ? clean(m->data(idx, Qt::ToolTipRole).toString()) : QString());
        }
        lines << cells.join(QLatin1Char('\t'));
    }
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

QString ResultView::selectionAsJson() const {
    const std::set<qulonglong> tops = selectedTopRows();
    Field root;
    root.type = TypeKind::Struct;
    root.fields = rows_->schema().fields;
    std::string out;
    for (const auto t : tops) {
        if (!rows_->isLoaded(t)) return {}; // see selectionLoaded()
        appendJsonValue(out, rows_->row(t), root);
        out += '\n';
    }
    return QString::fromStdString(out);
}

void ResultView::refreshJson() {
    // Appends only the rows not shown yet, so a page arriving costs that page, not the whole text.
    const std::size_t n = std::min(rows_->rowCount(), kJsonRowsShown);
    if (jsonRows_ >= n) return;
    Field root;
    root.type = TypeKind::Struct;
    root.fields = rows_->schema().fields;
    std::string out;
    for (std::size_t i = jsonRows_; i < n; ++i) { // the first page: never evicted
        appendJsonValue(out, rows_->row(i), root);
        if (i + 1 < n) out += '\n';
    }
    jsonRows_ = n;
    json_->appendPlainText(QString::fromStdString(out));
    if (n == kJsonRowsShown)
        json_->appendPlainText(tr("\u2026 only the first %1 rows are shown here; export the result for all of them").arg(n));
}

} // namespace quarry
