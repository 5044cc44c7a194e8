// SPDX-License-Identifier: MIT
#include "ProjectJobsWindow.h"

#include "Background.h"
#include "Dialogs.h"
#include "ProjectJobsModel.h"
#include "query/JobRule.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTableView>
#include <QVBoxLayout>
#include <chrono>
#include <set>

namespace quarry {
namespace {

std::int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// "1 job", "3 jobs" (English only, as the rest of the window).
QString jobs(int n) { return n == 1 ? QStringLiteral("1 job") : QStringLiteral("%1 jobs").arg(n); }

std::string field(const Json& j, const char* key) {
    return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

struct Listing {
    std::vector<Json> jobs;
    std::int64_t at = 0;
    QString error;
};

} // namespace

ProjectJobsWindow::ProjectJobsWindow(SessionSource session, QWidget* parent)
    : QWidget(parent, Qt::Window), session_(std::move(session)) {
    setObjectName(QStringLiteral("projectJobs"));
    setWindowTitle(tr("Project jobs"));
    model_ = new ProjectJobsModel(this);

    allUsers_ = new QCheckBox(tr("All users"), this);
    allUsers_->setObjectName(QStringLiteral("allUsers"));
    allUsers_->setChecked(true);
    runningOnly_ = new QCheckBox(tr("Running and pending only"), this);
    runningOnly_->setObjectName(QStringLiteral("runningOnly"));
    runningOnly_->setChecked(true);
    auto* refreshButton = new QPushButton(tr("Refresh"), this);
    refreshButton->setObjectName(QStringLiteral("refreshJobs"));
    auto* top = new QHBoxLayout;
    top->addWidget(allUsers_);
    top->addWidget(runningOnly_);
    top->addStretch(1);
    top->addWidget(refreshButton);

    view_ = new QTableView(this);
    view_->setObjectName(QStringLiteral("projectJobsView"));
    view_->setAccessibleName(tr("Project jobs"));
    view_->setModel(model_);
    view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    view_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    view_->verticalHeader()->hide();
    view_->setWordWrap(false);
    view_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    view_->horizontalHeader()->setSectionResizeMode(ProjectJobsModel::Query, QHeaderView::Stretch);

    cancel_ = new QPushButton(tr("Cancel selected jobs\u2026"), this);
    cancel_->setObjectName(QStringLiteral("cancelJobs"));
    rule_ = new QLineEdit(QStringLiteral("type=QUERY priority=INTERACTIVE elapsed>=60m remaining>=5m"), this);
    rule_->setObjectName(QStringLiteral("watchRule"));
    rule_->setAccessibleName(tr("Cancel if"));
    rule_->setToolTip(tr("Conditions that must all hold: type, priority, state, user with = or !=; elapsed, remaining, slot "
                         "with >=, >, <=, < and a duration (90s, 60m, 1h). The same rule as quarry-cli jobs watch."));
    slots_ = new QSpinBox(this);
    slots_->setObjectName(QStringLiteral("committedSlots"));
    slots_->setAccessibleName(tr("Committed slots"));
    slots_->setRange(0, 1'000'000);
    slots_->setSingleStep(100);
    slots_->setSpecialValueText(tr("none"));
    slots_->setToolTip(tr("The project's committed slots: what is left is estimated as if the job had them all (quarry-cli jobs "
                          "watch --slots). None: at the rate each job has run so far."));
    apply_ = new QPushButton(tr("Apply rule\u2026"), this);
    apply_->setObjectName(QStringLiteral("applyRule"));
    auto* ruleRow = new QHBoxLayout;
    ruleRow->addWidget(cancel_);
    ruleRow->addSpacing(16);
    auto* ruleLabel = new QLabel(tr("Cancel if:"), this);
    ruleLabel->setBuddy(rule_);
    ruleRow->addWidget(ruleLabel);
    ruleRow->addWidget(rule_, 1);
    auto* slotsLabel = new QLabel(tr("Slots:"), this);
    slotsLabel->setBuddy(slots_);
    ruleRow->addWidget(slotsLabel);
    ruleRow->addWidget(slots_);
    ruleRow->addWidget(apply_);

    status_ = new QLabel(this);
    status_->setObjectName(QStringLiteral("projectJobsStatus"));
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    status_->setWordWrap(true);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(view_, 1);
    layout->addLayout(ruleRow);
    layout->addWidget(status_);
    resize(1000, 420);

    timer_.setInterval(5000);
    connect(&timer_, &QTimer::timeout, this, &ProjectJobsWindow::refresh);
    connect(refreshButton, &QPushButton::clicked, this, &ProjectJobsWindow::refresh);
    connect(allUsers_, &QCheckBox::toggled, this, &ProjectJobsWindow::refresh);
    connect(runningOnly_, &QCheckBox::toggled, this, &ProjectJobsWindow::refresh);
    connect(cancel_, &QPushButton::clicked, this, &ProjectJobsWindow::cancelSelected);
    connect(apply_, &QPushButton::clicked, this, &ProjectJobsWindow::applyRule);
    connect(rule_, &QLineEdit::returnPressed, this, &ProjectJobsWindow::applyRule);
    connect(slots_, &QSpinBox::valueChanged, this, [this](int n) { model_->setCommittedSlots(n > 0 ? std::optional<double>(n) : std::nullopt); });
    connect(view_->selectionModel(), &QItemSelectionModel::selectionChanged, this, &ProjectJobsWindow::updateButtons);
    updateButtons();
}

ProjectJobsWindow::~ProjectJobsWindow() = default;

QString ProjectJobsWindow::status() const { return status_->text(); }

void ProjectJobsWindow::showEvent(QShowEvent* e) {
    QWidget::showEvent(e);
    refresh();
    timer_.start();
}

void ProjectJobsWindow::hideEvent(QHideEvent* e) {
    timer_.stop();
    QWidget::hideEvent(e);
}

void ProjectJobsWindow::updateButtons() {
    cancel_->setEnabled(!cancelling_ && view_->selectionModel()->hasSelection());
    apply_->setEnabled(!cancelling_);
}

void ProjectJobsWindow::refresh() {
    const auto session = session_();
    if (!session) {
        status_->setText(tr("Not connected yet."));
        return;
    }
    if (!listing_.begin()) return;
    BigQueryClient::JobListOptions o;
    o.allUsers = allUsers_->isChecked();
    if (runningOnly_->isChecked()) o.stateFilter = {"running", "pending"};
    Background::run(
        this,
        [session, o](const CancelToken& token) mutable {
            Listing out;
            try {
                do {
                    o.maxResults = 1000;
                    const Json page = session->client->listJobs(session->project, o, &token);
                    for (const auto& j : page.value("jobs", Json::array())) out.jobs.push_back(j);
                    o.pageToken = field(page, "nextPageToken");
                } while (!o.pageToken.empty() && out.jobs.size() < 10000);
            } catch (const std::exception& e) {
                out.error = QString::fromUtf8(e.what());
            }
            out.at = nowMs();
            return out;
        },
        [this](Listing l) {
            const bool again = listing_.end();
            if (l.error.isEmpty()) {
                std::set<std::string> selected;
                for (const QModelIndex& i : view_->selectionModel()->selectedRows()) selected.insert(jobRefOf(model_->job(i.row())).jobId);
                model_->setJobs(std::move(l.jobs), l.at);
                for (const auto& id : selected)
                    if (const int row = model_->rowOf(id); row >= 0)
                        view_->selectionModel()->select(model_->index(row, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
                if (!cancelling_ && !status_->text().startsWith(tr("Cancelled")))
                    status_->setText(jobs(model_->rowCount()));
            } else {
                status_->setText(tr("Could not list the project's jobs: %1").arg(l.error));
            }
            updateButtons();
            emit refreshed();
            if (again) refresh();
        });
}

void ProjectJobsWindow::cancelSelected() {
    std::vector<Json> list;
    QStringList names;
    for (const QModelIndex& i : view_->selectionModel()->selectedRows()) {
        list.push_back(model_->job(i.row()));
        names << QString::fromStdString(jobRefOf(list.back()).jobId + " (" + field(list.back(), "user_email") + ")");
    }
    if (list.empty()) return;
    if (!dialogs::confirm(this, tr("Cancel jobs"), tr("Cancel %1?\n\n%2").arg(jobs(static_cast<int>(list.size())), names.join(QLatin1Char('\n')))))
        return;
    cancelJobs(std::move(list));
}

void ProjectJobsWindow::applyRule() {
    JobRule rule;
    try {
        rule = JobRule::parse(rule_->text().toStdString());
    } catch (const JobRule::Error& e) {
        status_->setText(tr("The rule [col %1]: %2").arg(e.column).arg(QString::fromUtf8(e.what())));
        rule_->setFocus();
        rule_->setCursorPosition(e.column - 1);
        return;
    }
    std::vector<Json> matched;
    QStringList lines;
    const std::int64_t now = nowMs();
    for (const Json& j : model_->jobs()) {
        const std::string state = field(j.value("status", Json::object()), "state");
        if (state != "RUNNING" && state != "PENDING") continue;
        const auto d = rule.evaluate(j, now, model_->committedSlots());
        if (!d.matches) continue;
        matched.push_back(j);
        if (lines.size() < 12) lines << QString::fromStdString(jobRefOf(j).jobId + " (" + field(j, "user_email") + "): " + d.why);
    }
    if (matched.empty()) {
        status_->setText(tr("The rule matches none of the %1 listed.").arg(jobs(model_->rowCount())));
        return;
    }
    if (matched.size() > static_cast<std::size_t>(lines.size())) lines << tr("\u2026 and %1 more").arg(static_cast<int>(matched.size()) - static_cast<int>(lines.size()));
    if (!dialogs::confirm(this, tr("Apply the rule"),
                          tr("The rule matches %1 running or pending. Cancel them?\n\n%2").arg(jobs(static_cast<int>(matched.size())), lines.join(QLatin1Char('\n')))))
        return;
    cancelJobs(std::move(matched));
}

void ProjectJobsWindow::cancelJobs(std::vector<Json> list) {
    const auto session = session_();
    if (!session) return;
    cancelling_ = true;
    updateButtons();
    status_->setText(tr("Cancelling %1\u2026").arg(jobs(static_cast<int>(list.size()))));
    std::vector<JobRef> refs;
    for (const auto& j : list) refs.push_back(jobRefOf(j));
    Background::run(
        this,
        [session, refs](const CancelToken& token) {
            int stopped = 0;
            QStringList problems;
            for (const auto& r : refs) {
                try {
                    const auto out = session->runner->cancel(r, &token);
                    if (!out.alreadyDone) ++stopped;
                } catch (const std::exception& e) {
                    problems << QString::fromStdString(r.jobId) + QStringLiteral(": ") + QString::fromUtf8(e.what());
                }
            }
            return std::make_pair(stopped, problems);
        },
        [this, total = static_cast<int>(refs.size())](std::pair<int, QStringList> r) {
            cancelling_ = false;
            QString text = tr("Cancelled %1 of %2.").arg(r.first).arg(jobs(total));
            if (!r.second.isEmpty()) text += QLatin1Char(' ') + tr("Not cancelled: %1").arg(r.second.join(QStringLiteral("; ")));
            status_->setText(text);
            updateButtons();
            emit cancelsEnded();
            refresh();
        });
}

} // namespace quarry
