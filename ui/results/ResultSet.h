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

    /// Whether row `i`'s page is held (see the memory budget below).
    bool isLoaded(std::size_t i) const;
    /// A view wants row `i`: its page counts as recently used, and an evicted page is asked
    /// for again (pageWanted, once until it arrives or fails).
    void touch(std::size_t i) const;

    /// The memory budget: past it, pages far from what views read lately are evicted (their
    /// rows keep their numbers and come back through pageWanted when a view asks). Only for
    /// results without repeated fields, whose rows are one line each in every view: a
    /// nested result's line layout needs every row, so it is held whole. The first page (the
    /// JSON view's rows) is never evicted.
    void setMemoryBudget(std::size_t bytes);
    /// Pages that start below row `n` are never evicted (the JSON view shows the first rows).
    void setPinnedRows(std::size_t n) { pinned_ = n; }
    std::size_t memoryBudget() const { return budget_; }
    /// Heap bytes the rows hold now.
    std::size_t heapBytes() const { return store_.heapBytes(); }
    /// Puts an evicted page back: `rows` must be the `count` rows from row `first`.
    void restore(std::size_t first, std::vector<Value> rows);
    void restoreFailed(std::size_t first, const QString& message);

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
    /// An evicted page is wanted again: the rows [first, first + count).
    void pageWanted(qulonglong first, qulonglong count) const;
    void rowsRestored(int first, int count);

private:
    void trim();

    Schema schema_;
    ColumnStore store_;
    qint64 totalRows_ = 0;
    bool hasMore_ = false;
    bool fetching_ = false;
    bool evictable_ = false;                 ///< no repeated field: every row is one line
    std::size_t budget_ = 128u << 20;
    std::size_t pinned_ = 0;
    mutable std::vector<std::uint64_t> used_; ///< per page: when a view last read it
    mutable std::uint64_t clock_ = 0;
    mutable std::vector<bool> wanted_;        ///< per page: asked for again, not back yet
};

} // namespace quarry
