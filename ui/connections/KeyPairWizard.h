// SPDX-License-Identifier: MIT
#pragma once

#include <QWizard>

class QLabel;
class QLineEdit;
class QPlainTextEdit;

namespace quarry {

/// Makes your own key pair for a service account, so no one ever sends you a private key:
/// 1. the key pair is generated here (2048-bit RSA, the private key 0600 in a folder of
///    yours) with a self-signed certificate; the page shows its fingerprint and the exact
///    command for the admin (gcloud ... keys upload, or the REST call);
/// 2. the admin reports the key id; the wizard writes a standard JSON key file for it.
/// Generation and file writes run on workers. keyFile() is the result once accepted.
class KeyPairWizard : public QWizard {
    Q_OBJECT
public:
    /// `endpoint`: the API the key is for (empty: Google); its token URI goes in the key file.
    explicit KeyPairWizard(const QString& endpoint = {}, QWidget* parent = nullptr);

    QLineEdit* emailEdit() const { return email_; }
    QLineEdit* folderEdit() const { return folder_; }
    QLineEdit* keyIdEdit() const { return keyId_; }
    QString fingerprint() const;
    QString uploadCommand() const;
    QString certificatePath() const { return certificate_; }
    QString keyFile() const { return keyFile_; }
    QString statusText() const;

    /// Finish: writes the key file first, closes once it is written.
    void accept() override;

public slots:
    /// Generates the pair into the folder; generated() tells the outcome.
    void generate();
    /// Writes the JSON key file for the key id; keyFileWritten() tells the outcome.
    void writeKeyFile();

signals:
    void generated(const QString& error);
    void keyFileWritten(const QString& path, const QString& error);

private:
    QString tokenUri() const;

    QString endpoint_;
    QLineEdit* email_;
    QLineEdit* folder_;
    QLabel* generateStatus_;
    QLabel* fingerprint_;
    QPlainTextEdit* command_;
    QLineEdit* keyId_;
    QLabel* fileStatus_;
    QString privateKey_, certificate_, keyFile_;
    bool generatedOk_ = false;
    bool finishing_ = false;
};

} // namespace quarry
