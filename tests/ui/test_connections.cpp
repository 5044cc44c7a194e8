// SPDX-License-Identifier: MIT
// Connections with keys, end to end, against a real keychain (GNOME Keyring over D-Bus, run
// by with_keyring.sh) and a quarry-sandbox that requires sign-in (--auth keys:DIR): a key pair
// made by Quarry's core, uploaded like an admin would, becomes a JSON key; the connection
// dialog signs in with it and stores it in the keychain (never in the settings file); a new
// window opens the saved connection from the keychain and runs a query with it.
#include "WindowTest.h"
#include "MainWindow.h"
#include "auth/KeyPair.h"
#include "connections/ConnectionDialog.h"
#include "connections/ConnectionStore.h"
#include "connections/KeyPairWizard.h"
#include "editor/QueryTab.h"
#include "net/HttpClient.h"
#include "results/ResultModel.h"
#include "results/ResultView.h"
#include "SandboxProcess.h"

#include <Qsci/qsciscintilla.h>
#include <QAbstractButton>
#include <QComboBox>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <fstream>

using namespace quarry;
namespace fs = std::filesystem;

namespace {

const std::string kEmail = "robot@sandbox-proj.iam.gserviceaccount.com";

std::string readText(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// The secret as another program sees it in the Secret Service (QtKeychain's schema).
QByteArray secretToolLookup(const QString& key) {
    QProcess p;
    p.start(QStringLiteral("secret-tool"), {QStringLiteral("lookup"), QStringLiteral("server"), ConnectionStore::keychainService(),
                                            QStringLiteral("user"), key});
    p.waitForFinished(10000);
    return p.readAllStandardOutput();
}

} // namespace

class TestConnections : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::unique_ptr<test::SandboxProcess> sandbox_;
    std::string keyJson_;
    QString keyFile_;

    /// The sandbox's keys:upload is for the admin, who can read the key folder's token.
    std::string adminBearer() const {
        std::ifstream in(fs::path(dir_.path().toStdString()) / "keys" / ".admin-token");
        std::string token;
        std::getline(in, token);
        return "Bearer " + token;
    }

private slots:
    void init() { test::failOnQtWarnings(); }

    void initTestCase() {
        QVERIFY(dir_.isValid());
        QStandardPaths::setTestModeEnabled(false);
        const fs::path root = dir_.path().toStdString();
        fs::create_directories(root / "keys" / kEmail);
        sandbox_ = std::make_unique<test::SandboxProcess>(std::vector<std::string>{"--auth", "keys:" + (root / "keys").string()});
        auth::KeyPairOptions o;
        o.accountEmail = kEmail;
        const auto pair = auth::generateKeyPair(root / "kp", o);
        // The admin's step: keys:upload of the certificate; the answer names the key id.
        HttpClient http;
        HttpRequest r;
        r.method = "POST";
        r.url = sandbox_->url() + "/v1/projects/-/serviceAccounts/" + kEmail + "/keys:upload";
        r.body = auth::uploadRestBody(readText(pair.certificate));
        r.headers.push_back({"Authorization", adminBearer()});
        const auto resp = http.send(r);
        QCOMPARE(resp.status, 200L);
        const auto name = nlohmann::json::parse(resp.body)["name"].get<std::string>();
        keyJson_ = auth::keyFileJson(readText(pair.privateKey), kEmail, name.substr(name.rfind('/') + 1), sandbox_->url() + "/token");
        keyFile_ = QString::fromStdString((root / "key.json").string());
        auth::writePrivateFile(keyFile_.toStdString(), keyJson_, false);
    }

    void aKeyThatIsNotTrustedIsRefusedAndNothingIsSaved() {
        const fs::path other = fs::path(dir_.path().toStdString()) / "other";
        auth::KeyPairOptions o;
        o.accountEmail = kEmail;
        const auto pair = auth::generateKeyPair(other, o);
        const QString file = QString::fromStdString((other / "key.json").string());
        auth::writePrivateFile(file.toStdString(), auth::keyFileJson(readText(pair.privateKey), kEmail, "0123456789abcdef", sandbox_->url() + "/token"), false);
        ConnectionStore store;
        ConnectionDialog d(&store);
        d.keyFileEdit()->setText(file);
        d.projectEdit()->setText(QStringLiteral("p"));
        d.endpointEdit()->setText(QString::fromStdString(sandbox_->url()));
        d.connectAndSave();
        QTRY_VERIFY_WITH_TIMEOUT(!d.statusText().startsWith(QStringLiteral("Signing in")), 20000);
        qInfo("refused with: %s", qPrintable(d.statusText()));
        QVERIFY2(d.statusText().contains(QStringLiteral("invalid_grant")), qPrintable(d.statusText()));
        QVERIFY(store.list().isEmpty());
    }

    // The wizard end to end: generate here, the admin uploads the certificate, the key id
    // makes a key file, and the connection dialog signs in with it.
    void keyPairWizardMakesAKeyThatSignsIn() {
        ConnectionStore store;
        ConnectionDialog d(&store);
        d.endpointEdit()->setText(QString::fromStdString(sandbox_->url()));
        d.projectEdit()->setText(QStringLiteral("p"));
        KeyPairWizard* w = d.openKeyPairWizard();
        QVERIFY(w->isVisible());
        const QString folder = dir_.path() + QStringLiteral("/wizard");
        w->folderEdit()->setText(folder);
        QSignalSpy generated(w, &KeyPairWizard::generated);
        w->generate(); // no e-mail yet: refused with what to do
        QCOMPARE(generated.size(), 1);
        QVERIFY(w->statusText().contains(QStringLiteral("e-mail address")));
        QVERIFY(!w->button(QWizard::NextButton)->isEnabled());
        w->emailEdit()->setText(QString::fromStdString(kEmail));
        w->generate();
        QVERIFY(generated.wait(20000));
        QCOMPARE(generated.last().at(0).toString(), QString());
        QVERIFY(w->button(QWizard::NextButton)->isEnabled());
        // The fingerprint is the certificate's, as openssl computes it.
        QProcess openssl;
        openssl.start(QStringLiteral("openssl"), {QStringLiteral("x509"), QStringLiteral("-in"), w->certificatePath(), QStringLiteral("-noout"),
                                                  QStringLiteral("-fingerprint"), QStringLiteral("-sha256")});
        QVERIFY(openssl.waitForFinished(10000));
        const QString expected = QString::fromUtf8(openssl.readAllStandardOutput()).section(QLatin1Char('='), 1).trimmed();
        QVERIFY2(w->fingerprint().contains(expected, Qt::CaseInsensitive), qPrintable(w->fingerprint() + QStringLiteral(" vs ") + expected));
        QVERIFY(w->uploadCommand().contains(QStringLiteral("gcloud iam service-accounts keys upload")));
        QVERIFY(w->uploadCommand().contains(QString::fromStdString(kEmail)));
        QVERIFY(QFileInfo(folder + QStringLiteral("/private_key.pem")).permissions() ==
                (QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadUser | QFileDevice::WriteUser));

        // The admin's step, as the command says: upload the certificate; the answer is the key id.
        HttpClient http;
        HttpRequest r;
        r.method = "POST";
        r.url = sandbox_->url() + "/v1/projects/-/serviceAccounts/" + kEmail + "/keys:upload";
        r.body = auth::uploadRestBody(readText(w->certificatePath().toStdString()));
        r.headers.push_back({"Authorization", adminBearer()});
        const auto resp = http.send(r);
        QCOMPARE(resp.status, 200L);
        const auto name = nlohmann::json::parse(resp.body)["name"].get<std::string>();
        w->next();
        QVERIFY(!w->button(QWizard::FinishButton)->isEnabled());
        w->keyIdEdit()->setText(QString::fromStdString(name.substr(name.rfind('/') + 1)));
        QVERIFY(w->button(QWizard::FinishButton)->isEnabled());
        QSignalSpy closed(w, &QDialog::accepted);
        w->accept(); // "Make the key file"
        QVERIFY(closed.wait(10000));
        QCOMPARE(d.keyFileEdit()->text(), folder + QStringLiteral("/key.json"));
        QCOMPARE(d.nameEdit()->text(), QString::fromStdString(kEmail));

        QSignalSpy connected(&d, &ConnectionDialog::connected);
        d.connectAndSave();
        QVERIFY2(connected.wait(20000), qPrintable(d.statusText()));
        store.remove(store.list().first().id);
    }

    void keyConnectionSignsInAndLivesInTheKeychain() {
        ConnectionStore store;
        ConnectionDialog d(&store);
        d.show();
        QVERIFY(QTest::qWaitForWindowExposed(&d));
        // Typed into the fields and the Connect button clicked, as a person does it.
        auto typeInto = [](QLineEdit* field, const QString& text) {
            QTest::mouseClick(field, Qt::LeftButton);
            QTest::keyClick(field, Qt::Key_A, Qt::ControlModifier);
            QTest::keyClicks(field, text);
        };
        typeInto(d.nameEdit(), QStringLiteral("Team warehouse"));
        typeInto(d.keyFileEdit(), keyFile_);
        typeInto(d.projectEdit(), QStringLiteral("p"));
        typeInto(d.endpointEdit(), QString::fromStdString(sandbox_->url()));
        // A Storage API endpoint that is not HOST:PORT is refused before anything is saved.
        auto* storageApi = d.findChild<QLineEdit*>(QStringLiteral("connectionStorageEndpoint"));
        QVERIFY(storageApi);
        typeInto(storageApi, QStringLiteral("https://bigquerystorage.example.test"));
        QSignalSpy connected(&d, &ConnectionDialog::connected);
        QTest::mouseClick(d.findChild<QPushButton*>(QStringLiteral("connectionConnect")), Qt::LeftButton);
        QVERIFY2(d.statusText().contains(QStringLiteral("HOST:PORT")), qPrintable(d.statusText()));
        QVERIFY(store.list().isEmpty());
        typeInto(storageApi, QStringLiteral("bigquerystorage.example.test:443"));
        QTest::mouseClick(d.findChild<QPushButton*>(QStringLiteral("connectionConnect")), Qt::LeftButton);
        QVERIFY2(connected.wait(20000), qPrintable(d.statusText()));
        const auto saved = store.list();
        QCOMPARE(saved.size(), 1);
        QCOMPARE(saved[0].name, QStringLiteral("Team warehouse"));
        QCOMPARE(saved[0].byteCap, qint64(100'000'000'000));
        QCOMPARE(saved[0].storageEndpoint, QStringLiteral("bigquerystorage.example.test:443"));
        const QString id = saved[0].id;

        // The settings file holds the description, not the key.
        ConnectionStore::flush();
        QSettings settings;
        settings.sync();
        QFile conf(settings.fileName());
        QVERIFY(conf.open(QIODevice::ReadOnly));
        const QByteArray text = conf.readAll();
        QVERIFY(text.contains("Team warehouse"));
        QVERIFY(text.contains("bigquerystorage.example.test:443"));
        QVERIFY(!text.contains("PRIVATE KEY"));
        QVERIFY(!text.contains("private_key"));
        // The keychain holds it, as any other Secret Service client can see.
        const QByteArray inKeychain = secretToolLookup(ConnectionStore::keychainKey(id));
        QVERIFY2(inKeychain == QByteArray::fromStdString(keyJson_) || QByteArray::fromBase64(inKeychain) == QByteArray::fromStdString(keyJson_),
                 inKeychain.left(40).constData());

        // A new window opens the connection it used last, from the keychain, and queries.
        QSettings().setValue(QStringLiteral("connection/current"), id);
        {
            MainWindow w;
            QSignalSpy ready(&w, &MainWindow::ready);
            w.show();
            QVERIFY(ready.wait(30000));
            auto* status = w.findChild<QLabel*>(QStringLiteral("connectionStatus"));
            QTRY_COMPARE_WITH_TIMEOUT(status->text(), QStringLiteral("Team warehouse \u2014 project p"), 10000);
            QCOMPARE(w.connectionBox()->currentText(), QStringLiteral("Team warehouse"));
            QueryTab* tab = w.currentTab();
            w.activateWindow();
            QVERIFY(QTest::qWaitForWindowActive(&w));
            QVERIFY2(test::runTyped(tab, QStringLiteral("SELECT 6 * 7 AS answer")), qPrintable(tab->results()->status()));
            QCOMPARE(tab->results()->gridModel()->index(0, 0).data().toString(), QStringLiteral("42"));
            // Back to the sandbox with one click.
            w.useConnection(QString());
            QCOMPARE(w.connectionBox()->currentText(), QStringLiteral("Local sandbox"));
        }

        // Removing the connection removes the key from the keychain.
        QSignalSpy removed(&store, &ConnectionStore::changed);
        bool deleted = false;
        store.remove(id, [&](QString error) { deleted = error.isEmpty(); });
        QTRY_VERIFY_WITH_TIMEOUT(deleted, 10000);
        QVERIFY(store.list().isEmpty());
        QVERIFY(secretToolLookup(ConnectionStore::keychainKey(id)).isEmpty());
    }
};

QTEST_MAIN(TestConnections)
#include "test_connections.moc"
