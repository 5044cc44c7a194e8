// SPDX-License-Identifier: MIT
#pragma once

#include "value/Schema.h"

#include <QDialog>
#include <memory>

class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QTreeWidget;
class QTreeWidgetItem;

namespace quarry {

class CancelToken;
struct Session;

/// Upload of a dropped JSON/NDJSON file by streaming inserts: the target (dataset, table),
/// the schema inferred from the whole file (editable: names, types, modes), the options, then
/// a progress bar with rate and ETA, cancel, and a link to the rejects file. Everything that
/// reads the file or talks to the server runs on worker threads.
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

    std::shared_ptr<Session> session_;
    QString file_;
    QLineEdit* dataset_;
    QLineEdit* table_;
    QTreeWidget* schemaTree_;
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
