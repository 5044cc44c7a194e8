// SPDX-License-Identifier: MIT
#include "Dialogs.h"

#include <QFileDialog>
#include <QInputDialog>
#include <QLineEdit>
#include <QMessageBox>

namespace quarry::dialogs {

namespace {
Answerer& answerer() {
    static Answerer a; // GUI thread only
    return a;
}
} // namespace

void answerWith(Answerer a) { answerer() = std::move(a); }

QString saveFileName(QWidget* parent, const QString& title, const QString& suggestion, const QString& filter,
                     QString* selectedFilter) {
    if (answerer().saveFile) return answerer().saveFile(title, suggestion);
    return QFileDialog::getSaveFileName(parent, title, suggestion, filter, selectedFilter);
}

QString openFileName(QWidget* parent, const QString& title, const QString& filter) {
    if (answerer().openFiles) return answerer().openFiles(title).value(0);
    return QFileDialog::getOpenFileName(parent, title, {}, filter);
}

QStringList openFileNames(QWidget* parent, const QString& title, const QString& filter) {
    if (answerer().openFiles) return answerer().openFiles(title);
    return QFileDialog::getOpenFileNames(parent, title, {}, filter);
}

bool confirm(QWidget* parent, const QString& title, const QString& text) {
    if (answerer().question) return answerer().question(title, text);
    return QMessageBox::question(parent, title, text, QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel) ==
           QMessageBox::Yes;
}

std::optional<QString> askText(QWidget* parent, const QString& title, const QString& label, const QString& current) {
    if (answerer().text) return answerer().text(title, current);
    bool ok = false;
    const QString t = QInputDialog::getText(parent, title, label, QLineEdit::Normal, current, &ok);
    return ok ? std::optional<QString>(t) : std::nullopt;
}

} // namespace quarry::dialogs
