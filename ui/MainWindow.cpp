// SPDX-License-Identifier: MIT
#include "MainWindow.h"

#include <Qsci/qsciscintilla.h>
#include <QStatusBar>

namespace quarry {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(QStringLiteral("Quarry"));
    editor_ = new QsciScintilla(this);
    editor_->setObjectName(QStringLiteral("sqlEditor"));
    editor_->setUtf8(true);
    editor_->setMarginLineNumbers(0, true);
    editor_->setMarginWidth(0, QStringLiteral("0000"));
    editor_->setText(QStringLiteral("SELECT name, ARRAY_LENGTH(children) AS kids\nFROM samples.persons\n"));
    setCentralWidget(editor_);
    statusBar()->showMessage(tr("Quarry early build: editor only"));
    resize(1000, 700);
}

} // namespace quarry
