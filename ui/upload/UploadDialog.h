// SPDX-License-Identifier: MIT
#pragma once

#include "value/Schema.h"

#include <QDialog>
#include <QPointer>
#include <functional>
#include <memory>

class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QRadioButton;
class QTreeWidget;
class QTreeWidgetItem;

namespace quarry {

class BigQueryClient;
class CancelToken;
struct TableRef;
struct Session;

/// Upload of a dropped JSON/NDJSON file: the target (dataset, table), the schema inferred from
/// the whole file (editable: names, types, modes), how (a load job: free, rows appear when the
/// job ends; or streaming inserts: paid, rows appear in seconds; each with its cost for this
/// file; Load is the default from 50 MB), the options, then a progress bar with rate and ETA,
/// cancel, and a link to the rejects file. Everything that reads the file or talks to the
/// server runs on worker threads.
class UploadDialog : public QDialog {
    Q_OBJECT
public:
    UploadDialog(std::shared_ptr<Session> session, const QString& file, const QString& dataset,
                 const QString& table, QWidget* parent = nullptr);
    ~UploadDialog() override;

    QString file() const { return file_; }
    QLineEdit* datasetEdit() const { return dataset_; }
    QLineEdit* tableEdit() const { return table_; }
    QTreeWidget* schemaTree() const { return schemaTree_; }
    QRadioButton* loadChoice() const { return load_; }
    QRadioButton* streamChoice() const { return stream_; }
    /// Whether the inference pass has finished (the schema tree is filled).
    bool schemaReady() const { return schemaReady_; }
    bool isUploading() const { return uploading_; }
    /// The line under the progress bar: counts, rate, ETA, and the outcome at the end.
    QString statusText() const;
    /// The schema as edited in the tree; throws SchemaError naming the bad field.
    Schema editedSchema() const;

public slots:
    void startUpload();
    void cancelUpload();

signals:
    /// The upload ended (done, cancelled or failed); `ok` when every row was handled.
    void finished(bool ok, const QString& dataset, const QString& table);

private:
    void inferSchema();
    void fillTree(const Schema& s);
    void setBusy(bool busy);
    void showCosts(std::uint64_t records);
    void startLoad(const Schema& schema, const QString& dataset, const QString& table);
    /// A run's outcome: whether every row was handled, and what to show (HTML).
    struct RunOutcome {
        bool ok = false;
        QString html;
    };
    using Work = std::function<RunOutcome(const QPointer<UploadDialog>& self, BigQueryClient& client, const CancelToken* cancel)>;
    /// Runs `work` on a worker thread after making the target's dataset if needed; its outcome
    /// (or its exception's text) ends the run on the GUI thread.
    void runInBackground(const QString& starting, const TableRef& target, Work work);
    /// From a worker thread: the progress bar and the line under it.
    static void showProgress(const QPointer<UploadDialog>& self, double fraction, const QString& line);
    /// On the GUI thread when a run ends: the outcome shown, the controls back, finished().
    void endRun(bool ok, const QString& text, const QString& dataset, const QString& table);

    std::shared_ptr<Session> session_;
    QString file_;
    QLineEdit* dataset_;
    QLineEdit* table_;
    QTreeWidget* schemaTree_;
    QRadioButton* load_;
    QRadioButton* stream_;
    QCheckBox* skipInvalid_;
    QCheckBox* ignoreUnknown_;
    QProgressBar* progress_;
    QLabel* status_;
    QLabel* notes_;
    QDialogButtonBox* buttons_;
    QPushButton* uploadButton_;
    std::shared_ptr<CancelToken> cancel_;
    bool schemaReady_ = false;
    bool uploading_ = false;
};

} // namespace quarry
