// SPDX-License-Identifier: MIT
#pragma once

#include "ConnectionStore.h"

#include <QDialog>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace quarry {
class KeyPairWizard;
}

namespace quarry {

/// Adds a connection: a service-account JSON key (its text goes to the OS keychain, never to
/// a settings file), Application Default Credentials, or an endpoint without sign-in (a
/// sandbox or an emulator); the project, the byte cap applied to every query, the location.
/// "Connect" signs in and lists datasets before anything is saved.
class ConnectionDialog : public QDialog {
    Q_OBJECT
public:
    ConnectionDialog(ConnectionStore* store, QWidget* parent = nullptr);

    QLineEdit* nameEdit() const { return name_; }
    QComboBox* kindBox() const { return kind_; }
    QLineEdit* keyFileEdit() const { return keyFile_; }
    QLineEdit* projectEdit() const { return project_; }
    QLineEdit* endpointEdit() const { return endpoint_; }
    QDoubleSpinBox* byteCapBox() const { return byteCap_; }
    QString statusText() const;
    /// Opens the wizard that makes an own key pair; when it finishes, its key file is chosen here.
    KeyPairWizard* openKeyPairWizard();

public slots:
    void connectAndSave();

signals:
    /// Signed in and saved.
    void connected(const quarry::ConnectionInfo& info, std::shared_ptr<quarry::Session> session);

private:
    void kindChanged();

    ConnectionStore* store_;
    QLineEdit* name_;
    QComboBox* kind_;
    QLineEdit* keyFile_;
    QPushButton* browse_;
    QPushButton* makeKey_;
    QLineEdit* project_;
    QLineEdit* endpoint_;
    QDoubleSpinBox* byteCap_;
    QLineEdit* storageEndpoint_ = nullptr;
    QLineEdit* location_;
    QLabel* status_;
    QPushButton* connect_;
};

} // namespace quarry
