// SPDX-License-Identifier: MIT
// What the main-window tests share: a fresh home folder per test function (XDG_DATA_HOME and
// XDG_CONFIG_HOME point into it) and a window that is shown and ready (sandbox up, tabs back).
#pragma once

#include "MainWindow.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <memory>

namespace quarry::test {

inline std::unique_ptr<QTemporaryDir> freshHome() {
    auto home = std::make_unique<QTemporaryDir>();
    qputenv("XDG_DATA_HOME", (home->path() + QStringLiteral("/data")).toUtf8());
    qputenv("XDG_CONFIG_HOME", (home->path() + QStringLiteral("/config")).toUtf8());
    return home;
}

inline std::unique_ptr<MainWindow> openWindow(int timeoutMs = 30000) {
    auto w = std::make_unique<MainWindow>();
    QSignalSpy ready(w.get(), &MainWindow::ready);
    w->show();
    if (!ready.wait(timeoutMs)) qWarning("the window did not get ready");
    return w;
}

inline QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace quarry::test
