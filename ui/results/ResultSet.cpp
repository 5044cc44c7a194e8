// SPDX-License-Identifier: MIT
#include "ResultSet.h"

namespace quarry {

ResultSet::ResultSet(QObject* parent) : QObject(parent) {}

void ResultSet::reset(Schema schema, qint64 totalRows) {
    emit aboutToReset();
    schema_ = std::move(schema);
    store_.reset(schema_);
    totalRows_ = totalRows;
    hasMore_ = false;
    fetching_ = false;
    emit wasReset();
}

void ResultSet::clear() { reset(Schema{}, 0); }

void ResultSet::append(std::vector<Value> rows, bool more) {
    const int first = static_cast<int>(store_.size());
    const int count = static_cast<int>(rows.size());
    store_.append(std::move(rows));
    hasMore_ = more;
    fetching_ = false;
    if (count > 0) emit rowsAppended(first, count);
}

void ResultSet::requestMore() {
    if (!hasMore_ || fetching_) return;
    fetching_ = true;
    emit moreRequested();
}

void ResultSet::fetchFailed(const QString& message) {
    fetching_ = false;
    hasMore_ = false; // a view must not spin on a failing page; the user can re-run
    emit fetchError(message);
}

} // namespace quarry
