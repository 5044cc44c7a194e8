// SPDX-License-Identifier: MIT
#pragma once

#include "value/ColumnStore.h"
#include "value/Schema.h"
#include "value/Value.h"

#include <QObject>
#include <vector>

namespace quarry {

/// The rows of one result, loaded page by page, shared by its grid, flattened and JSON views.
/// Lives on the GUI thread; pages are decoded on workers and handed over whole.
class ResultSet : public QObject {
    Q_OBJECT
public:
    explicit ResultSet(QObject* parent = nullptr);

    const Schema& schema() const { return schema_; }
    /// The loaded rows, kept column by column (see ColumnStore).
    const ColumnStore& store() const { return store_; }
    std::size_t rowCount() const { return store_.size(); }
    /// One loaded row as a STRUCT value (built on demand).
    Value row(std::size_t i) const { return store_.row(i); }
    /// Rows the server says the result has (may exceed rowCount() while pages are loading).
    qint64 totalRows() const { return totalRows_; }
    bool hasMore() const { return hasMore_; }
    bool fetching() const { return fetching_; }

    /// Starts a new result: no rows yet.
    void reset(Schema schema, qint64 totalRows);
    /// Appends a page; `more` says whether another page exists.
    void append(std::vector<Value> rows, bool more);
    /// Called by views that want the next page (canFetchMore/fetchMore); emits
    /// moreRequested() once until the page arrives or fetchFailed() is called.
    void requestMore();
    void fetchFailed(const QString& message);
    void clear();

signals:
    void aboutToReset();
    void wasReset();
    void rowsAppended(int first, int count);
    void moreRequested();
    void fetchError(const QString& message);

private:
    Schema schema_;
    ColumnStore store_;
    qint64 totalRows_ = 0;
    bool hasMore_ = false;
    bool fetching_ = false;
};

} // namespace quarry
