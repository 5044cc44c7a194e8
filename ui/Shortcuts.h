// SPDX-License-Identifier: MIT
#pragma once

#include <QKeySequence>
#include <QList>

namespace quarry {

/// Every binding the platform has for `key`, or `fallback` where it has none. Not
/// QAction::setShortcut(key): that keeps the first binding only, and on Linux Close's first
/// is Ctrl+F4, so Ctrl+W never closed a tab; Save As and Quit have no binding at all on a
/// desktop without a platform theme of its own.
inline QList<QKeySequence> shortcutsFor(QKeySequence::StandardKey key, const QKeySequence& fallback = {}) {
    QList<QKeySequence> keys = QKeySequence::keyBindings(key);
    if (keys.isEmpty() && !fallback.isEmpty()) keys << fallback;
    return keys;
}

} // namespace quarry
