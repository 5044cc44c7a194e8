// SPDX-License-Identifier: MIT
#include "sandbox/sql/plan/Join.h"

#include "sandbox/sql/plan/KeyHash.h"

#include <algorithm>
#include <numeric>

namespace quarry::sandbox::sql::plan {

Join::Join(const BoundSelect& q, const BoundSelect::Source& s, const std::vector<Value>* rows, const VectorEval& ev,
           std::unique_ptr<RowOperator> input, SharedHashBuild* shared)
    : q_(q), s_(s), rows_(rows), ev_(ev), input_(std::move(input)), shared_(shared) {
    kind_ = s.unnest ? Kind::Unnest : s.buildKey ? Kind::Hash : Kind::Loop;
    if (s.right) matched_.assign(rows_->size(), 0);
}

void Join::build() {
    built_ = true;
    if (kind_ == Kind::Unnest) return;
    tableRows += rows_->size();
    if (kind_ == Kind::Loop) return;
    if (!shared_) {
        hash_ = buildHash();
        return;
    }
    const std::lock_guard lock(shared_->building); // a failed build (an error, a cancel) is tried again by the next part
    if (!shared_->built) shared_->built = buildHash();
    hash_ = shared_->built;
}

std::shared_ptr<const HashBuild> Join::buildHash() const {
    const auto& rows = *rows_;
    auto h = std::make_shared<HashBuild>();
    Batch b;
    b.width = q_.width;
    Selection sel;
    Vec keys;
    h->entries.reserve(rows.size());
    h->keys.reserve(rows.size());
    for (std::size_t start = 0; start < rows.size(); start += kBatchRows) {
        checkCancel(q_);
        const std::size_t n = std::min(kBatchRows, rows.size() - start);
        b.size = n;
        b.slots.assign(n * q_.width, nullptr);
        sel.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            b.slots[i * q_.width + static_cast<std::size_t>(s_.slot)] = &rows[start + i];
            sel[i] = static_cast<std::uint32_t>(i);
        }
        ev_.eval(*s_.buildKey, b, sel, keys);
        for (std::size_t i = 0; i < n; ++i) {
            const Value* k = keys.at[i];
            if (!k || k->isNull()) continue; // = with NULL is never true
            if (!keys.own.empty()) k = h->computedKeys.push(*k);
            h->entries.push_back({hashKey(*k), static_cast<std::uint32_t>(start + i), 0});
            h->keys.push_back(k);
        }
    }
    std::size_t size = 16;
    while (size < h->entries.size() * 2) size *= 2;
    h->buckets.assign(size, 0);
    // Linked from the last entry to the first, so each bucket lists its rows in table order.
    for (std::size_t e = h->entries.size(); e-- > 0;) {
        auto& head = h->buckets[h->entries[e].hash & (size - 1)];
        h->entries[e].next = head;
        head = static_cast<std::uint32_t>(e + 1);
    }
    return h;
}

void Join::startInput() {
    Selection all(in_.size);
    std::iota(all.begin(), all.end(), std::uint32_t{0});
    if (kind_ == Kind::Hash) {
        ev_.eval(*s_.probeKey, in_, all, probeKeys_);
        // The batch's key hashes in one loop (its keys read together, not one per row as
        // the rows are paired).
        probeHashes_.resize(in_.size);
        for (const auto i : all)
            if (const Value* k = probeKeys_.at[i]; k && !k->isNull()) probeHashes_[i] = hashKey(*k);
    } else if (kind_ == Kind::Unnest) {
        // A path (the common UNNEST(children)) is read in place, the batch's arrays loaded
        // together; a computed array is kept for the rows that point into it.
        ev_.eval(*s_.unnest, in_, all, arrays_);
        if (s_.unnest->kind != Expr::Kind::Path)
            for (std::size_t i = 0; i < arrays_.own.size(); ++i)
                if (arrays_.at[i]) arrays_.at[i] = kept_.push(std::move(arrays_.own[i]));
    }
}

void Join::openRow() {
    rowOpen_ = true;
    rowHadCandidate_ = false;
    rowId_ = nextRowId_++;
    pos_ = count_ = 0;
    switch (kind_) {
    case Kind::Unnest:
        array_ = arrays_.at[row_];
        count_ = array_ && array_->kind() == ValueKind::Array ? array_->size() : 0;
        break;
    case Kind::Hash:
        key_ = probeKeys_.at[row_];
        chain_ = 0;
        if (key_ && !key_->isNull()) {
            keyHash_ = probeHashes_[row_];
            chain_ = hash_->buckets[keyHash_ & (hash_->buckets.size() - 1)];
        }
        break;
    case Kind::Loop: count_ = rows_->size(); break;
    }
}

bool Join::nextCandidate(const Value*& v, std::size_t& n) {
    switch (kind_) {
    case Kind::Unnest:
        if (pos_ >= count_) return false;
        v = &(*array_)[pos_];
        n = pos_++;
        return true;
    case Kind::Loop:
        if (pos_ >= count_) return false;
        v = &(*rows_)[pos_];
        n = pos_++;
        return true;
    case Kind::Hash:
        while (chain_ != 0) {
            const std::size_t e = chain_ - 1;
            const auto& entry = hash_->entries[e];
            chain_ = entry.next;
            if (entry.hash != keyHash_ || !sameKey(*hash_->keys[e], *key_)) continue;
            v = &(*rows_)[entry.row];
            n = entry.row;
            return true;
        }
        return false;
    }
    return false;
}

void Join::stage() {
    staged_.clear();
    staged_.width = q_.width;
    from_.clear();
    candidate_.clear();
    ended_.clear();
    endedSlots_.clear();
    // Without ON beyond the key every candidate is a match: a LEFT row without one gets its
    // NULL row right here; with ON, rows that end are noted for next() to decide.
    const bool direct = !s_.on;
    // The common inner equi-join (no ON beyond the key, no WITH OFFSET, nothing kept of
    // rows without a match): each input row's chain walked in one loop, its pairs written
    // straight into the batch.
    const bool plainHash = kind_ == Kind::Hash && direct && !s_.left && matched_.empty() && s_.offsetSlot < 0;
    const std::size_t width = q_.width, slot = static_cast<std::size_t>(s_.slot);
    if (plainHash) staged_.slots.resize(kBatchRows * width);
    struct Trim { // the batch's room cut to the pairs written, at every return
        Batch& b;
        const bool on;
        ~Trim() {
            if (on) b.slots.resize(b.size * b.width);
        }
    } trim{staged_, plainHash};
    while (staged_.size < kBatchRows) {
        if (!rowOpen_) {
            if (row_ >= in_.size) {
                // Pairs staged so far go first: the next input batch may be read from
                // another row group, and the rows these point into go with the last one.
                if (staged_.size > 0 || !ended_.empty()) return;
                if (inputDone_ || !input_->next(in_)) {
                    inputDone_ = true;
                    return;
                }
                stats.in += in_.size;
                row_ = 0;
                startInput();
                continue;
            }
            openRow();
        }
        if (plainHash) {
            const Value* const* from = in_.row(row_);
            while (chain_ != 0 && staged_.size < kBatchRows) {
                const auto& entry = hash_->entries[chain_ - 1];
                const Value* key = hash_->keys[chain_ - 1];
                chain_ = entry.next;
                if (entry.hash != keyHash_ || !sameKey(*key, *key_)) continue;
                const Value** to = staged_.slots.data() + staged_.size * width;
                std::copy(from, from + width, to);
                to[slot] = &(*rows_)[entry.row];
                ++staged_.size;
            }
            if (chain_ == 0) {
                rowOpen_ = false;
                ++row_;
            }
            continue;
        }
        const Value* v = nullptr;
        std::size_t n = 0;
        if (nextCandidate(v, n)) {
            appendRow(staged_, in_.row(row_), s_.slot, v);
            if (s_.offsetSlot >= 0) {
                while (offsets_.size() <= n) offsets_.push(Value::int64(static_cast<std::int64_t>(offsets_.size())));
                staged_.slots[(staged_.size - 1) * q_.width + static_cast<std::size_t>(s_.offsetSlot)] = &offsets_[n];
            }
            rowHadCandidate_ = true;
            if (!direct) from_.push_back(rowId_);
            if (!matched_.empty()) candidate_.push_back(static_cast<std::uint32_t>(n));
            continue;
        }
        if (direct && !rowHadCandidate_ && s_.left) {
            appendRow(staged_, in_.row(row_), s_.slot, nullptr);
            if (!matched_.empty()) candidate_.push_back(kNoCandidate);
        } else if (!direct && s_.left) {
            ended_.push_back({staged_.size, rowId_, endedSlots_.size()});
            endedSlots_.insert(endedSlots_.end(), in_.row(row_), in_.row(row_) + q_.width);
        }
        rowOpen_ = false;
        ++row_;
    }
}

bool Join::emitUnmatchedRight(Batch& out) {
    if (matched_.empty()) return false;
    const auto& rows = *rows_;
    const std::vector<const Value*> nulls(q_.width, nullptr);
    while (rightPos_ < rows.size() && out.size < kBatchRows) {
        if (!matched_[rightPos_]) appendRow(out, nulls.data(), s_.slot, &rows[rightPos_]);
        ++rightPos_;
    }
    stats.out += out.size;
    return out.size > 0;
}

bool Join::next(Batch& out) {
    Timed t(stats);
    if (!built_) build();
    out.clear();
    out.width = q_.width;
    while (true) {
        checkCancel(q_);
        stage();
        if (staged_.size == 0 && ended_.empty()) return emitUnmatchedRight(out); // no input left
        if (!s_.on) {
            for (const auto c : candidate_)
                if (c != kNoCandidate) matched_[c] = 1;
            std::swap(out, staged_);
            stats.out += out.size;
            return true;
        }
        if (staged_.size > 0 && s_.on) {
            Selection all(staged_.size);
            std::iota(all.begin(), all.end(), std::uint32_t{0});
            ev_.eval(*s_.on, staged_, all, on_);
        }
        std::size_t e = 0;
        auto end = [&](const Ended& row) {
            const bool any = anyRow_ == row.row && anyPassed_;
            if (!any && s_.left) appendRow(out, endedSlots_.data() + row.slots, s_.slot, nullptr);
        };
        for (std::size_t p = 0; p < staged_.size; ++p) {
            while (e < ended_.size() && ended_[e].at == p) end(ended_[e++]);
            if (from_[p] != anyRow_) {
                anyRow_ = from_[p];
                anyPassed_ = false;
            }
            if (s_.on && !isTrue(valueAt(on_, p))) continue;
            anyPassed_ = true;
            out.slots.insert(out.slots.end(), staged_.row(p), staged_.row(p) + q_.width);
            ++out.size;
            if (!matched_.empty()) matched_[candidate_[p]] = 1;
        }
        while (e < ended_.size()) end(ended_[e++]);
        if (out.size > 0) {
            stats.out += out.size;
            return true;
        }
    }
}

} // namespace quarry::sandbox::sql::plan
