// SPDX-License-Identifier: MIT
#include "MainWindow.h"

#include "Background.h"
#include "Dialogs.h"
#include "Icons.h"
#include "SandboxHost.h"
#include "Shortcuts.h"
#include "connections/ConnectionDialog.h"
#include "connections/ConnectionStore.h"
#include "editor/FindBar.h"
#include "editor/TabStore.h"
#include "jobs/QueryJob.h"
#include "jobs/CostWindow.h"
#include "jobs/JobsModel.h"
#include "jobs/ProjectJobsWindow.h"
#include "jobs/PlanView.h"
#include "jobs/OnGui.h"
#include "jobs/Session.h"
#include "schema/SchemaCache.h"
#include "schema/SchemaModel.h"
#include "upload/UploadDialog.h"

#include <Qsci/qsciscintilla.h>
#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QCloseEvent>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QFileInfo>
#include <QMimeData>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QPointer>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabBar>
#include <QTabWidget>
#include <QTimer>
#include <QToolBar>
#include <QTreeView>
#include <QTableView>
#include <QUuid>

namespace quarry {
namespace {

const char* kWelcome =
    "-- Welcome to Quarry. This tab runs on the local sandbox: no account, no network.\n"
    "-- Ctrl+Enter runs the query, or the selected part of it; Esc cancels.\n"
    "-- Grid shows RECORD fields as sub-columns and ARRAY elements as sub-rows;\n"
    "-- Flattened and JSON show the same rows one click away.\n"
    "SELECT fullName, age, children, citiesLived\n"
    "FROM samples.persons\n"
    "ORDER BY age\n"
    "\n"
    "-- More to try (select a query, then Ctrl+Enter):\n"
    "--   SELECT fullName, c.name AS child, c.age FROM samples.persons, UNNEST(children) AS c WHERE c.age > 6\n"
    "--   SELECT city.place, COUNT(*) AS people FROM samples.persons, UNNEST(citiesLived) AS city GROUP BY 1 ORDER BY 2 DESC\n";

QString tabsDir() { return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/tabs"); }

} // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(QStringLiteral("Quarry"));
    setObjectName(QStringLiteral("mainWindow"));

    tabs_ = new QTabWidget(this);
    tabs_->setObjectName(QStringLiteral("queryTabs"));
    tabs_->setAccessibleName(tr("Query tabs"));
    tabs_->setTabsClosable(true);
    tabs_->setMovable(true);
    tabs_->setDocumentMode(true);
    setCentralWidget(tabs_);
    connect(tabs_, &QTabWidget::tabCloseRequested, this, &MainWindow::closeTab);
    connect(tabs_->tabBar(), &QTabBar::tabMoved, this, &MainWindow::saveOrder);
    tabs_->tabBar()->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(tabs_->tabBar(), &QTabBar::customContextMenuRequested, this, &MainWindow::tabMenu);
    connect(tabs_->tabBar(), &QTabBar::tabBarDoubleClicked, this, &MainWindow::renameTabDialog);

    schema_ = new SchemaModel(this);
    cache_ = new SchemaCache(this);
    tree_ = new QTreeView(this);
    tree_->setObjectName(QStringLiteral("schemaTree"));
    tree_->setAccessibleName(tr("Schema"));
    tree_->setModel(schema_);
    tree_->setDragEnabled(true);
    tree_->setDragDropMode(QAbstractItemView::DragOnly);
    tree_->setUniformRowHeights(true);
    tree_->header()->setStretchLastSection(false);
    tree_->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    tree_->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    tree_->setContextMenuPolicy(Qt::CustomContextMenu);
    tree_->viewport()->installEventFilter(this);
    tree_->viewport()->setAcceptDrops(true); // files dropped on a dataset or table upload there
    setAcceptDrops(true);
    connect(tree_, &QTreeView::customContextMenuRequested, this, &MainWindow::schemaMenu);
    connect(tree_, &QTreeView::doubleClicked, this, [this](const QModelIndex& i) {
        const auto kind = static_cast<SchemaModel::Kind>(i.data(SchemaModel::KindRole).toInt());
        if (kind != SchemaModel::Kind::Table && kind != SchemaModel::Kind::Field && kind != SchemaModel::Kind::View) return;
        if (auto* t = currentTab()) t->editor()->insert(i.siblingAtColumn(0).data(SchemaModel::QualifiedNameRole).toString());
    });
    auto* dock = new QDockWidget(tr("Schema"), this);
    dock->setObjectName(QStringLiteral("schemaDock"));
    dock->setWidget(tree_);
    addDockWidget(Qt::LeftDockWidgetArea, dock);

    buildJobsPanel();

    connection_ = new QLabel(tr("Starting the local sandbox\u2026"), this);
    connection_->setObjectName(QStringLiteral("connectionStatus"));
    statusBar()->addPermanentWidget(connection_);

    buildActions();

    resize(1280, 800);
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    if (!settings.contains(QStringLiteral("window/state"))) resizeDocks({dock}, {300}, Qt::Horizontal);

    store_ = new TabStore(tabsDir(), this);
    connect(store_, &TabStore::loaded, this, &MainWindow::onTabsLoaded);
    connect(store_, &TabStore::writeFailed, this, [this](const QString& m) {
        statusBar()->showMessage(tr("Could not save a tab: %1").arg(m), 10000);
    });
    store_->load();

    // No Google connection is set up yet: work on the local sandbox (a child process).
    sandbox_ = new SandboxHost(this);
    connect(sandbox_, &SandboxHost::ready, this, [this](const QString& url, const QString& note) {
        sandboxSession_ = Session::sandbox(url);
        sandboxNote_ = tr("Local sandbox at %1 \u2014 %2").arg(url, note);
        if (connectionId_.isEmpty()) {
            connection_->setText(sandboxNote_);
            setSession(sandboxSession_);
        }
    });
    // It could not start, or stopped (and is being started again, or left stopped).
    auto sandboxTrouble = [this](const QString& message) {
        sandboxNote_ = message;
        if (connectionId_.isEmpty()) connection_->setText(message);
    };
    connect(sandbox_, &SandboxHost::failed, this, sandboxTrouble);
    connect(sandbox_, &SandboxHost::stopped, this, sandboxTrouble);
    connect(sandbox_, &SandboxHost::restarted, this, [this](const QString& url) {
        const bool moved = !sandboxSession_ || sandboxSession_->url != url;
        if (moved) sandboxSession_ = Session::sandbox(url);
        sandboxNote_ = tr("Local sandbox at %1 \u2014 restarted after it stopped").arg(url);
        if (!connectionId_.isEmpty()) return;
        connection_->setText(sandboxNote_);
        if (moved) setSession(sandboxSession_);
        else schema_->refresh();
    });
    sandbox_->start();
    // The connection used last time, if it was not the sandbox. It is the current one from
    // now on, so the sandbox, starting meanwhile, does not take its place.
    if (const QString last = QSettings().value(QStringLiteral("connection/current")).toString();
        !last.isEmpty() && connections_->find(last)) {
        connectionId_ = last;
        fillConnectionBox();
        useConnection(last);
    }
}

MainWindow::~MainWindow() = default;

void MainWindow::buildActions() {
    auto* file = menuBar()->addMenu(tr("&File"));
    auto* newTabAction = file->addAction(tr("New tab"), this, [this] { newTab(); });
    newTabAction->setShortcuts(shortcutsFor(QKeySequence::AddTab, QKeySequence(Qt::CTRL | Qt::Key_T)));
    auto* reopen = file->addAction(tr("Reopen closed tab"), this, &MainWindow::reopenClosedTab);
    reopen->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_T));
    auto* closeAction = file->addAction(tr("Close tab"), this, [this] { closeTab(tabs_->currentIndex()); });
    closeAction->setShortcuts(shortcutsFor(QKeySequence::Close, QKeySequence(Qt::CTRL | Qt::Key_W)));
    file->addSeparator();
    file->addAction(tr("Open .sql file\u2026"), this, [this] { openSqlFileDialog(); })->setShortcuts(shortcutsFor(QKeySequence::Open, QKeySequence(Qt::CTRL | Qt::Key_O)));
    file->addAction(tr("Save"), this, [this] { saveTab(tabs_->currentIndex(), false); })->setShortcuts(shortcutsFor(QKeySequence::Save, QKeySequence(Qt::CTRL | Qt::Key_S)));
    file->addAction(tr("Save as\u2026"), this, [this] { saveTab(tabs_->currentIndex(), true); })->setShortcuts(shortcutsFor(QKeySequence::SaveAs, QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S)));
    file->addSeparator();
    file->addAction(tr("Rename tab\u2026"), this, [this] { renameTabDialog(tabs_->currentIndex()); })->setShortcut(QKeySequence(Qt::Key_F2));
    file->addAction(tr("Duplicate tab"), this, [this] { duplicateTab(tabs_->currentIndex()); });
    file->addSeparator();
    file->addAction(tr("Quit"), this, &QWidget::close)->setShortcuts(shortcutsFor(QKeySequence::Quit, QKeySequence(Qt::CTRL | Qt::Key_Q)));

    auto* query = menuBar()->addMenu(tr("&Query"));
    auto* run = query->addAction(tr("Run"), this, [this] {
        if (auto* t = currentTab()) t->run();
    });
    run->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)});
    run->setShortcutContext(Qt::WindowShortcut); // not in a dialog over the window
    run->setIcon(icons::icon(icons::Kind::Run));
    auto* cancel = query->addAction(tr("Cancel"), this, [this] {
        if (auto* t = currentTab()) t->cancel();
    });
    cancel->setIcon(icons::icon(icons::Kind::Stop));
    query->addAction(tr("Switch between editor and results"), this, [this] {
        if (auto* t = currentTab()) t->switchFocus();
    })->setShortcut(QKeySequence(Qt::Key_F6));
    query->addSeparator();
    query->addAction(tr("Find\u2026 (Ctrl+F)"), this, [this] {
        if (auto* t = currentTab()) t->findBar()->openFind();
    });
    query->addAction(tr("Replace\u2026 (Ctrl+H)"), this, [this] {
        if (auto* t = currentTab()) t->findBar()->openReplace();
    });
    query->addAction(tr("Format SQL (Ctrl+Shift+F)"), this, [this] {
        if (auto* t = currentTab()) t->formatText();
    });
    auto* legacy = query->addAction(tr("Legacy SQL"));
    legacy->setCheckable(true);
    connect(legacy, &QAction::toggled, this, [this](bool on) {
        if (auto* t = currentTab()) t->setLegacySql(on);
    });
    // Short query mode (QueryJob): small queries are answered without a job; off, every run
    // makes one (its plan, its id in the history, its result again after a restart).
    auto* shortMode = query->addAction(tr("Short queries without a job"));
    shortMode->setObjectName(QStringLiteral("shortQueryMode"));
    shortMode->setCheckable(true);
    shortMode->setChecked(QSettings().value(QStringLiteral("query/shortMode"), true).toBool());
    connect(shortMode, &QAction::toggled, this, [](bool on) { QSettings().setValue(QStringLiteral("query/shortMode"), on); });
    connect(query, &QMenu::aboutToShow, this, [this, legacy] {
        auto* t = currentTab();
        const QSignalBlocker b(legacy);
        legacy->setEnabled(t != nullptr);
        legacy->setChecked(t && t->effectiveLegacySql());
    });
    query->addSeparator();
    query->addAction(tr("Project jobs\u2026"), this, [this] { showProjectJobs(); })->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_J));
    query->addAction(tr("Cost\u2026"), this, [this] { showCost(); })->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_K));
    auto* refresh = query->addAction(tr("Refresh schema"), this, [this] { schema_->refresh(); });
    refresh->setShortcuts(shortcutsFor(QKeySequence::Refresh, QKeySequence(Qt::Key_F5)));
    refresh->setIcon(icons::icon(icons::Kind::Refresh));

    auto* bar = addToolBar(tr("Query"));
    bar->setObjectName(QStringLiteral("queryToolBar"));
    connections_ = new ConnectionStore(this);
    connectionBox_ = new QComboBox(this);
    connectionBox_->setObjectName(QStringLiteral("connectionBox"));
    connectionBox_->setMinimumContentsLength(18);
    connectionBox_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    fillConnectionBox();
    connect(connectionBox_, &QComboBox::activated, this, [this](int i) {
        const QString id = connectionBox_->itemData(i).toString();
        if (id != QStringLiteral("+")) {
            useConnection(id);
            return;
        }
        fillConnectionBox(); // back to the current one while the dialog is open
        addConnection();
    });
    connect(connections_, &ConnectionStore::changed, this, &MainWindow::fillConnectionBox);
    bar->addWidget(connectionBox_);
    bar->addSeparator();
    bar->addAction(run);
    bar->addAction(cancel);
    bar->addSeparator();
    bar->addAction(refresh);
    newTabAction->setIcon(icons::icon(icons::Kind::NewTab));
    bar->addAction(newTabAction);
}

ProjectJobsWindow* MainWindow::showProjectJobs() {
    // Every user's jobs of the connection's project, with cancel and a watch rule.
    auto* win = findChild<ProjectJobsWindow*>();
    if (!win) win = new ProjectJobsWindow([this] { return session_; }, this);
    win->show();
    win->raise();
    win->activateWindow();
    return win;
}

CostWindow* MainWindow::showCost() {
    auto* win = findChild<CostWindow*>();
    if (!win) win = new CostWindow([this] { return session_; }, [this] { return connectionId_; }, this);
    win->show();
    win->raise();
    win->activateWindow();
    return win;
}

QueryTab* MainWindow::currentTab() const { return qobject_cast<QueryTab*>(tabs_->currentWidget()); }
QueryTab* MainWindow::tabAt(int i) const { return qobject_cast<QueryTab*>(tabs_->widget(i)); }

void MainWindow::onTabsLoaded(const QList<TabState>& tabs) {
    for (const auto& s : tabs) addTab(s);
    if (tabs.isEmpty()) newTab(QString::fromUtf8(kWelcome), tr("Welcome"));
    tabs_->setCurrentIndex(0);
    tabsLoaded_ = true;
    maybeReady();
}

void MainWindow::setSession(std::shared_ptr<Session> s) {
    session_ = std::move(s);
    schema_->setSession(session_);
    cache_->setSession(session_);
    tree_->expand(schema_->index(0, 0));
    for (int i = 0; i < tabs_->count(); ++i)
        if (auto* t = tabAt(i)) t->setSession(session_);
    maybeReady();
}

void MainWindow::maybeReady() {
    if (tabsLoaded_ && session_) emit ready();
}

void MainWindow::schemaMenu(const QPoint& at) {
    const QModelIndex i = tree_->indexAt(at).siblingAtColumn(0);
    if (!i.isValid()) return;
    const auto kind = static_cast<SchemaModel::Kind>(i.data(SchemaModel::KindRole).toInt());
    const QString name = i.data(SchemaModel::QualifiedNameRole).toString();
    QMenu menu(this);
    const bool table = kind == SchemaModel::Kind::Table || kind == SchemaModel::Kind::View;
    const TableRef ref = table && session_ ? TableRef::parse(name.toStdString(), session_->project) : TableRef{};
    if (table)
        menu.addAction(tr("Query this table"), this, [this, name] {
            newTab(QStringLiteral("SELECT *\nFROM %1\nLIMIT 100\n").arg(name))->run();
        });
    if (kind == SchemaModel::Kind::Table)
        menu.addAction(tr("Preview (free, no query)"), this, [this, ref] { previewTable(ref); });
    if (kind == SchemaModel::Kind::Table || kind == SchemaModel::Kind::Dataset)
        menu.addAction(tr("Upload files into\u2026"), this, [this, at] {
            const QStringList files = dialogs::openFileNames(this, tr("Upload JSON files"),
                                                             tr("JSON (*.json *.ndjson *.jsonl *.json.gz *.ndjson.gz *.jsonl.gz)"));
            if (files.isEmpty()) return;
            const auto [dataset, tableName] = dropTarget(at);
            uploadFiles(files, dataset, tableName);
        });
    if (!name.isEmpty()) menu.addAction(tr("Copy name"), this, [name] { QApplication::clipboard()->setText(name); });
    menu.addAction(tr("Refresh"), this, [this, i] { schema_->refresh(i); });
    if (table) {
        menu.addSeparator();
        menu.addAction(tr("Delete %1\u2026").arg(kind == SchemaModel::Kind::View ? tr("view") : tr("table")), this,
                       [this, ref] { deleteTable(ref); });
    }
    menu.exec(tree_->viewport()->mapToGlobal(at));
}

void MainWindow::fillConnectionBox() {
    const QSignalBlocker block(connectionBox_);
    connectionBox_->clear();
    connectionBox_->addItem(tr("Local sandbox"), QString());
    for (const auto& c : connections_->list()) connectionBox_->addItem(c.name, c.id);
    connectionBox_->addItem(tr("Add a connection\u2026"), QStringLiteral("+"));
    const int at = connectionBox_->findData(connectionId_);
    connectionBox_->setCurrentIndex(at < 0 ? 0 : at);
}

QDialog* MainWindow::addConnection() {
    auto* d = new ConnectionDialog(connections_, this);
    d->setAttribute(Qt::WA_DeleteOnClose);
    connect(d, &ConnectionDialog::connected, this, [this](const ConnectionInfo& info, std::shared_ptr<Session> s) {
        connectionId_ = info.id;
        QSettings().setValue(QStringLiteral("connection/current"), info.id);
        fillConnectionBox();
        connection_->setText(tr("%1 \u2014 project %2").arg(info.name, QString::fromStdString(s->project)));
        setSession(s);
    });
    d->show();
    return d;
}

void MainWindow::useConnection(const QString& id) {
    if (id.isEmpty()) {
        connectionId_.clear();
        QSettings().setValue(QStringLiteral("connection/current"), QString());
        fillConnectionBox();
        if (sandboxSession_) {
            connection_->setText(sandboxNote_);
            setSession(sandboxSession_);
        }
        return;
    }
    const auto info = connections_->find(id);
    if (!info) return;
    connection_->setText(tr("Connecting to %1\u2026").arg(info->name));
    QPointer<MainWindow> self(this);
    auto open = [self, info = *info](const QByteArray& secret) {
        openConnection(self, info, secret, [self, info](std::shared_ptr<Session> s, QString error) {
            if (!self) return;
            if (!s) {
                self->connection_->setText(tr("%1: %2").arg(info.name, error));
                if (!self->session_) { // nothing open yet (start-up): the sandbox it is
                    self->connectionId_.clear();
                    if (self->sandboxSession_) self->setSession(self->sandboxSession_);
                }
                self->fillConnectionBox(); // stays on the previous connection
                return;
            }
            self->connectionId_ = info.id;
            QSettings().setValue(QStringLiteral("connection/current"), info.id);
            self->fillConnectionBox();
            self->connection_->setText(tr("%1 \u2014 project %2").arg(info.name, QString::fromStdString(s->project)));
            self->setSession(s);
        });
    };
    if (info->kind != ConnectionInfo::Kind::KeyFile) {
        open({});
        return;
    }
    connections_->readSecret(id, [self, open, info = *info](QByteArray secret, QString error) {
        if (!self) return;
        if (!error.isEmpty()) {
            self->connection_->setText(tr("%1: %2").arg(info.name, error));
            if (!self->session_) {
                self->connectionId_.clear();
                if (self->sandboxSession_) self->setSession(self->sandboxSession_);
                self->fillConnectionBox();
            }
            return;
        }
        open(secret);
    });
}

void MainWindow::buildJobsPanel() {
    jobs_ = new JobsModel(this);
    jobsView_ = new QTableView(this);
    jobsView_->setObjectName(QStringLiteral("jobsView"));
    jobsView_->setAccessibleName(tr("Jobs"));
    jobsView_->setModel(jobs_);
    jobsView_->setSelectionBehavior(QAbstractItemView::SelectRows);
    jobsView_->verticalHeader()->hide();
    jobsView_->horizontalHeader()->setStretchLastSection(false);
    jobsView_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    jobsView_->horizontalHeader()->setSectionResizeMode(JobsModel::Query, QHeaderView::Stretch);
    jobsView_->setContextMenuPolicy(Qt::CustomContextMenu);
    jobsView_->setWordWrap(false);
    connect(jobsView_, &QTableView::customContextMenuRequested, this, &MainWindow::jobsMenu);
    connect(jobsView_, &QTableView::doubleClicked, this, [this](const QModelIndex& i) { openJob(i.row()); });
    auto* dock = new QDockWidget(tr("Jobs"), this);
    dock->setObjectName(QStringLiteral("jobsDock"));
    dock->setWidget(jobsView_);
    addDockWidget(Qt::BottomDockWidgetArea, dock);
    resizeDocks({dock}, {150}, Qt::Vertical);
    QPointer<MainWindow> self(this);
    Background::run(this, [self](const CancelToken&) {
        std::vector<HistoryEntry> entries;
        try {
            entries = History(History::defaultPath()).load();
        } catch (const std::exception&) {
        }
        if (entries.size() > 500) entries.erase(entries.begin(), entries.end() - 500);
        onGui([self, entries] {
            if (self) self->jobs_->addHistory(entries);
        });
    });
}

void MainWindow::openJob(int row) {
    if (row < 0 || row >= jobs_->rowCount()) return;
    const HistoryEntry e = jobs_->entry(row);
    auto* tab = newTab(QString::fromStdString(e.sql), tr("Job %1").arg(QString::fromStdString(e.jobId).right(6)));
    if (e.errorLine > 0) tab->markError(QString::fromStdString(e.errorMessage), e.errorLine, e.errorColumn);
}

PlanView* MainWindow::showPlan(int row) {
    if (row < 0 || row >= jobs_->rowCount() || !session_) return nullptr;
    const HistoryEntry e = jobs_->entry(row);
    auto* view = new PlanView(this);
    view->setAttribute(Qt::WA_DeleteOnClose);
    view->show();
    auto session = session_;
    const JobRef job{e.project.empty() ? session->project : e.project, e.jobId, e.location};
    QPointer<PlanView> target(view);
    Background::run(view, [session, job, target](const CancelToken& cancel) {
        nlohmann::json resource;
        QString error;
        try {
            resource = session->client->getJob(job, &cancel);
        } catch (const ApiError& ex) {
            error = QString::fromStdString(ex.message());
        } catch (const std::exception& ex) {
            error = QString::fromUtf8(ex.what());
        }
        onGui([target, resource, error] {
            if (!target) return;
            if (error.isEmpty()) target->setJob(resource);
            else target->setError(error);
        });
    });
    return view;
}

void MainWindow::jobsMenu(const QPoint& at) {
    const QModelIndex i = jobsView_->indexAt(at);
    if (!i.isValid()) return;
    const HistoryEntry e = jobs_->entry(i.row());
    QMenu menu(this);
    menu.addAction(tr("Open in a new tab"), this, [this, i] { openJob(i.row()); });
    if (e.state == "RUNNING")
        menu.addAction(tr("Cancel the job"), this, [this, e] {
            for (int t = 0; t < tabs_->count(); ++t)
                if (auto* tab = tabAt(t); tab && tab->job() && tab->job()->runId().toStdString() == e.runId) tab->cancel();
        });
    if (e.state == "DONE" && !e.dryRun && !e.jobId.empty())
        menu.addAction(tr("Show the execution plan"), this, [this, i] { showPlan(i.row()); });
    if (!e.jobId.empty()) menu.addAction(tr("Copy job id"), this, [e] { QApplication::clipboard()->setText(QString::fromStdString(e.jobId)); });
    else if (!e.queryId.empty())
        menu.addAction(tr("Copy query id"), this, [e] { QApplication::clipboard()->setText(QString::fromStdString(e.queryId)); });
    menu.exec(jobsView_->viewport()->mapToGlobal(at));
}

QStringList MainWindow::sqlFiles(const QMimeData* mime) {
    QStringList files;
    if (!mime || !mime->hasUrls()) return files;
    for (const QUrl& u : mime->urls())
        if (u.isLocalFile() && u.toLocalFile().toLower().endsWith(QStringLiteral(".sql")) && QFileInfo(u.toLocalFile()).isFile())
            files << u.toLocalFile();
    return files;
}

QStringList MainWindow::uploadableFiles(const QMimeData* mime) {
    QStringList files;
    if (!mime || !mime->hasUrls()) return files;
    for (const QUrl& u : mime->urls()) {
        if (!u.isLocalFile()) continue;
        const QString f = u.toLocalFile();
        const QString lower = f.toLower();
        for (const auto* ext : {".json", ".ndjson", ".jsonl", ".json.gz", ".ndjson.gz", ".jsonl.gz"})
            if (lower.endsWith(QLatin1String(ext)) && QFileInfo(f).isFile()) {
                files << f;
                break;
            }
    }
    return files;
}

QueryTab* MainWindow::previewTable(const TableRef& table) {
    QueryTab* tab = newTab(QStringLiteral("SELECT *\nFROM `%1.%2.%3`\nLIMIT 100\n")
                               .arg(QString::fromStdString(table.projectId), QString::fromStdString(table.datasetId),
                                    QString::fromStdString(table.tableId)),
                           QString::fromStdString(table.tableId));
    tab->preview(table);
    return tab;
}

void MainWindow::deleteTable(const TableRef& table) {
    if (!session_) return;
    const QString name = QString::fromStdString(table.projectId + "." + table.datasetId + "." + table.tableId);
    if (!dialogs::confirm(this, tr("Delete table"), tr("Delete %1 and all its rows? This cannot be undone.").arg(name))) return;
    auto session = session_;
    QPointer<MainWindow> self(this);
    Background::run(this, [self, session, table, name](const CancelToken& cancel) {
        QString error;
        try {
            session->client->deleteTable(table, &cancel);
        } catch (const ApiError& e) {
            error = QString::fromStdString(e.message());
        } catch (const std::exception& e) {
            error = QString::fromUtf8(e.what());
        }
        onGui([self, error, name] {
            if (!self) return;
            self->statusBar()->showMessage(error.isEmpty() ? tr("Deleted %1").arg(name) : tr("%1 was not deleted: %2").arg(name, error), 10000);
            if (error.isEmpty()) self->schema_->refresh();
            emit self->tableDeleted(name, error);
        });
    });
}

std::pair<QString, QString> MainWindow::dropTarget(const QPoint& pos) const {
    QModelIndex i = tree_->indexAt(pos).siblingAtColumn(0);
    if (!i.isValid()) i = tree_->currentIndex().siblingAtColumn(0);
    QString dataset, table;
    while (i.isValid()) {
        const auto kind = static_cast<SchemaModel::Kind>(i.data(SchemaModel::KindRole).toInt());
        if (kind == SchemaModel::Kind::Table) table = i.data().toString();
        if (kind == SchemaModel::Kind::Dataset) {
            dataset = i.data().toString();
            break;
        }
        i = i.parent();
    }
    if (dataset.isEmpty()) dataset = QStringLiteral("uploads");
    return {dataset, table};
}

void MainWindow::uploadFiles(const QStringList& files, const QString& dataset, const QString& table) {
    if (!session_) {
        statusBar()->showMessage(tr("Not connected yet: drop the file again once the sandbox is up."), 8000);
        return;
    }
    for (const QString& f : files) {
        auto* d = new UploadDialog(session_, f, dataset, files.size() == 1 ? table : QString(), this);
        d->setAttribute(Qt::WA_DeleteOnClose);
        connect(d, &UploadDialog::finished, this, [this](bool, const QString& ds) {
            // Reload the dataset (or the project, for a dataset the upload created).
            const QModelIndex project = schema_->index(0, 0);
            const QModelIndex found = schema_->find(project, ds);
            const QModelIndex at = found.isValid() ? found : project;
            schema_->refresh(at);
            if (schema_->canFetchMore(at)) schema_->fetchMore(at);
            tree_->expand(at);
        });
        d->show();
    }
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
    if (!uploadableFiles(e->mimeData()).isEmpty() || !sqlFiles(e->mimeData()).isEmpty()) e->acceptProposedAction();
}

void MainWindow::dragMoveEvent(QDragMoveEvent* e) {
    if (!uploadableFiles(e->mimeData()).isEmpty() || !sqlFiles(e->mimeData()).isEmpty()) e->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* e) {
    for (const QString& f : sqlFiles(e->mimeData())) openSqlFile(f);
    const QStringList files = uploadableFiles(e->mimeData());
    if (files.isEmpty()) return;
    e->acceptProposedAction();
    const auto [dataset, table] = dropTarget(QPoint(-1, -1));
    uploadFiles(files, dataset, table);
}

bool MainWindow::eventFilter(QObject* watched, QEvent* event) {
    const auto type = event->type();
    if (type != QEvent::DragEnter && type != QEvent::DragMove && type != QEvent::Drop) return QMainWindow::eventFilter(watched, event);
    auto* drop = static_cast<QDropEvent*>(event);
    if (const QStringList sql = sqlFiles(drop->mimeData()); !sql.isEmpty()) {
        drop->acceptProposedAction();
        if (type == QEvent::Drop)
            for (const QString& f : sql) openSqlFile(f);
        return true;
    }
    const QStringList files = uploadableFiles(drop->mimeData());
    if (files.isEmpty()) return QMainWindow::eventFilter(watched, event); // text: the widget's own drop
    drop->acceptProposedAction();
    if (type == QEvent::Drop) {
        const bool onTree = watched == tree_->viewport();
        const auto [dataset, table] = dropTarget(onTree ? drop->position().toPoint() : QPoint(-1, -1));
        uploadFiles(files, dataset, table);
    }
    return true;
}

void MainWindow::closeEvent(QCloseEvent* e) {
    for (int i = 0; i < tabs_->count(); ++i)
        if (auto* t = tabAt(i)) store_->save(t->state());
    saveOrder();
    store_->flush();
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    e->accept();
}

} // namespace quarry
