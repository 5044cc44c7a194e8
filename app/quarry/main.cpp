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
                                  QStringLiteral("Once connected, run the current tab's query, save a PNG of the window, then quit."),
                                  QStringLiteral("file"));
    cli.addOption(shot);
    cli.process(app);

    quarry::MainWindow w;
    w.show();
    if (cli.isSet(shot)) {
        const QString file = cli.value(shot);
        QObject::connect(&w, &quarry::MainWindow::ready, &w, [&w, file] {
            auto* tab = w.currentTab();
            if (!tab) QApplication::exit(1);
            QObject::connect(tab, &quarry::QueryTab::runningChanged, &w, [&w, file](bool running) {
                if (running) return;
                QTimer::singleShot(300, &w, [&w, file] { QApplication::exit(w.grab().save(file, "PNG") ? 0 : 1); });
            });
            tab->run();
        });
        QTimer::singleShot(60000, &w, [] { QApplication::exit(2); });
    }
    return QApplication::exec();
}
