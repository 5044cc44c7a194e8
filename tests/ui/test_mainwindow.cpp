// SPDX-License-Identifier: MIT
// The real MainWindow starts the embedded sandbox off the GUI thread and seeds
// samples.persons; the status bar says where it runs, and the table answers over HTTP.
#include "MainWindow.h"
#include "bigquery/BigQueryClient.h"

#include <QLabel>
#include <QTemporaryDir>
#include <QtTest>

class TestMainWindow : public QObject {
    Q_OBJECT
private slots:
    void startsOnTheLocalSandbox() {
        QTemporaryDir home;
        QVERIFY(home.isValid());
        qputenv("XDG_DATA_HOME", home.path().toUtf8());
        QStandardPaths::setTestModeEnabled(false);
        quarry::MainWindow w;
        w.show();
        auto* status = w.findChild<QLabel*>(QStringLiteral("connectionStatus"));
        QVERIFY(status);
        QTRY_VERIFY2_WITH_TIMEOUT(status->text().startsWith(QStringLiteral("Local sandbox at http://127.0.0.1:")),
                                  qPrintable(status->text()), 20000);
        QVERIFY2(status->text().contains(QStringLiteral("samples.persons created")), qPrintable(status->text()));
        const QString url = status->text().section(QLatin1Char(' '), 3, 3);
        quarry::BigQueryClient::Options o;
        o.endpoint = quarry::Endpoint::fromUrl(url.toStdString());
        o.projectId = "sandbox";
        quarry::BigQueryClient c(o);
        const auto table = c.getTable(quarry::TableRef{"sandbox", "samples", "persons"});
        QCOMPARE(QString::fromStdString(table["numRows"].get<std::string>()), QStringLiteral("3"));
        QVERIFY(QFile::exists(home.path() + QStringLiteral("/quarry/sandbox/LOCK")));
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_mainwindow.moc"
