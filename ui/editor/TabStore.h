// SPDX-License-Identifier: MIT
#pragma once

#include "QueryTab.h"

#include <QList>
#include <QObject>
#include <QThread>

namespace quarry {

/// Keeps query tabs on disk so a crash loses nothing: one JSON file per tab plus an index of
/// their order, each written atomically (QSaveFile: write, flush, rename) on a writer thread,
/// never on the GUI thread. Writes are applied in the order they were asked for.
class TabStore : public QObject {
    Q_OBJECT
public:
    /// `dir` holds the files (created if missing).
    explicit TabStore(const QString& dir, QObject* parent = nullptr);
    ~TabStore() override;

    QString dir() const { return dir_; }
    /// Reads every saved tab in the background; emits loaded() with them in order.
    void load();
    void save(const TabState& tab);
    void remove(const QString& id);
    void saveOrder(const QStringList& ids);
    /// Blocks until the writes asked for so far are on disk (for shutdown and tests).
    void flush();

    static QByteArray encode(const TabState& s);
    /// nullopt for a file that is not a tab (damaged files are skipped, never fatal).
    static std::optional<TabState> decode(const QByteArray& bytes);

signals:
    void loaded(const QList<quarry::TabState>& tabs);
    /// A write failed (disk full, permissions): the message says which file and why.
    void writeFailed(const QString& message);

private:
    QString dir_;
    QThread thread_;
    QObject* writer_;
};

} // namespace quarry
