// SPDX-License-Identifier: MIT
#pragma once

#include <QDialog>
#include <nlohmann/json.hpp>

class QLabel;
class QTreeWidget;

namespace quarry {

/// The execution view of a finished query job: its stages (statistics.query.queryPlan) in
/// order, each with records read and written, its time and a bar of its share of the work
/// (wait / read / compute / write against the longest stage), and its steps with their
/// substeps below it. Reads nothing itself: the caller passes the job resource.
class PlanView : public QDialog {
    Q_OBJECT
public:
    explicit PlanView(QWidget* parent = nullptr);
    /// `job` is a jobs.get resource; a job without a plan says so.
    void setJob(const nlohmann::json& job);
    void setError(const QString& message);
    QTreeWidget* tree() const { return tree_; }
    QString summary() const;

signals:
    /// The plan (or the error) is shown.
    void loaded();

private:
    QTreeWidget* tree_;
    QLabel* summary_;
};

} // namespace quarry
