// SPDX-License-Identifier: MIT
#pragma once

#include <QList>
#include <QWidget>
#include <set>

class QLabel;
class QProgressBar;
class QToolButton;
class QPlainTextEdit;
class QTabBar;
class QStackedWidget;
class QTableView;

namespace quarry {

class ChartView;
class ResultModel;
class ResultSet;

/// A result in four views over one ResultSet: the nested grid (records as sub-columns,
/// arrays as sub-rows), the flattened grid, JSON and a chart; with a line of job statistics.
class ResultView : public QWidget {
    Q_OBJECT
public:
    explicit ResultView(QWidget* parent = nullptr);

    ResultSet* resultSet() const { return rows_; }
    QTableView* grid() const { return grid_; }
    QTableView* flatGrid() const { return flat_; }
    ResultModel* gridModel() const { return gridModel_; }
    ResultModel* flatModel() const { return flatModel_; }
    /// The chart view, made when the Chart tab is first shown (null before).
    ChartView* chart() const { return chart_; }
    /// 0 grid, 1 flattened, 2 JSON, 3 chart.
    void showView(int view);
    /// Gives the keyboard focus to the view on show (grid, flattened, JSON or chart).
    void focusContent();
    int currentView() const;
    void setStatus(const QString& text);
    QString status() const;
    /// The selection of the visible grid as TSV (header line first) or as JSON lines.
    QString selectionAsTsv() const;
    /// Whether every selected row is held (see ResultSet's memory budget); if not, says so
    /// in the status line.
    bool selectionLoaded();
    /// The result rows (not display lines) the visible grid's selection touches.
    std::set<qulonglong> selectedTopRows() const;
    QString selectionAsJson() const;

    /// The Export button (enabled when a finished result is shown) and the export's progress.
    QToolButton* exportButton() const { return export_; }
    void setExportable(bool on);
    void showExportProgress(quint64 rows, qint64 totalRows);
    void endExport(const QString& message);
    bool isExporting() const;

signals:
    void exportRequested();
    void exportCancelRequested();

private:
    QTableView* makeGrid(ResultModel* model, bool nestedHeader);
    void refreshJson();
    void fitColumns();
    void fitVisible();
    QTableView* visibleGrid() const;

    ResultSet* rows_;
    ResultModel* gridModel_;
    ResultModel* flatModel_;
    QTabBar* tabs_;
    QStackedWidget* stack_;
    QTableView* grid_;
    QTableView* flat_;
    QPlainTextEdit* json_;
    std::size_t jsonRows_ = 0; ///< rows already in json_
    QList<QTableView*> unfitted_;  ///< grids whose widths wait until they are shown
    ChartView* chart_ = nullptr;
    QLabel* status_;
    QToolButton* export_;
    QProgressBar* exportBar_;
    QToolButton* exportCancel_;
};

} // namespace quarry
