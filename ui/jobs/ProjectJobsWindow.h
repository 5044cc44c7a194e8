// SPDX-License-Identifier: MIT
#pragma once

#include "Background.h"
#include "Session.h"

#include <QTimer>
#include <QWidget>
#include <functional>
#include <memory>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableView;

namespace quarry {

class ProjectJobsModel;

/// "Project jobs": every user's jobs of the connection's project (jobs.list allUsers), running
/// ones by default, refreshed every few seconds while the window is shown; the selected ones
/// cancelled on request, and a watch rule (JobRule, as `quarry-cli jobs watch` takes it)
/// applied after a confirmation that lists what it matched and why. All calls run in the
/// background; a failure (BigQuery's 403 for a job the account may not cancel) is shown.
class ProjectJobsWindow : public QWidget {
    Q_OBJECT
public:
    using SessionSource = std::function<std::shared_ptr<Session>()>;
    ProjectJobsWindow(SessionSource session, QWidget* parent);
    ~ProjectJobsWindow() override;

    ProjectJobsModel* model() const { return model_; }
    QString status() const;
    /// Lists the jobs again (at once, or after the listing in flight).
    void refresh();

signals:
    /// A listing arrived (or failed: see status()).
    void refreshed();
    /// Cancels asked for (by selection or by the rule) have all ended.
    void cancelsEnded();

protected:
    void showEvent(QShowEvent* e) override;
    void hideEvent(QHideEvent* e) override;

private:
    void cancelSelected();
    void applyRule();
    void cancelJobs(std::vector<Json> list);
    void updateButtons();

    SessionSource session_;
    ProjectJobsModel* model_ = nullptr;
    QTableView* view_ = nullptr;
    QCheckBox* allUsers_ = nullptr;
    QCheckBox* runningOnly_ = nullptr;
    QPushButton* cancel_ = nullptr;
    QLineEdit* rule_ = nullptr;
    QSpinBox* slots_ = nullptr; ///< committed slots for the estimates (0: none)
    QPushButton* apply_ = nullptr;
    QLabel* status_ = nullptr;
    QTimer timer_;
    RefreshGate listing_;
    bool cancelling_ = false;
};

} // namespace quarry
