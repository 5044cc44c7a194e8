// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QStringList>
#include <functional>
#include <optional>

class QWidget;

namespace quarry::dialogs {

/// The file choosers and questions the app asks, in one place so a test can answer them the
/// way a person would (a path typed, Yes clicked) without a modal dialog blocking its event
/// loop. The app shows the real dialogs; a test installs an Answerer first.
struct Answerer {
    /// Given the dialog's title (and for a save, the suggested name): the chosen path(s), or
    /// empty for Cancel.
    std::function<QString(const QString& title, const QString& suggestion)> saveFile;
    std::function<QStringList(const QString& title)> openFiles;
    /// A Yes/Cancel question: true is Yes.
    std::function<bool(const QString& title, const QString& text)> question;
    /// A line of text (given the current one); nullopt for Cancel.
    std::function<std::optional<QString>(const QString& title, const QString& current)> text;
};
/// Installs `a` (an empty Answerer: the real dialogs again).
void answerWith(Answerer a);

/// `selectedFilter` (if given) gets the filter the user picked; empty when a test answered.
QString saveFileName(QWidget* parent, const QString& title, const QString& suggestion, const QString& filter,
                     QString* selectedFilter = nullptr);
QString openFileName(QWidget* parent, const QString& title, const QString& filter);
QStringList openFileNames(QWidget* parent, const QString& title, const QString& filter);
/// Yes/Cancel, Cancel by default. True when the user chose Yes.
bool confirm(QWidget* parent, const QString& title, const QString& text);
/// One line of text, starting from `current`; nullopt when cancelled.
std::optional<QString> askText(QWidget* parent, const QString& title, const QString& label, const QString& current);

} // namespace quarry::dialogs
