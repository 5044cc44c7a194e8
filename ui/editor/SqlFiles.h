// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QString>
#include <functional>

namespace quarry {

/// Reads a .sql file on a worker thread; `done(text, error)` runs on the GUI thread while
/// `context` lives. Refuses files over 10 MB and text that is not UTF-8, saying so.
void readSqlFile(const QString& path, QObject* context, std::function<void(QString text, QString error)> done);

/// Writes a .sql file atomically (QSaveFile: a temporary file renamed over the old one) on a
/// worker thread; `done(error)` runs on the GUI thread, error empty on success.
void writeSqlFile(const QString& path, const QString& text, QObject* context, std::function<void(QString error)> done);

} // namespace quarry
