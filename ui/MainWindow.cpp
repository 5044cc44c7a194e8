// SPDX-License-Identifier: MIT
#include "MainWindow.h"

#include "SandboxHost.h"

#include <Qsci/qsciscintilla.h>
#include <QLabel>
#include <QStatusBar>

namespace quarry {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(QStringLiteral("Quarry"));
    editor_ = new QsciScintilla(this);
    editor_->setObjectName(QStringLiteral("sqlEditor"));
    editor_->setUtf8(true);
    editor_->setMarginLineNumbers(0, true);
    editor_->setMarginWidth(0, QStringLiteral("0000"));
    editor_->setText(QStringLiteral("SELECT fullName, ARRAY_LENGTH(children) AS kids\nFROM samples.persons\nORDER BY kids DESC\n"));
    setCentralWidget(editor_);
    connection_ = new QLabel(tr("Starting the local sandbox\u2026"), this);
    connection_->setObjectName(QStringLiteral("connectionStatus"));
    statusBar()->addPermanentWidget(connection_);
    resize(1000, 700);

    // No Google connection is set up yet (key sign-in is its own issue): work on the sandbox.
    sandbox_ = new SandboxHost(this);
    connect(sandbox_, &SandboxHost::ready, this, [this](const QString& url, const QString& note) {
        connection_->setText(tr("Local sandbox at %1 \u2014 %2").arg(url, note));
    });
    connect(sandbox_, &SandboxHost::failed, this, [this](const QString& message) {
        connection_->setText(message);
    });
    sandbox_->start();
}

} // namespace quarry
