// SPDX-License-Identifier: MIT
#include "KeyPairWizard.h"

#include "Background.h"
#include "auth/KeyPair.h"
#include "jobs/OnGui.h"

#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QVBoxLayout>
#include <fstream>

namespace quarry {
namespace {

// The wizard's pages only decide when Next is allowed.
class GatedPage : public QWizardPage {
public:
    std::function<bool()> ready;
    bool isComplete() const override { return ready ? ready() : true; }
    void changed() { emit completeChanged(); }
};

std::string readText(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

} // namespace

KeyPairWizard::KeyPairWizard(const QString& endpoint, QWidget* parent) : QWizard(parent), endpoint_(endpoint) {
    setWindowTitle(tr("Make a key pair"));
    setObjectName(QStringLiteral("keyPairWizard"));
    setWizardStyle(QWizard::ClassicStyle);

    auto* generatePage = new GatedPage;
    generatePage->setTitle(tr("1. Generate your key pair"));
    generatePage->setSubTitle(tr("The private key stays on this machine. Only the certificate goes to the admin of the service account."));
    email_ = new QLineEdit(generatePage);
    email_->setObjectName(QStringLiteral("keyPairEmail"));
    email_->setPlaceholderText(QStringLiteral("name@project.iam.gserviceaccount.com"));
    folder_ = new QLineEdit(generatePage);
    folder_->setText(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/keys/") +
                     QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss")));
    auto* generateButton = new QPushButton(tr("Generate"), generatePage);
    generateButton->setObjectName(QStringLiteral("keyPairGenerate"));
    generateStatus_ = new QLabel(generatePage);
    generateStatus_->setWordWrap(true);
    fingerprint_ = new QLabel(generatePage);
    fingerprint_->setObjectName(QStringLiteral("keyPairFingerprint"));
    fingerprint_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    fingerprint_->setWordWrap(true);
    command_ = new QPlainTextEdit(generatePage);
    command_->setObjectName(QStringLiteral("keyPairCommand"));
    command_->setAccessibleName(tr("Command for the project admin"));
    command_->setReadOnly(true);
    command_->setMaximumHeight(110);
    command_->setPlaceholderText(tr("The command for the admin appears here."));
    auto* copy = new QPushButton(tr("Copy the command"), generatePage);
    connect(copy, &QPushButton::clicked, this, [this] { QApplication::clipboard()->setText(command_->toPlainText()); });
    auto* form = new QFormLayout;
    form->addRow(tr("Service account"), email_);
    form->addRow(tr("Folder"), folder_);
    auto* l1 = new QVBoxLayout(generatePage);
    l1->addLayout(form);
    l1->addWidget(generateButton, 0, Qt::AlignLeft);
    l1->addWidget(generateStatus_);
    l1->addWidget(fingerprint_);
    l1->addWidget(new QLabel(tr("Send the certificate to the admin, who runs:"), generatePage));
    l1->addWidget(command_);
    l1->addWidget(copy, 0, Qt::AlignLeft);
    generatePage->ready = [this] { return generatedOk_; };
    connect(generateButton, &QPushButton::clicked, this, &KeyPairWizard::generate);
    connect(this, &KeyPairWizard::generated, generatePage, [generatePage] { generatePage->changed(); });

    auto* keyPage = new GatedPage;
    keyPage->setTitle(tr("2. The key id"));
    keyPage->setSubTitle(tr("The upload prints the new key's id (40 hexadecimal characters). Enter it to make the key file."));
    keyId_ = new QLineEdit(keyPage);
    keyId_->setObjectName(QStringLiteral("keyPairKeyId"));
    keyId_->setPlaceholderText(QStringLiteral("e.g. 1a2b3c\u2026"));
    fileStatus_ = new QLabel(keyPage);
    fileStatus_->setWordWrap(true);
    auto* l2 = new QVBoxLayout(keyPage);
    auto* form2 = new QFormLayout;
    form2->addRow(tr("Key id"), keyId_);
    l2->addLayout(form2);
    l2->addWidget(fileStatus_);
    l2->addStretch(1);
    keyPage->ready = [this] { return QRegularExpression(QStringLiteral("^[0-9a-fA-F]{8,64}$")).match(keyId_->text().trimmed()).hasMatch(); };
    connect(keyId_, &QLineEdit::textChanged, keyPage, [keyPage] { keyPage->changed(); });

    addPage(generatePage);
    addPage(keyPage);
    setButtonText(QWizard::FinishButton, tr("Make the key file"));
    connect(this, &KeyPairWizard::keyFileWritten, this, [this](const QString&, const QString& error) {
        if (finishing_ && error.isEmpty()) QWizard::accept();
        finishing_ = false;
    });
    resize(680, 520);
}

QString KeyPairWizard::fingerprint() const { return fingerprint_->text(); }
QString KeyPairWizard::uploadCommand() const { return command_->toPlainText(); }
QString KeyPairWizard::statusText() const { return currentId() == 1 ? fileStatus_->text() : generateStatus_->text(); }

QString KeyPairWizard::tokenUri() const {
    if (endpoint_.trimmed().isEmpty()) return QStringLiteral("https://oauth2.googleapis.com/token");
    QString base = endpoint_.trimmed();
    while (base.endsWith(QLatin1Char('/'))) base.chop(1);
    return base + QStringLiteral("/token");
}

void KeyPairWizard::generate() {
    const QString email = email_->text().trimmed();
    if (!QRegularExpression(QStringLiteral("^[^@\\s]+@[^@\\s]+$")).match(email).hasMatch()) {
        generateStatus_->setText(tr("Enter the service account's e-mail address (name@project.iam.gserviceaccount.com)."));
        emit generated(generateStatus_->text());
        return;
    }
    generateStatus_->setText(tr("Generating a 2048-bit RSA key\u2026"));
    QPointer<KeyPairWizard> self(this);
    const std::string dir = folder_->text().trimmed().toStdString();
    Background::run(this, [self, email, dir](const CancelToken&) {
        QString error, fingerprint, command, key, cert;
        try {
            auth::KeyPairOptions o;
            o.accountEmail = email.toStdString();
            const auto r = auth::generateKeyPair(dir, o);
            fingerprint = QString::fromStdString(r.info.fingerprint);
            command = QString::fromStdString(r.gcloudCommand) + QStringLiteral("\n\n# or, without gcloud:\n# POST ") +
                      QString::fromStdString(r.restUrl) + QStringLiteral("\n# with the body in ") +
                      QString::fromStdString(r.restBodyFile.string());
            key = QString::fromStdString(r.privateKey.string());
            cert = QString::fromStdString(r.certificate.string());
        } catch (const std::exception& e) {
            error = QString::fromUtf8(e.what());
        }
        onGui([self, error, fingerprint, command, key, cert] {
            if (!self) return;
            self->generatedOk_ = error.isEmpty();
            if (error.isEmpty()) {
                self->privateKey_ = key;
                self->certificate_ = cert;
                self->fingerprint_->setText(tr("Certificate SHA-256: %1").arg(fingerprint));
                self->command_->setPlainText(command);
                self->generateStatus_->setText(tr("The private key is in %1 (readable by you only); the certificate is %2.").arg(key, cert));
            } else {
                self->generateStatus_->setText(error);
            }
            emit self->generated(error);
        });
    });
}

void KeyPairWizard::accept() {
    if (!keyFile_.isEmpty()) {
        QWizard::accept();
        return;
    }
    finishing_ = true;
    writeKeyFile();
}

void KeyPairWizard::writeKeyFile() {
    const QString keyId = keyId_->text().trimmed();
    if (!generatedOk_ || keyId.isEmpty()) {
        fileStatus_->setText(tr("Generate the key pair and enter the key id first."));
        emit keyFileWritten({}, fileStatus_->text());
        return;
    }
    QPointer<KeyPairWizard> self(this);
    const std::string key = privateKey_.toStdString(), email = email_->text().trimmed().toStdString(),
                      uri = tokenUri().toStdString();
    const std::string path = (std::filesystem::path(key).parent_path() / "key.json").string();
    Background::run(this, [self, key, email, uri, path, keyId](const CancelToken&) {
        QString error;
        try {
            auth::writePrivateFile(path, auth::keyFileJson(readText(key), email, keyId.toStdString(), uri), false);
        } catch (const std::exception& e) {
            error = QString::fromUtf8(e.what());
        }
        onGui([self, error, path] {
            if (!self) return;
            const QString file = QString::fromStdString(path);
            if (error.isEmpty()) {
                self->keyFile_ = file;
                self->fileStatus_->setText(tr("Wrote %1 (readable by you only).").arg(file));
            } else {
                self->fileStatus_->setText(error);
            }
            emit self->keyFileWritten(error.isEmpty() ? file : QString(), error);
        });
    });
}

} // namespace quarry
