// SPDX-License-Identifier: MIT
#include "ResultSet.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace quarry {

ResultSet::ResultSet(QObject* parent) : QObject(parent) {}

namespace {
bool hasRepeated(const std::vector<Field>& fields) {
    for (const Field& f : fields)
        if (f.isRepeated() || hasRepeated(f.fields)) return true;
    return false;
}
} // namespace

void ResultSet::reset(Schema schema, qint64 totalRows) {
    emit aboutToReset();
    schema_ = std::move(schema);
    store_.reset(schema_);
    evictable_ = !hasRepeated(schema_.fields);
    used_.clear();
    wanted_.clear();
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
    used_.resize(store_.pageCount(), ++clock_);
    wanted_.resize(store_.pageCount(), false);
    hasMore_ = more;
    fetching_ = false;
    if (count > 0) emit rowsAppended(first, count);
    trim();
}

bool ResultSet::isLoaded(std::size_t i) const { return i < store_.size() && store_.isResident(store_.pageOf(i)); }

void ResultSet::touch(std::size_t i) const {
    if (i >= store_.size()) return;
    const std::size_t page = store_.pageOf(i);
    used_[page] = ++clock_;
    if (store_.isResident(page) || wanted_[page]) return;
    wanted_[page] = true;
    emit pageWanted(store_.pageStart(page), store_.pageSize(page));
}

void ResultSet::setMemoryBudget(std::size_t bytes) {
    budget_ = bytes;
    trim();
}

void ResultSet::trim() {
    if (!evictable_) return;
    std::size_t held = store_.heapBytes();
    bool evicted = false;
    while (held > budget_) {
        // The page read longest ago; never the first, a pinned one or the newest.
        std::size_t victim = 0;
        for (std::size_t p = 1; p + 1 < store_.pageCount(); ++p)
            if (store_.isResident(p) && store_.pageStart(p) >= pinned_ && (victim == 0 || used_[p] < used_[victim])) victim = p;
        if (victim == 0) break;
        held -= std::min(held, store_.pageBytes(victim));
        store_.evict(victim);
        evicted = true;
    }
#ifdef __GLIBC__
    // glibc keeps freed pages in its arenas (the workers' too, where pages are decoded), so
    // without this the process would not shrink when the budget frees a page.
    if (evicted) malloc_trim(0);
#endif
}

void ResultSet::restore(std::size_t first, std::vector<Value> rows) {
    if (first >= store_.size()) return;
    const std::size_t page = store_.pageOf(first);
    if (store_.pageStart(page) != first) return;
    wanted_[page] = false;
    const auto count = static_cast<int>(rows.size());
    if (!store_.restore(page, std::move(rows))) return;
    used_[page] = ++clock_;
    emit rowsRestored(static_cast<int>(first), count);
    trim();
}

void ResultSet::restoreFailed(std::size_t first, const QString& message) {
    if (first < store_.size()) wanted_[store_.pageOf(first)] = false;
    emit fetchError(message);
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
