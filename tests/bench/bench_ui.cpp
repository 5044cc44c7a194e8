// SPDX-License-Identifier: MIT
// Desktop benchmarks (offscreen):
//   bench_ui startup bare|quarry [--ready]
//                                 -> one JSON line: ms from main() to the first paint of the
//                                    window, then exits; with --ready (quarry) it waits for
//                                    ready (sandbox up, tabs back) and reports that too
//   bench_ui responsive ROWS      -> JSON lines: the largest and the 99th-percentile gap between
//                                    ticks of a 10 ms timer on the GUI thread, while idle (the
//                                    baseline), during a slow job (job:delay 2 s), uploading a
//                                    ROWS-row NDJSON file, running a query over it and exporting
//                                    the whole result
//   bench_ui model ROWS [--peer]  -> one JSON line: heap growth of a ROWS x 10 result in the
//                                    nested grid model (or in a QStandardItemModel, the peer)
//                                    and ns per data(DisplayRole) call on random cells
//   bench_ui scroll ROWS [--unbounded]
//                                 -> one JSON line: the app's memory while the grid of a ROWS-row
//                                    result is scrolled to the last row and back (run_scroll.sh)
// Process start-up before main() is measured by run_ui.sh around the whole command.
#include "MainWindow.h"
#include "SandboxHost.h"
#include "editor/QueryTab.h"
#include "results/ResultView.h"
#include "upload/UploadDialog.h"

#include <Qsci/qsciscintilla.h>
#include <QFile>
#include <QScrollBar>
#include <QTableView>
#include <QTemporaryDir>
#include <algorithm>
#include <cstring>
#include <functional>
#include "results/ResultModel.h"
#include "results/ResultSet.h"
#include "value/Display.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QMainWindow>
#include <QPaintEvent>
#include <QStandardItemModel>
#include <QTimer>
#include <chrono>
#include <cstdio>
#include <malloc.h>
#include <random>

using namespace quarry;

namespace {

QElapsedTimer sinceMain;

class FirstPaint : public QObject {
public:
    double ms = -1;
    long long epochNs = 0; ///< wall clock at the first paint, to compare with the exec time
    bool quitOnPaint = true;
    bool eventFilter(QObject*, QEvent* e) override {
        if (e->type() == QEvent::Paint && ms < 0) {
            ms = static_cast<double>(sinceMain.nsecsElapsed()) / 1e6;
            epochNs = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
            if (quitOnPaint) QTimer::singleShot(0, qApp, &QApplication::quit);
        }
        return false;
    }
};

std::size_t heapBytes() {
    const struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}

Schema tenColumns() {
    return Schema::fromJson(nlohmann::json::parse(R"({"fields":[
        {"name":"id","type":"INTEGER"},{"name":"score","type":"FLOAT"},{"name":"code","type":"STRING"},
        {"name":"name","type":"STRING"},{"name":"ok","type":"BOOLEAN"},{"name":"at","type":"TIMESTAMP"},
        {"name":"day","type":"DATE"},{"name":"amount","type":"NUMERIC"},{"name":"city","type":"STRING"},
        {"name":"n","type":"INTEGER"}]})"));
}

Value row(std::size_t i) {
    static const char* cities[] = {"Seattle", "Stockholm", "Los Angeles", "Washington DC", "Portland", "Austin"};
    Value r = Value::structOf(10);
    auto it = r.items();
    it[0] = Value::int64(static_cast<std::int64_t>(i));
    it[1] = Value::float64(static_cast<double>(i) * 0.37);
    it[2] = Value::string("C" + std::to_string(i % 1000));
    it[3] = Value::string("customer number " + std::to_string(i)); // longer than inline text
    it[4] = Value::boolean(i % 3 == 0);
    it[5] = Value::timestamp(1'700'000'000'000'000 + static_cast<std::int64_t>(i) * 1'000'000);
    it[6] = Value::date(19'000 + static_cast<std::int32_t>(i % 3000));
    it[7] = Value::numeric(std::to_string(i % 100000) + ".25");
    it[8] = Value::string(cities[i % 6]);
    it[9] = Value::int64(static_cast<std::int64_t>(i % 97));
    return r;
}

int startup(int argc, char** argv, bool bare, bool waitReady) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Quarry"));
    QApplication::setOrganizationName(QStringLiteral("Quarry"));
    FirstPaint paint;
    paint.quitOnPaint = !waitReady;
    double readyMs = -1;
    std::unique_ptr<QMainWindow> w;
    if (bare) {
        w = std::make_unique<QMainWindow>();
        w->resize(1280, 800);
    } else {
        auto* q = new MainWindow;
        QObject::connect(q, &MainWindow::ready, q, [&] {
            readyMs = static_cast<double>(sinceMain.nsecsElapsed()) / 1e6;
            QApplication::quit();
        });
        w.reset(q);
    }
    w->installEventFilter(&paint);
    w->show();
    QTimer::singleShot(60000, &app, &QApplication::quit);
    QApplication::exec();
    std::printf("{\"mode\":\"%s\",\"first_paint_ms\":%.1f,\"ready_ms\":%.1f,\"paint_epoch_ns\":%lld}\n", bare ? "bare" : "quarry",
                paint.ms, readyMs, paint.epochNs);
    return paint.ms > 0 ? 0 : 1;
}

int model(int argc, char** argv, std::size_t rows, bool peer) {
    QApplication app(argc, argv);
    const Schema schema = tenColumns();
    const std::size_t before = heapBytes();
    QElapsedTimer t;
    t.start();
    std::unique_ptr<QAbstractItemModel> m;
    std::unique_ptr<ResultSet> set;
    if (peer) {
        // What a generic tool does: every cell a QStandardItem with its display text.
        auto s = std::make_unique<QStandardItemModel>(static_cast<int>(rows), 10);
        for (std::size_t i = 0; i < rows; ++i) {
            const Value r = row(i);
            for (int c = 0; c < 10; ++c)
                s->setItem(static_cast<int>(i), c, new QStandardItem(QString::fromStdString(displayText(r[static_cast<std::size_t>(c)], schema.fields[static_cast<std::size_t>(c)]))));
        }
        m = std::move(s);
    } else {
        set = std::make_unique<ResultSet>();
        auto grid = std::make_unique<ResultModel>(set.get(), GridMode::Nested);
        set->reset(schema, static_cast<qint64>(rows));
        const std::size_t page = 10000;
        for (std::size_t i = 0; i < rows; i += page) {
            std::vector<Value> p;
            p.reserve(page);
            for (std::size_t j = i; j < std::min(rows, i + page); ++j) p.push_back(row(j));
            set->append(std::move(p), i + page < rows);
        }
        m = std::move(grid);
    }
    const double loadS = static_cast<double>(t.nsecsElapsed()) / 1e9;
    const std::size_t after = heapBytes();
    if (static_cast<std::size_t>(m->rowCount()) != rows) return 2;
    std::mt19937_64 rng(7);
    const int calls = 1'000'000;
    std::size_t chars = 0;
    t.restart();
    for (int k = 0; k < calls; ++k) {
        const auto r = static_cast<int>(rng() % rows), c = static_cast<int>(rng() % 10);
        chars += static_cast<std::size_t>(m->data(m->index(r, c)).toString().size());
    }
    const double ns = static_cast<double>(t.nsecsElapsed()) / calls;
    std::printf("{\"model\":\"%s\",\"rows\":%zu,\"heap_mb\":%.1f,\"load_s\":%.2f,\"data_ns\":%.0f,\"chars\":%zu}\n",
                peer ? "QStandardItemModel" : "ResultModel", rows, static_cast<double>(after - before) / 1048576.0, loadS, ns, chars);
    return 0;
}

// Ticks of a 10 ms timer; the gaps between them say how long the GUI thread was busy.
long statusMb(qint64 pid, const char* field);

class TickGaps {
public:
    TickGaps() {
        timer_.setInterval(10);
        timer_.setTimerType(Qt::PreciseTimer);
        QObject::connect(&timer_, &QTimer::timeout, [this] {
            const qint64 now = clock_.nsecsElapsed();
            if (last_ >= 0) gaps_.push_back(static_cast<double>(now - last_) / 1e6);
            last_ = now;
        });
        clock_.start();
        timer_.start();
    }
    void phase() { gaps_.clear(), last_ = -1; }
    void report(const char* name) {
        std::vector<double> g = gaps_;
        std::sort(g.begin(), g.end());
        const double p99 = g.empty() ? 0 : g[std::min(g.size() - 1, static_cast<std::size_t>(static_cast<double>(g.size()) * 0.99))];
        // The app's high-water mark so far: which phase raised it.
        std::printf("{\"phase\":\"%s\",\"ticks\":%zu,\"max_gap_ms\":%.1f,\"p99_gap_ms\":%.1f,\"app_peak_rss_mb\":%ld}\n", name, g.size(),
                    g.empty() ? 0 : g.back(), p99, statusMb(QCoreApplication::applicationPid(), "VmHWM:"));
        std::fflush(stdout);
    }

private:
    QTimer timer_;
    QElapsedTimer clock_;
    qint64 last_ = -1;
    std::vector<double> gaps_;
};

// Runs the event loop until `done` holds (checked every 20 ms) or 120 s pass.
bool waitFor(const std::function<bool()>& done) {
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() > 120000) return false;
        QEventLoop loop;
        QTimer::singleShot(20, &loop, &QEventLoop::quit);
        loop.exec();
    }
    return true;
}

// A "VmHWM:"-style field of /proc/PID/status in MB, or -1.
long statusMb(qint64 pid, const char* field) {
    QFile f(QStringLiteral("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly)) return -1;
    for (const QByteArray& line : f.readAll().split('\n'))
        if (line.startsWith(field)) return line.mid(static_cast<qsizetype>(std::strlen(field))).trimmed().split(' ').value(0).toLong() / 1024;
    return -1;
}

int responsive(int argc, char** argv, std::size_t rows) {
    QTemporaryDir home;
    qputenv("XDG_DATA_HOME", (home.path() + QStringLiteral("/data")).toUtf8());
    qputenv("XDG_CONFIG_HOME", (home.path() + QStringLiteral("/config")).toUtf8());
    qputenv("QUARRY_SANDBOX_FAULTS", "job:delay=2s:1"); // the first job is slow
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Quarry"));
    QApplication::setOrganizationName(QStringLiteral("Quarry"));
    const QString file = home.path() + QStringLiteral("/people.ndjson");
    {
        QFile f(file);
        if (!f.open(QIODevice::WriteOnly)) return 2;
        for (std::size_t i = 0; i < rows; ++i)
            f.write(QStringLiteral("{\"id\":%1,\"name\":\"person %1\",\"cities\":[{\"place\":\"Oslo\",\"years\":[2001,2002]},{\"place\":\"Lima\",\"years\":[2010]}]}\n")
                        .arg(i).toUtf8());
    }
    MainWindow w;
    bool ready = false;
    QObject::connect(&w, &MainWindow::ready, [&] { ready = true; });
    w.show();
    if (!waitFor([&] { return ready; })) return 3;
    TickGaps ticks;
    QueryTab* tab = w.currentTab();

    ticks.phase();
    QElapsedTimer idle;
    idle.start();
    waitFor([&] { return idle.elapsed() > 2000; });
    ticks.report("idle (baseline)");

    ticks.phase();
    tab->editor()->setText(QStringLiteral("SELECT 1 AS slow"));
    tab->run();
    if (!waitFor([&] { return !tab->isRunning(); })) return 4;
    ticks.report("slow job (job:delay 2 s)");

    ticks.phase();
    w.uploadFiles({file}, QStringLiteral("uploads"), QStringLiteral("people"));
    bool uploaded = false;
    if (!waitFor([&] {
            auto* d = w.findChild<UploadDialog*>();
            if (!d) return uploaded;
            if (!uploaded && !d->isUploading() && d->schemaReady() && d->statusText().contains(QStringLiteral("Ready"))) {
                QObject::connect(d, &UploadDialog::finished, [&, d](bool ok) {
                    if (!ok) std::fprintf(stderr, "upload failed: %s\n", qPrintable(d->statusText()));
                    uploaded = true;
                });
                d->startUpload();
            }
            return uploaded;
        }))
        return 5;
    ticks.report("upload");

    ticks.phase();
    tab->editor()->setText(QStringLiteral("SELECT * FROM uploads.people"));
    tab->run();
    if (!waitFor([&] { return !tab->isRunning(); })) return 6;
    ticks.report("query");

    ticks.phase();
    bool exported = false;
    QObject::connect(tab, &QueryTab::exportFinished, [&] { exported = true; });
    tab->exportTo(home.path() + QStringLiteral("/all.ndjson"));
    if (!waitFor([&] { return exported; })) return 7;
    ticks.report("export of every row");
    // Memory: the app's own high-water mark, and the sandbox child's (it holds the tables).
    auto* host = w.findChild<SandboxHost*>();
    std::printf("{\"rows\":%zu,\"status\":\"%s\",\"app_peak_rss_mb\":%ld,\"sandbox_peak_rss_mb\":%ld}\n", rows,
                qPrintable(tab->results()->status()), statusMb(QCoreApplication::applicationPid(), "VmHWM:"),
                host ? statusMb(host->processId(), "VmHWM:") : -1L);
    return 0;
}

/// Scrolls the nested grid of a ROWS-row result (INT64, a short STRING, FLOAT64, TIMESTAMP) from the
/// first row to the last, a page at a time as the grid asks for more, then back to the first
/// in 100 steps, each waiting until the rows on screen are held. With --unbounded the result
/// keeps every page (what it did before the memory budget).
int scroll(int argc, char** argv, std::size_t rows, bool unbounded) {
    QTemporaryDir home;
    qputenv("XDG_DATA_HOME", (home.path() + QStringLiteral("/data")).toUtf8());
    qputenv("XDG_CONFIG_HOME", (home.path() + QStringLiteral("/config")).toUtf8());
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Quarry"));
    QApplication::setOrganizationName(QStringLiteral("Quarry"));
    MainWindow w;
    bool ready = false;
    QObject::connect(&w, &MainWindow::ready, [&] { ready = true; });
    w.show();
    if (!waitFor([&] { return ready; })) return 3;
    QueryTab* tab = w.currentTab();
    ResultSet* set = tab->results()->resultSet();
    if (unbounded) set->setMemoryBudget(SIZE_MAX);
    // GENERATE_ARRAY stops at about a million elements, as in BigQuery: thousands of thousands.
    rows = std::max<std::size_t>(1, rows / 1000) * 1000;
    tab->editor()->setText(QStringLiteral("SELECT x, CONCAT('row ', CAST(x AS STRING)) AS s, x * 2.5 AS f, TIMESTAMP_SECONDS(x) AS t "
                                          "FROM UNNEST(GENERATE_ARRAY(0, %1)) AS a, UNNEST(GENERATE_ARRAY(1, 1000)) AS b, "
                                          "UNNEST([a * 1000 + b]) AS x ORDER BY x")
                               .arg(rows / 1000 - 1));
    tab->run();
    if (!waitFor([&] { return !tab->isRunning(); })) return 4;
    QTableView* grid = tab->results()->grid();
    QScrollBar* bar = grid->verticalScrollBar();
    QElapsedTimer clock;
    clock.start();
    long peakRssDown = 0;
    while (set->rowCount() < rows) {
        const std::size_t before = set->rowCount();
        bar->setValue(bar->maximum()); // at the end the grid fetches more
        if (!waitFor([&] { return set->rowCount() > before || !set->hasMore(); })) return 5;
        peakRssDown = std::max(peakRssDown, statusMb(QCoreApplication::applicationPid(), "VmRSS:"));
        if (!set->hasMore() && set->rowCount() < rows) {
            std::fprintf(stderr, "bench_ui scroll: %zu of %zu rows: %s\n", set->rowCount(), rows, qPrintable(tab->results()->status()));
            return 6;
        }
    }
    const double down = clock.elapsed() / 1000.0;
    const double heldDown = static_cast<double>(set->heapBytes()) / (1 << 20);
    clock.restart();
    long peakRssUp = 0;
    for (int step = 99; step >= 0; --step) {
        bar->setValue(bar->maximum() * step / 99);
        const auto top = static_cast<std::size_t>(grid->rowAt(0));
        if (!waitFor([&] {
                grid->viewport()->repaint(); // paints ask for (and touch) the rows on screen
                return set->isLoaded(top);
            }))
            return 7;
        peakRssUp = std::max(peakRssUp, statusMb(QCoreApplication::applicationPid(), "VmRSS:"));
    }
    const double up = clock.elapsed() / 1000.0;
    std::printf("{\"mode\":\"%s\",\"rows\":%zu,\"budget_mb\":%.0f,\"held_mb_at_end\":%.1f,\"rss_mb_down\":%ld,\"rss_mb_up\":%ld,"
                "\"app_peak_rss_mb\":%ld,\"down_s\":%.1f,\"up_s\":%.1f,\"first_cell\":\"%s\"}\n",
                unbounded ? "unbounded" : "budget", rows, unbounded ? -1.0 : static_cast<double>(set->memoryBudget()) / (1 << 20),
                heldDown, peakRssDown, peakRssUp, statusMb(QCoreApplication::applicationPid(), "VmHWM:"), down, up,
                qPrintable(tab->results()->gridModel()->index(0, 1).data().toString()));
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    sinceMain.start();
    qputenv("QT_QPA_PLATFORM", qgetenv("QT_QPA_PLATFORM").isEmpty() ? QByteArray("offscreen") : qgetenv("QT_QPA_PLATFORM"));
    if (argc >= 3 && std::string(argv[1]) == "startup")
        return startup(argc, argv, std::string(argv[2]) == "bare", argc >= 4 && std::string(argv[3]) == "--ready");
    if (argc >= 3 && std::string(argv[1]) == "responsive") return responsive(argc, argv, std::stoul(argv[2]));
    if (argc >= 3 && std::string(argv[1]) == "scroll")
        return scroll(argc, argv, std::stoul(argv[2]), argc >= 4 && std::string(argv[3]) == "--unbounded");
    if (argc >= 3 && std::string(argv[1]) == "model")
        return model(argc, argv, std::stoul(argv[2]), argc >= 4 && std::string(argv[3]) == "--peer");
    std::fprintf(stderr, "usage: bench_ui startup bare|quarry [--ready] | bench_ui model ROWS [--peer]\n");
    return 2;
}
