// SPDX-License-Identifier: MIT
#pragma once

#include <QCoreApplication>
#include <QMetaObject>
#include <utility>

namespace quarry {

/// Runs `f` on the GUI thread, from any thread. The application object is the context, so
/// the call is delivered even though the worker holds no pointer to a living QObject; `f`
/// checks its QPointers there, on the GUI thread, where that check is race-free.
template <class F>
void onGui(F&& f) {
    QMetaObject::invokeMethod(QCoreApplication::instance(), std::forward<F>(f), Qt::QueuedConnection);
}

} // namespace quarry
