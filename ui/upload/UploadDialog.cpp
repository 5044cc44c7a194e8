// SPDX-License-Identifier: MIT
#include "UploadDialog.h"

#include "Background.h"
#include "jobs/OnGui.h"
#include "jobs/Session.h"
#include "net/CancelToken.h"
#include "upload/Loader.h"
#include "upload/Uploader.h"
#ifdef QUARRY_HAS_STORAGE_CLIENT
#include "storageapi/WriteSender.h"
#endif

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QProgressBar>
#include <QRadioButton>
#include <QPushButton>
#include <QTreeWidget>
#include <QUrl>
#include <QVBoxLayout>

namespace quarry {
namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

/// From this size a load job is the default: free, and the wait for the job is small next to
/// the upload.
constexpr qint64 kLoadByDefaultBytes = 50ll << 20;

/// Streaming inserts cost $0.01 per 200 MB, each row counted as at least 1 KB (BigQuery's
/// pricing page); load jobs are free.
double streamingDollars(std::uint64_t bytes, std::uint64_t rows) {
    const double billed = std::max<double>(static_cast<double>(bytes), static_cast<double>(rows) * 1024.0);
    return billed / (200.0 * 1024 * 1024) * 0.01;
}
QString latin(std::string_view s) { return QString::fromLatin1(s.data(), static_cast<int>(s.size())); }

/// A table name from a file name: "persons (2).ndjson.gz" -> "persons_2".
QString tableNameFor(const QString& file) {
    QString base = QFileInfo(file).fileName();
    for (const auto* ext : {".gz", ".ndjson", ".jsonl", ".json"})
        if (base.endsWith(QLatin1String(ext), Qt::CaseInsensitive)) base.chop(static_cast<int>(std::strlen(ext)));
    QString out;
    for (const QChar c : base) out += (c.isLetterOrNumber() && c.unicode() < 128) ? c : QLatin1Char('_');
    while (out.contains(QStringLiteral("__"))) out.replace(QStringLiteral("__"), QStringLiteral("_"));
    while (out.endsWith(QLatin1Char('_'))) out.chop(1);
    if (out.isEmpty() || out[0].isDigit()) out.prepend(QStringLiteral("t_"));
    return out;
}

Json fieldJson(const QTreeWidgetItem* item) {
    Json f = {{"name", item->text(0).trimmed().toStdString()},
              {"type", item->text(1).trimmed().toUpper().toStdString()},
              {"mode", item->text(2).trimmed().toUpper().toStdString()}};
    if (item->childCount() > 0) {
        f["fields"] = Json::array();
        for (int i = 0; i < item->childCount(); ++i) f["fields"].push_back(fieldJson(item->child(i)));
    }
    return f;
}

void addField(QTreeWidget* tree, QTreeWidgetItem* parent, const Field& f) {
    auto* item = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(tree);
    item->setText(0, qs(f.name));
    item->setText(1, latin(standardTypeName(f.type)));
    item->setText(2, latin(modeName(f.mode)));
    item->setFlags(item->flags() | Qt::ItemIsEditable);
    for (const auto& c : f.fields) addField(tree, item, c);
}

/// The dataset of `t`, made when it does not exist yet (on a worker thread).
void ensureDataset(BigQueryClient& client, const TableRef& t, const CancelToken* cancel) {
    try {
        client.getDataset(t.projectId, t.datasetId, cancel);
    } catch (const ApiError& e) {
        if (e.httpStatus() != 404) throw;
        client.insertDataset(t.projectId, {{"datasetReference", {{"datasetId", t.datasetId}}}}, cancel);
    }
}

} // namespace

UploadDialog::UploadDialog(std::shared_ptr<Session> session, const QString& file, const QString& dataset,
                           const QString& table, QWidget* parent)
    : QDialog(parent), session_(std::move(session)), file_(file), cancel_(std::make_shared<CancelToken>()) {
    setWindowTitle(tr("Upload %1").arg(QFileInfo(file).fileName()));
    setObjectName(QStringLiteral("uploadDialog"));
    dataset_ = new QLineEdit(dataset, this);
    dataset_->setObjectName(QStringLiteral("uploadDataset"));
    table_ = new QLineEdit(table.isEmpty() ? tableNameFor(file) : table, this);
    table_->setObjectName(QStringLiteral("uploadTable"));
    schemaTree_ = new QTreeWidget(this);
    schemaTree_->setObjectName(QStringLiteral("uploadSchema"));
    schemaTree_->setAccessibleName(tr("Schema of the table"));
    schemaTree_->setHeaderLabels({tr("Field"), tr("Type"), tr("Mode")});
    schemaTree_->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    schemaTree_->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
    load_ = new QRadioButton(this);
    load_->setObjectName(QStringLiteral("uploadModeLoad"));
    stream_ = new QRadioButton(this);
    stream_->setObjectName(QStringLiteral("uploadModeStream"));
    (QFileInfo(file).size() >= kLoadByDefaultBytes ? load_ : stream_)->setChecked(true);
    showCosts(0);
    skipInvalid_ = new QCheckBox(tr("Upload the valid rows when some are invalid (the others go to the rejects file)"), this);
    skipInvalid_->setChecked(true);
    ignoreUnknown_ = new QCheckBox(tr("Drop fields the table does not have"), this);
    progress_ = new QProgressBar(this);
    progress_->setRange(0, 1000);
    progress_->setValue(0);
    status_ = new QLabel(this);
    status_->setObjectName(QStringLiteral("uploadStatus"));
    status_->setTextFormat(Qt::RichText);
    status_->setOpenExternalLinks(true);
    status_->setWordWrap(true);
    notes_ = new QLabel(this);
    notes_->setWordWrap(true);
    notes_->setStyleSheet(QStringLiteral("color: palette(mid)"));

    buttons_ = new QDialogButtonBox(this);
    uploadButton_ = buttons_->addButton(tr("Upload"), QDialogButtonBox::AcceptRole);
    uploadButton_->setObjectName(QStringLiteral("uploadStart"));
    uploadButton_->setEnabled(false);
    auto* cancel = buttons_->addButton(QDialogButtonBox::Cancel);
    connect(uploadButton_, &QPushButton::clicked, this, &UploadDialog::startUpload);
    connect(cancel, &QPushButton::clicked, this, [this] {
        if (uploading_) cancelUpload();
        else reject();
    });

    auto* form = new QFormLayout;
    auto* name = new QLabel(QFileInfo(file).fileName(), this);
    name->setToolTip(QDir::toNativeSeparators(file));
    form->addRow(tr("File"), name);
    form->addRow(tr("Dataset"), dataset_);
    form->addRow(tr("Table"), table_);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(new QLabel(tr("Schema, inferred from the whole file (double-click to edit; an existing table keeps its own):"), this));
    layout->addWidget(schemaTree_, 1);
    layout->addWidget(notes_);
    layout->addWidget(load_);
    layout->addWidget(stream_);
    layout->addWidget(skipInvalid_);
    layout->addWidget(ignoreUnknown_);
    layout->addWidget(progress_);
    layout->addWidget(status_);
    layout->addWidget(buttons_);
    resize(640, 560);
    inferSchema();
}

UploadDialog::~UploadDialog() { cancel_->cancel(); }

QString UploadDialog::statusText() const { return status_->text(); }

void UploadDialog::inferSchema() {
    status_->setText(tr("Reading the whole file to infer its schema\u2026"));
    QPointer<UploadDialog> self(this);
    const std::string file = file_.toStdString();
    auto cancel = cancel_;
    Background::runWith(this, cancel, [self, file, cancel](const CancelToken&) {
        std::shared_ptr<upload::Uploader::Inferred> result;
        QString error;
        try {
            result = std::make_shared<upload::Uploader::Inferred>(upload::Uploader::inferSchema(
                file, upload::InputFormat::Auto, cancel.get(), [self](const upload::UploadProgress& p) {
                    const int permille = p.fileBytes ? static_cast<int>(1000 * p.fileBytesRead / p.fileBytes) : 0;
                    onGui([self, permille] {
                        if (self) self->progress_->setValue(permille);
                    });
                }));
        } catch (const std::exception& e) {
            error = QString::fromUtf8(e.what());
        }
        onGui([self, result, error] {
            if (!self) return;
            if (!result) {
                self->status_->setText(error.toHtmlEscaped());
                return;
            }
            self->fillTree(result->schema);
            QStringList notes;
            for (const auto& n : result->notes) notes << qs(n);
            for (const auto& c : result->conflicts) notes << qs(c.message);
            self->notes_->setText(notes.join(QLatin1Char('\n')));
            self->status_->setText(tr("%1 records read; %2 unreadable. Ready to upload.").arg(result->records).arg(result->unreadable));
            self->showCosts(result->records);
            self->progress_->setValue(0);
            self->schemaReady_ = true;
            self->uploadButton_->setEnabled(!result->schema.fields.empty());
        });
    });
}

void UploadDialog::showCosts(std::uint64_t records) {
    const auto bytes = static_cast<std::uint64_t>(QFileInfo(file_).size());
    const bool local = session_ && session_->client && session_->client->endpoint().isLoopback();
    const QString free = local ? tr(" (the local sandbox charges nothing either way)") : QString();
    load_->setText(tr("Load job: free; the rows appear when the job finishes%1").arg(free));
    const double dollars = streamingDollars(bytes, records);
    // The Storage Write API: $0.025 per GiB, no per-row minimum, the first 2 TiB a month free.
    const double writeDollars = static_cast<double>(bytes) / (1024.0 * 1024 * 1024) * 0.025;
    auto money = [](double d) { return d < 0.01 ? QStringLiteral("0.01") : QString::number(d, 'f', 2); };
    stream_->setText(tr("Streaming: about $%1 (Storage Write API) to $%2 (insertAll); the rows appear within seconds%3")
                         .arg(money(writeDollars), money(dollars), free));
    stream_->setToolTip(tr("Quarry streams through the Storage Write API where the server serves it (exactly once, "
                           "$0.025 per GiB, the first 2 TiB a month free), else with insertAll ($0.01 per 200 MB, "
                           "each row counted as at least 1 KB)."));
}

void UploadDialog::fillTree(const Schema& s) {
    schemaTree_->clear();
    for (const auto& f : s.fields) addField(schemaTree_, nullptr, f);
    schemaTree_->expandAll();
}

Schema UploadDialog::editedSchema() const {
    Json fields = Json::array();
    for (int i = 0; i < schemaTree_->topLevelItemCount(); ++i) fields.push_back(fieldJson(schemaTree_->topLevelItem(i)));
    return Schema::fromJson({{"fields", fields}});
}

void UploadDialog::setBusy(bool busy) {
    uploading_ = busy;
    uploadButton_->setEnabled(!busy);
    dataset_->setEnabled(!busy);
    table_->setEnabled(!busy);
    schemaTree_->setEnabled(!busy);
    load_->setEnabled(!busy);
    stream_->setEnabled(!busy);
}

void UploadDialog::startUpload() {
    if (uploading_ || !schemaReady_) return;
    const QString dataset = dataset_->text().trimmed(), table = table_->text().trimmed();
    if (dataset.isEmpty() || table.isEmpty()) {
        status_->setText(tr("Name the dataset and the table to upload into."));
        return;
    }
    upload::UploadOptions o;
    try {
        o.schema = editedSchema();
    } catch (const std::exception& e) {
        status_->setText(tr("The schema is not valid: %1").arg(QString::fromUtf8(e.what()).toHtmlEscaped()));
        return;
    }
    if (load_->isChecked()) {
        startLoad(*o.schema, dataset, table);
        return;
    }
    o.file = file_.toStdString();
    o.table = TableRef{session_->project, dataset.toStdString(), table.toStdString()};
    o.create = true;
    o.resumeIfInterrupted = true; // dropping a cancelled file again finishes it, nothing twice
    o.skipInvalid = skipInvalid_->isChecked();
    o.ignoreUnknown = ignoreUnknown_->isChecked();
    runInBackground(tr("Starting\u2026"), o.table, [o, dataset, table](const QPointer<UploadDialog>& self, BigQueryClient& client,
                                                                      const CancelToken* cancel) {
        upload::UploadOptions opts = o;
#ifdef QUARRY_HAS_STORAGE_CLIENT
        // Through the Storage Write API where the endpoint has one (Google's, the local
        // sandbox's): exactly once by stream offsets, half insertAll's price on BigQuery. (Asked
        // here, off the GUI thread.) When it cannot be reached, insertAll carries the rows.
        if (const auto at = client.storageApi(opts.table.projectId, cancel); !at.empty()) {
            opts.makeSink = storageapi::WriteSender::factory(storageapi::StorageEndpoint::of(at, client), opts.table);
            opts.sinkBatchRows = 50000;
        }
#endif
        upload::Uploader u(client, opts);
        u.onProgress = [self](const upload::UploadProgress& p) {
            const double frac = p.fileBytes ? double(p.fileBytesRead) / double(p.fileBytes) : 0;
            const double rate = p.seconds > 0 ? double(p.rowsInserted) / p.seconds : 0;
            QString line = tr("%1: %2 rows inserted, %3 rejected").arg(QString::fromLatin1(p.phase)).arg(p.rowsInserted).arg(p.rowsRejected);
            if (rate > 0) line += tr(" \u00b7 %1 rows/s").arg(rate, 0, 'f', 0);
            if (frac > 0.01 && frac < 1) line += tr(" \u00b7 about %1 s left").arg(p.seconds * (1 - frac) / frac, 0, 'f', 0);
            showProgress(self, frac, line);
        };
        const auto s = u.run(cancel);
        QString text = s.cancelled ? tr("Cancelled after %1 rows; drop the file again to resume where it stopped.").arg(s.inserted)
                                   : tr("%1 rows inserted into %2.%3, %4 rejected, in %5 s%6.")
                                         .arg(s.inserted).arg(dataset, table).arg(s.rejected).arg(s.seconds, 0, 'f', 1)
                                         .arg(s.throughSink ? tr(" through the Storage Write API") : QString());
        text = text.toHtmlEscaped();
        // What the user should know of the run: a resume, or why insertAll carried the rows.
        for (const auto& note : s.notes) text += QStringLiteral("<br>") + qs(note).toHtmlEscaped();
        if (!s.rejectsFile.empty()) {
            const QString path = qs(s.rejectsFile);
            text += QStringLiteral(" <a href=\"%1\">%2</a>").arg(QUrl::fromLocalFile(path).toString(), tr("Open the rejects file"));
        }
        return RunOutcome{!s.cancelled && s.rejected == 0, text};
    });
}

// The file through a load job (upload::Loader: resumable upload, then the job): a run cut
// off is continued by dropping the file again.
void UploadDialog::startLoad(const Schema& schema, const QString& dataset, const QString& table) {
    upload::LoadOptions o;
    o.file = file_.toStdString();
    o.table = TableRef{session_->project, dataset.toStdString(), table.toStdString()};
    o.sourceFormat = "NEWLINE_DELIMITED_JSON";
    o.schema = schema;
    if (skipInvalid_->isChecked()) o.maxBadRecords = 1000000000;
    o.ignoreUnknown = ignoreUnknown_->isChecked();
    runInBackground(tr("Starting the upload for a load job\u2026"), o.table,
                    [o, dataset, table](const QPointer<UploadDialog>& self, BigQueryClient& client, const CancelToken* cancel) {
        upload::Loader loader(client, o);
        loader.onProgress = [self](const upload::LoadProgress& p) {
            const double frac = p.totalBytes && *p.totalBytes ? double(p.bytesSent) / double(*p.totalBytes) : 0;
            showProgress(self, frac, std::string_view(p.phase) == "loading"
                                         ? tr("The load job is reading the file\u2026 (%1 s)").arg(p.seconds, 0, 'f', 0)
                                         : tr("Uploading: %1 of %2").arg(formatBytes(p.bytesSent), formatBytes(p.totalBytes.value_or(0))));
        };
        try {
            const auto s = loader.run(cancel);
            const Json stats = s.job["statistics"].value("load", Json::object());
            QString text = tr("%1 rows loaded into %2.%3 by a load job, %4 bad rows skipped, in %5 s.")
                               .arg(qs(stats.value("outputRows", std::string("0"))), dataset, table,
                                    qs(stats.value("badRecords", std::string("0"))))
                               .arg(s.seconds, 0, 'f', 1);
            for (const auto& e : s.job["status"].value("errors", Json::array())) text += QLatin1Char('\n') + qs(e.value("message", std::string()));
            return RunOutcome{stats.value("badRecords", std::string("0")) == "0", text.toHtmlEscaped().replace(QLatin1Char('\n'), QStringLiteral("<br>"))};
        } catch (const upload::LoadError& e) {
            if (cancel->isCancelled())
                return RunOutcome{false, tr("Cancelled; drop the file again to continue the upload where it stopped.").toHtmlEscaped()};
            QString text = tr("The load failed: %1").arg(QString::fromUtf8(e.what())).toHtmlEscaped();
            for (const auto& d : e.details()) text += QStringLiteral("<br>") + qs(d).toHtmlEscaped();
            return RunOutcome{false, text};
        }
    });
}

void UploadDialog::showProgress(const QPointer<UploadDialog>& self, double fraction, const QString& line) {
    onGui([self, fraction, line] {
        if (!self) return;
        self->progress_->setValue(static_cast<int>(fraction * 1000));
        self->status_->setText(line.toHtmlEscaped());
    });
}

void UploadDialog::runInBackground(const QString& starting, const TableRef& target, Work work) {
    setBusy(true);
    status_->setText(starting);
    QPointer<UploadDialog> self(this);
    auto session = session_;
    auto cancel = cancel_;
    const QString dataset = qs(target.datasetId), table = qs(target.tableId);
    Background::runWith(this, cancel, [self, session, cancel, target, work, dataset, table](const CancelToken&) {
        RunOutcome out;
        try {
            ensureDataset(*session->client, target, cancel.get());
            out = work(self, *session->client, cancel.get());
        } catch (const std::exception& e) {
            out = {false, tr("The upload failed: %1").arg(QString::fromUtf8(e.what())).toHtmlEscaped()};
        }
        onGui([self, out, dataset, table] {
            if (self) self->endRun(out.ok, out.html, dataset, table);
        });
    });
}

void UploadDialog::endRun(bool ok, const QString& text, const QString& dataset, const QString& table) {
    if (cancel_->isCancelled()) cancel_ = std::make_shared<CancelToken>();
    setBusy(false);
    progress_->setValue(ok ? 1000 : progress_->value());
    status_->setText(text);
    emit finished(ok, dataset, table);
}

void UploadDialog::cancelUpload() {
    cancel_->cancel();
    status_->setText(tr("Cancelling\u2026 rows already sent stay; the journal lets a later upload resume."));
}

} // namespace quarry
