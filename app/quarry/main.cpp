// SPDX-License-Identifier: MIT
#include "Application.h"
#include "Background.h"
#include "MainWindow.h"
#include "quarry/Version.h"

#include <QApplication>
#include <QCommandLineParser>
#include <cstring>
#include <iostream>
#include <memory>

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--version") == 0) {
            std::cout << "quarry " << quarry::kVersion << "\n";
            return 0;
        }
    }
    QApplication app(argc, argv);
    quarry::setUpApplication(app);
    QCommandLineParser cli;
    cli.setApplicationDescription(QStringLiteral("Quarry: a desktop workbench for BigQuery"));
    cli.addHelpOption();
    cli.process(app);

    auto window = std::make_unique<quarry::MainWindow>();
    window->show();
    const int code = QApplication::exec();
    window.reset(); // its tabs hand their last cleanups (a session ended, the history written) to the background
    quarry::Background::instance().shutdown();
    return code;
}
