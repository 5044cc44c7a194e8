// SPDX-License-Identifier: MIT
#pragma once

#include "editor/QueryTab.h"

#include <QMainWindow>
#include <QStack>
#include <memory>

class QComboBox;
class QDialog;
class QLabel;
class QMimeData;
class QDragEnterEvent;
class QDragMoveEvent;
class QDropEvent;
class QTabWidget;
class QTableView;
class QTreeView;

namespace quarry {

class ConnectionStore;
class JobsModel;
class CostWindow;
class PlanView;
class ProjectJobsWindow;
class SandboxHost;
class SchemaCache;
class SchemaModel;
class TabStore;
struct Session;

/// The main window: the schema tree on the left, query tabs in the centre (each with its
/// results below the editor), the connection in the status bar. With no Google connection
/// set up it runs on the embedded sandbox. Tabs are autosaved as they are typed and come back
/// after a restart or a crash; layout and geometry are remembered.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    QTabWidget* tabs() const { return tabs_; }
    QueryTab* currentTab() const;
    QueryTab* tabAt(int i) const;
    SchemaModel* schemaModel() const { return schema_; }
    JobsModel* jobsModel() const { return jobs_; }
    /// Opens (or raises) the "Project jobs" window (Query menu, Ctrl+Shift+J).
    ProjectJobsWindow* showProjectJobs();
    /// Opens (or raises) the "Cost" window (Query menu, Ctrl+Shift+K).
    CostWindow* showCost();
    ConnectionStore* connections() const { return connections_; }
    QComboBox* connectionBox() const { return connectionBox_; }
    /// Switches to a saved connection ("" for the local sandbox); reports through the status bar.
    void useConnection(const QString& id);
    /// Opens the dialog that adds a connection (what "Add a connection..." does).
    QDialog* addConnection();
    QTreeView* schemaTree() const { return tree_; }
    TabStore* tabStore() const { return store_; }
    std::shared_ptr<Session> session() const { return session_; }

    /// Opens a new tab with `text`; returns it.
    QueryTab* newTab(const QString& text = {}, const QString& title = {});
    void closeTab(int index);
    void reopenClosedTab();
    /// Opens a .sql file in a new tab (read on a worker), or shows the tab that has it open.
    void openSqlFile(const QString& path);
    void openSqlFileDialog();
    /// Saves a tab to its file; with `ask` (or no file yet) asks where first.
    void saveTab(int index, bool ask);
    void renameTab(int index, const QString& title);
    void renameTabDialog(int index);
    QueryTab* duplicateTab(int index);
    /// Opens the execution plan of the job in the jobs panel's row (read with jobs.get on a
    /// worker); the view's loaded() fires when it is shown.
    PlanView* showPlan(int row);
    /// A new tab showing the table's first rows (tabledata.list: free).
    QueryTab* previewTable(const TableRef& table);
    /// Asks (dialogs::confirm), then deletes a table on a worker; tableDeleted() tells the outcome.
    void deleteTable(const TableRef& table);
    /// The .sql files among dropped URLs.
    static QStringList sqlFiles(const QMimeData* mime);
    /// Opens the upload dialog for each file, targeting `dataset` (and `table`, if given).
    void uploadFiles(const QStringList& files, const QString& dataset, const QString& table = {});
    /// The JSON/NDJSON files among dropped URLs (others are ignored).
    static QStringList uploadableFiles(const QMimeData* mime);

signals:
    /// The connection is up (the sandbox started) and the tabs are restored.
    void ready();
    void tableDeleted(const QString& name, const QString& error);

protected:
    void closeEvent(QCloseEvent* e) override;
    void dragEnterEvent(QDragEnterEvent* e) override;
    void dragMoveEvent(QDragMoveEvent* e) override;
    void dropEvent(QDropEvent* e) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void buildActions();
    void onTabsLoaded(const QList<TabState>& tabs);
    QueryTab* addTab(const TabState& state);
    void scheduleSave(QueryTab* tab);
    void saveOrder();
    void tabMenu(const QPoint& at);
    QString tabText(QueryTab* tab) const;
    void setSession(std::shared_ptr<Session> s);
    void schemaMenu(const QPoint& at);
    void buildJobsPanel();
    void fillConnectionBox();
    void jobsMenu(const QPoint& at);
    void openJob(int row);
    void maybeReady();
    /// The dataset (and table) a drop at `pos` in the tree's viewport targets.
    std::pair<QString, QString> dropTarget(const QPoint& pos) const;

    QTabWidget* tabs_ = nullptr;
    QTreeView* tree_ = nullptr;
    SchemaModel* schema_ = nullptr;
    SchemaCache* cache_ = nullptr;
    JobsModel* jobs_ = nullptr;
    ConnectionStore* connections_ = nullptr;
    QComboBox* connectionBox_ = nullptr;
    std::shared_ptr<Session> sandboxSession_;
    QString connectionId_; ///< "" = the local sandbox
    QString sandboxNote_;
    QTableView* jobsView_ = nullptr;
    QLabel* connection_ = nullptr;
    SandboxHost* sandbox_ = nullptr;
    TabStore* store_ = nullptr;
    std::shared_ptr<Session> session_;
    QStack<TabState> closed_;
    bool tabsLoaded_ = false;
};

} // namespace quarry
