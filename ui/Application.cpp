// SPDX-License-Identifier: MIT
#include "Application.h"

#include "Theme.h"
#include "quarry/Version.h"

#include <QApplication>
#include <QIcon>

namespace quarry {

void setUpApplication(QApplication& app) {
    QApplication::setApplicationName(QStringLiteral("Quarry"));
    QApplication::setOrganizationName(QStringLiteral("Quarry"));
    QApplication::setApplicationVersion(QString::fromLatin1(kVersion));
    QIcon icon;
    for (int size : {16, 24, 32, 48, 64, 128, 256}) icon.addFile(QStringLiteral(":/icons/quarry-%1.png").arg(size), QSize(size, size));
    QApplication::setWindowIcon(icon); // every size, so it is sharp at any scale
    theme::followSystem(&app);
}

} // namespace quarry
