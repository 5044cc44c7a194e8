// SPDX-License-Identifier: MIT
#include "ConnectionDialog.h"

#include "Background.h"
#include "Dialogs.h"
#include "KeyPairWizard.h"
#include "auth/Credentials.h"
#include "jobs/OnGui.h"
#include "jobs/Session.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QUuid>
#include <QVBoxLayout>

namespace quarry {

ConnectionDialog::ConnectionDialog(ConnectionStore* store, QWidget* parent) : QDialog(parent), store_(store) {
    setWindowTitle(tr("Add a connection"));
    setObjectName(QStringLiteral("connectionDialog"));
    name_ = new QLineEdit(tr("BigQuery"), this);
    kind_ = new QComboBox(this);
    kind_->addItem(tr("Service-account key file (JSON)"), int(ConnectionInfo::Kind::KeyFile));
    kind_->addItem(tr("Application Default Credentials (gcloud auth application-default login)"), int(ConnectionInfo::Kind::Adc));
    kind_->addItem(tr("An endpoint without sign-in (a sandbox or an emulator)"), int(ConnectionInfo::Kind::Endpoint));
    keyFile_ = new QLineEdit(this);
    keyFile_->setAccessibleName(tr("Key file"));
    keyFile_->setPlaceholderText(tr("the .json key file; its text is kept in the system keychain"));
    browse_ = new QPushButton(tr("Browse\u2026"), this);
    connect(browse_, &QPushButton::clicked, this, [this] {
        const QString f = dialogs::openFileName(this, tr("Service-account key"), tr("JSON key (*.json);;All files (*)"));
        if (!f.isEmpty()) keyFile_->setText(f);
    });
    makeKey_ = new QPushButton(tr("Make a key pair\u2026"), this);
    makeKey_->setToolTip(tr("Generate your own key and certificate; the admin uploads the certificate, no private key is sent"));
    connect(makeKey_, &QPushButton::clicked, this, &ConnectionDialog::openKeyPairWizard);
    auto* keyRow = new QHBoxLayout;
    keyRow->addWidget(keyFile_, 1);
    keyRow->addWidget(browse_);
    keyRow->addWidget(makeKey_);
    project_ = new QLineEdit(this);
    project_->setPlaceholderText(tr("default: the key's project"));
    endpoint_ = new QLineEdit(this);
    endpoint_->setPlaceholderText(QStringLiteral("https://bigquery.googleapis.com"));
    byteCap_ = new QDoubleSpinBox(this);
    byteCap_->setRange(0, 1e6);
    byteCap_->setDecimals(1);
    byteCap_->setSuffix(tr(" GB"));
    byteCap_->setSpecialValueText(tr("no cap"));
    byteCap_->setValue(100);
    location_ = new QLineEdit(this);
    location_->setPlaceholderText(tr("e.g. US, EU (optional)"));
    storageEndpoint_ = new QLineEdit(this);
    storageEndpoint_->setObjectName(QStringLiteral("connectionStorageEndpoint"));
    storageEndpoint_->setPlaceholderText(tr("automatic (HOST:PORT over TLS for a regional or private one)"));
    storageEndpoint_->setToolTip(tr("Where uploads and large exports go through the BigQuery Storage API. Automatic: "
                                    "bigquerystorage.googleapis.com:443 for Google's endpoint (and its regional and Private "
                                    "Service Connect ones), the sandbox's own port for a local sandbox."));
    status_ = new QLabel(this);
    status_->setObjectName(QStringLiteral("connectionDialogStatus"));
    status_->setWordWrap(true);

    auto* form = new QFormLayout;
    form->addRow(tr("Name"), name_);
    form->addRow(tr("Sign in with"), kind_);
    form->addRow(tr("Key file"), keyRow);
    form->addRow(tr("Project"), project_);
    form->addRow(tr("Endpoint"), endpoint_);
    form->addRow(tr("Cap per query"), byteCap_);
    form->addRow(tr("Location"), location_);
    form->addRow(tr("Storage API"), storageEndpoint_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    connect_ = buttons->addButton(tr("Connect"), QDialogButtonBox::AcceptRole);
    connect_->setObjectName(QStringLiteral("connectionConnect"));
    connect(connect_, &QPushButton::clicked, this, &ConnectionDialog::connectAndSave);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(new QLabel(tr("Keys stay on this machine, in the system keychain; Quarry never asks for a password."), this));
    layout->addWidget(status_);
    layout->addWidget(buttons);
    connect(kind_, &QComboBox::currentIndexChanged, this, &ConnectionDialog::kindChanged);
    kindChanged();
    resize(620, 360);
}

QString ConnectionDialog::statusText() const { return status_->text(); }

void ConnectionDialog::kindChanged() {
    const auto kind = ConnectionInfo::Kind(kind_->currentData().toInt());
    keyFile_->setEnabled(kind == ConnectionInfo::Kind::KeyFile);
    browse_->setEnabled(kind == ConnectionInfo::Kind::KeyFile);
    makeKey_->setEnabled(kind == ConnectionInfo::Kind::KeyFile);
    if (kind == ConnectionInfo::Kind::Endpoint) endpoint_->setPlaceholderText(QStringLiteral("http://127.0.0.1:9050"));
    else endpoint_->setPlaceholderText(QStringLiteral("https://bigquery.googleapis.com"));
}

KeyPairWizard* ConnectionDialog::openKeyPairWizard() {
    auto* w = new KeyPairWizard(endpoint_->text(), this);
    w->setAttribute(Qt::WA_DeleteOnClose);
    connect(w, &QDialog::accepted, this, [this, w] {
        keyFile_->setText(w->keyFile());
        if (name_->text() == tr("BigQuery")) name_->setText(w->emailEdit()->text().trimmed());
        status_->setText(tr("Key file ready: Connect signs in with it once the admin has uploaded the certificate."));
    });
    w->open();
    return w;
}

void ConnectionDialog::connectAndSave() {
    ConnectionInfo info;
    info.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    info.name = name_->text().trimmed().isEmpty() ? tr("BigQuery") : name_->text().trimmed();
    info.kind = ConnectionInfo::Kind(kind_->currentData().toInt());
    info.project = project_->text().trimmed();
    info.endpoint = endpoint_->text().trimmed();
    info.byteCap = static_cast<qint64>(byteCap_->value() * 1e9);
    info.location = location_->text().trimmed();
    info.storageEndpoint = storageEndpoint_->text().trimmed();
    if (!info.storageEndpoint.isEmpty()) {
        std::string why;
        if (StorageApiEndpoint::parse(info.storageEndpoint.toStdString(), why).empty()) {
            status_->setText(QString::fromStdString(why) + QLatin1Char('.'));
            return;
        }
    }
    if (info.kind == ConnectionInfo::Kind::Endpoint && info.endpoint.isEmpty()) {
        status_->setText(tr("Give the endpoint's URL, e.g. http://127.0.0.1:9050."));
        return;
    }
    if (info.kind == ConnectionInfo::Kind::KeyFile && keyFile_->text().trimmed().isEmpty()) {
        status_->setText(tr("Choose the service-account key file (.json)."));
        return;
    }
    connect_->setEnabled(false);
    status_->setText(tr("Signing in\u2026"));
    QPointer<ConnectionDialog> self(this);
    const QString keyFile = keyFile_->text().trimmed();
    Background::run(this, [self, info, keyFile](const CancelToken&) {
        QByteArray secret;
        QString error, warning;
        if (info.kind == ConnectionInfo::Kind::KeyFile) {
            QFile f(keyFile);
            if (f.size() > (1 << 20)) error = tr("%1 is too large to be a key file.").arg(keyFile);
            else if (!f.open(QIODevice::ReadOnly)) error = tr("%1 cannot be read: %2").arg(keyFile, f.errorString());
            else secret = f.readAll();
            warning = QString::fromStdString(auth::permissionWarning(keyFile.toStdString()));
        }
        onGui([self, info, secret, error, warning]() mutable {
            if (!self) return;
            if (!error.isEmpty()) {
                self->status_->setText(error);
                self->connect_->setEnabled(true);
                return;
            }
            openConnection(self, info, secret, [self, info, secret, warning](std::shared_ptr<Session> s, QString openError) mutable {
                if (!self) return;
                if (!s) {
                    self->status_->setText(openError);
                    self->connect_->setEnabled(true);
                    return;
                }
                info.project = QString::fromStdString(s->project);
                self->status_->setText(tr("Signed in; saving the key in the system keychain\u2026"));
                self->store_->save(info, secret, [self, info, s, warning](QString saveError) {
                    if (!self) return;
                    if (!saveError.isEmpty()) {
                        self->status_->setText(saveError);
                        self->connect_->setEnabled(true);
                        return;
                    }
                    self->status_->setText(warning.isEmpty() ? tr("Connected.") : tr("Connected. Warning: %1").arg(warning));
                    emit self->connected(info, s);
                    self->accept();
                });
            });
        });
    });
}

} // namespace quarry
