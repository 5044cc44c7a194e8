// SPDX-License-Identifier: MIT
// MainWindow's query tabs: adding, closing and reopening, renaming and duplicating, and .sql
// files (open, save, save as). File reads and writes run on workers (SqlFiles).
#include "MainWindow.h"

#include "Background.h"
#include "Dialogs.h"
#include "editor/SqlFiles.h"
#include "editor/TabStore.h"
#include "jobs/JobsModel.h"
#include "query/History.h"

#include <Qsci/qsciscintilla.h>
#include <QFileInfo>
#include <QMenu>
#include <QStatusBar>
#include <QStyle>
#include <QTabBar>
#include <QTabWidget>
#include <QTimer>
#include <QUuid>

namespace quarry {
namespace {
QString newId() { return QUuid::createUuid().toString(QUuid::WithoutBraces).remove(QLatin1Char('-')).left(16); }
} // namespace

QueryTab* MainWindow::addTab(const TabState& state) {
    auto* tab = new QueryTab(state.id, tabs_);
    tab->restore(state);
    tab->setSchemaCache(cache_);
    tab->editor()->viewport()->installEventFilter(this); // file drops upload, text drops edit
    const int i = tabs_->addTab(tab, tab->title());
    tabs_->setCurrentIndex(i);
    if (session_) tab->setSession(session_);
    auto* timer = new QTimer(tab);
    timer->setSingleShot(true);
    timer->setInterval(400); // debounced: a burst of keystrokes is one write, within a second
    connect(timer, &QTimer::timeout, this, [this, tab] { store_->save(tab->state()); });
    connect(tab, &QueryTab::modified, timer, qOverload<>(&QTimer::start));
    tabs_->setTabText(i, tabText(tab));
    connect(tab, &QueryTab::titleChanged, this, [this, tab] {
        const int at = tabs_->indexOf(tab);
        tabs_->setTabText(at, tabText(tab));
        tabs_->setTabToolTip(at, tab->file());
    });
    connect(tab, &QueryTab::message, this, [this](const QString& m) { statusBar()->showMessage(m, 8000); });
    connect(tab, &QueryTab::jobRecorded, this, [this](const HistoryEntry& e) {
        jobs_->upsert(e);
        if (e.state == "RUNNING") return;
        // The application owns the write: it completes when the tab closes right after.
        Background::run(nullptr, [e](const CancelToken&) {
            try {
                History(History::defaultPath()).append(e);
            } catch (const std::exception&) {
                // The history is a convenience: a full disk must not disturb the query.
            }
        });
    });
    connect(tab, &QueryTab::runningChanged, this, [this, tab](bool running) {
        tabs_->setTabIcon(tabs_->indexOf(tab), running ? style()->standardIcon(QStyle::SP_BrowserReload) : QIcon());
    });
    return tab;
}

QueryTab* MainWindow::newTab(const QString& text, const QString& title) {
    TabState s;
    s.id = newId();
    s.title = title.isEmpty() ? tr("Query %1").arg(tabs_->count() + 1) : title;
    s.text = text;
    auto* tab = addTab(s);
    store_->save(tab->state());
    saveOrder();
    tab->editor()->setFocus();
    return tab;
}

void MainWindow::closeTab(int index) {
    auto* tab = tabAt(index);
    if (!tab) return;
    closed_.push(tab->state());
    store_->remove(tab->id());
    // A job still running is stopped on the server, not left to bill for rows nobody will see.
    if (tab->isRunning()) tab->cancel();
    tabs_->removeTab(index);
    tab->deleteLater();
    saveOrder();
    statusBar()->showMessage(tr("Tab closed \u2014 Ctrl+Shift+T brings it back"), 5000);
}

void MainWindow::reopenClosedTab() {
    if (closed_.isEmpty()) return;
    const TabState s = closed_.pop();
    auto* tab = addTab(s);
    store_->save(tab->state());
    saveOrder();
}

void MainWindow::saveOrder() {
    QStringList ids;
    for (int i = 0; i < tabs_->count(); ++i)
        if (auto* t = tabAt(i)) ids << t->id();
    store_->saveOrder(ids);
}


QString MainWindow::tabText(QueryTab* tab) const {
    // A tab tied to a file shows a dot while its text differs from the file.
    return tab->isModifiedSinceSave() ? tab->title() + QStringLiteral(" \u2022") : tab->title();
}

void MainWindow::openSqlFile(const QString& path) {
    const QString canonical = QFileInfo(path).absoluteFilePath();
    for (int i = 0; i < tabs_->count(); ++i)
        if (auto* t = tabAt(i); t && QFileInfo(t->file()).absoluteFilePath() == canonical) {
            tabs_->setCurrentIndex(i);
            return;
        }
    readSqlFile(canonical, this, [this, canonical](const QString& text, const QString& error) {
        if (!error.isEmpty()) {
            statusBar()->showMessage(error, 10000);
            return;
        }
        QueryTab* tab = newTab(text, QFileInfo(canonical).fileName());
        tab->setFile(canonical, text);
        store_->save(tab->state());
        statusBar()->showMessage(tr("Opened %1").arg(canonical), 5000);
    });
}

void MainWindow::openSqlFileDialog() {
    const QStringList files = dialogs::openFileNames(this, tr("Open SQL files"), tr("SQL (*.sql);;All files (*)"));
    for (const QString& f : files) openSqlFile(f);
}

void MainWindow::saveTab(int index, bool ask) {
    QueryTab* tab = tabAt(index);
    if (!tab) return;
    QString path = tab->file();
    if (ask || path.isEmpty()) {
        const QString suggestion = path.isEmpty() ? tab->title() + QStringLiteral(".sql") : path;
        path = dialogs::saveFileName(this, tr("Save the query"), suggestion, tr("SQL (*.sql);;All files (*)"));
        if (path.isEmpty()) return;
        if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".sql");
    }
    const bool retitle = tab->file().isEmpty() || tab->title() == QFileInfo(tab->file()).fileName();
    const QString target = path;
    connect(tab, &QueryTab::saved, this, [this, tab, target, retitle](const QString& error) {
        if (error.isEmpty() && retitle) renameTab(tabs_->indexOf(tab), QFileInfo(target).fileName());
    }, Qt::SingleShotConnection);
    tab->saveTo(path);
}

void MainWindow::renameTab(int index, const QString& title) {
    QueryTab* tab = tabAt(index);
    if (!tab || title.trimmed().isEmpty()) return;
    tab->setTitle(title.trimmed());
}

void MainWindow::renameTabDialog(int index) {
    QueryTab* tab = tabAt(index);
    if (!tab) return;
    if (const auto title = dialogs::askText(this, tr("Rename tab"), tr("Name"), tab->title())) renameTab(index, *title);
}

QueryTab* MainWindow::duplicateTab(int index) {
    QueryTab* tab = tabAt(index);
    if (!tab) return nullptr;
    TabState s = tab->state();
    s.id = newId();
    s.title = tr("%1 (copy)").arg(tab->title());
    s.file.clear(); // the copy is not the file: saving it asks where
    QueryTab* copy = addTab(s);
    tabs_->tabBar()->moveTab(tabs_->indexOf(copy), index + 1);
    store_->save(copy->state());
    saveOrder();
    return copy;
}

void MainWindow::tabMenu(const QPoint& at) {
    const int index = tabs_->tabBar()->tabAt(at);
    if (index < 0) return;
    QMenu menu(this);
    menu.addAction(tr("Rename\u2026"), this, [this, index] { renameTabDialog(index); });
    menu.addAction(tr("Duplicate"), this, [this, index] { duplicateTab(index); });
    menu.addAction(tr("Save as\u2026"), this, [this, index] { saveTab(index, true); });
    menu.addSeparator();
    menu.addAction(tr("Close"), this, [this, index] { closeTab(index); });
    menu.exec(tabs_->tabBar()->mapToGlobal(at));
}

} // namespace quarry
