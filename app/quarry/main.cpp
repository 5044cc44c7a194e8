// SPDX-License-Identifier: MIT
#include "MainWindow.h"
#include "quarry/Version.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>
#include <cstring>
#include <iostream>

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--version") == 0) {
            std::cout << "quarry " << quarry::kVersion << "\n";
            return 0;
        }
    }
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Quarry"));
    QApplication::setOrganizationName(QStringLiteral("Quarry"));
    QApplication::setApplicationVersion(QString::fromLatin1(quarry::kVersion));
    QCommandLineParser cli;
    cli.setApplicationDescription(QStringLiteral("Quarry: a desktop workbench for BigQuery"));
    cli.addHelpOption();
    const QCommandLineOption shot(QStringLiteral("screenshot"),
                                  QStringLiteral("Save a PNG of the main window once shown, then quit."),
                                  QStringLiteral("file"));
    cli.addOption(shot);
    cli.process(app);

    quarry::MainWindow w;
    w.show();
    if (cli.isSet(shot)) {
        const QString file = cli.value(shot);
        QTimer::singleShot(1500, &w, [&w, file] {
            const bool ok = w.grab().save(file, "PNG");
            QApplication::exit(ok ? 0 : 1);
        });
    }
    return QApplication::exec();
}
