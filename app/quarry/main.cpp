// SPDX-License-Identifier: MIT
#include "MainWindow.h"
#include "quarry/Version.h"

#include <QApplication>
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
    quarry::MainWindow w;
    w.show();
    return QApplication::exec();
}
