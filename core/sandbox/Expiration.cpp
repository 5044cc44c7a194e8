// SPDX-License-Identifier: MIT
// Partition expiration: a partition's rows are deleted once its partition time (its start,
// UTC) plus the table's timePartitioning.expirationMs has passed, as BigQuery deletes them:
// by the background thread, through the same atomic rewrite as DELETE, so a query sees a
// partition whole or not at all. The NULL partition never expires.
#include "sandbox/Store.h"

#include "sandbox/ApiFailure.h"
#include "sandbox/sql/Pruning.h"
#include "value/Civil.h"

#include <iostream>
#include <limits>

namespace quarry::sandbox {

void Store::expireTables(const std::stop_token& stop) {
    struct Due {
        std::string project, dataset, id;
        std::shared_ptr<Table> table;
    };
    std::vector<Due> due;
    const std::int64_t now = nowMs();
    {
        std::shared_lock lock(mutex_);
        for (const auto& [project, datasets] : projects_)
            for (const auto& [dataset, ds] : datasets)
                for (const auto& [id, t] : ds.tables) {
                    std::shared_lock tl(t->mutex);
                    const auto it = t->meta.find("expirationTime");
                    if (it == t->meta.end()) continue;
                    std::int64_t at = 0;
                    if (it->is_number_integer()) at = it->get<std::int64_t>();
                    else if (it->is_string()) at = std::strtoll(it->get_ref<const std::string&>().c_str(), nullptr, 10);
                    if (at > 0 && at <= now) due.push_back({project, dataset, id, t});
                }
    }
    for (const auto& d : due) {
        if (stop.stop_requested()) return;
        try {
            deleteTable(d.project, d.dataset, d.id, d.table.get());
            std::cerr << "quarry-sandbox: table " << d.project << ":" << d.dataset << "." << d.id << " expired and was dropped" << std::endl;
        } catch (const std::exception&) { // dropped meanwhile
        }
    }
}

void Store::expirePartitions(const std::stop_token& stop) {
    std::vector<std::shared_ptr<Table>> candidates;
    {
        std::shared_lock lock(mutex_);
        for (const auto& project : projects_)
            for (const auto& dataset : project.second)
                for (const auto& [id, t] : dataset.second.tables) {
                    if (t->isView()) continue;
                    std::shared_lock tl(t->mutex);
                    if (t->partitioning && t->partitioning->expirationMs > 0) candidates.push_back(t);
                }
    }
    const std::int64_t now = nowMs();
    std::map<const Table*, std::pair<std::uint64_t, std::int64_t>> checked;
    for (const auto& t : candidates) {
        if (stop.stop_requested()) return;
        if (const auto it = expiryChecked_.find(t.get()); it != expiryChecked_.end()) {
            std::shared_lock tl(t->mutex);
            if (it->second.first == t->version && now < it->second.second) {
                checked.insert(*it);
                continue;
            }
        }
        try {
            const auto table = this->table(t->project, t->dataset, t->id); // its rows, read if let go
            std::uint64_t version;
            std::int64_t soonest = std::numeric_limits<std::int64_t>::max();
            std::vector<Value> kept;
            std::size_t expired = 0;
            {
                std::shared_lock tl(table->mutex);
                version = table->version;
                if (!table->partitioning || table->partitioning->expirationMs <= 0) continue;
                const auto part = *table->partitioning;
                const auto column = static_cast<std::size_t>(part.column);
                auto expiresAt = [&](const Value& row) -> std::optional<std::int64_t> {
                    const auto items = row.items();
                    if (column >= items.size()) return std::nullopt;
                    const auto start = sql::partitionStartMicros(items[column], part);
                    if (!start) return std::nullopt;
                    return civil::floorDiv(*start, 1000) + part.expirationMs;
                };
                for (const auto& row : table->rows)
                    if (const auto at = expiresAt(row); at && *at <= now) ++expired;
                    else if (at) soonest = std::min(soonest, *at);
                if (expired) {
                    kept.reserve(table->rows.size() - expired);
                    for (const auto& row : table->rows)
                        if (const auto at = expiresAt(row); !at || *at > now) kept.push_back(row);
                }
            }
            if (expired) {
                replaceRows(*table, version, std::move(kept));
                std::shared_lock tl(table->mutex);
                version = table->version;
                std::cerr << "quarry-sandbox: " << t->project << ":" << t->dataset << "." << t->id << ": deleted " << expired
                          << " rows of expired partitions" << std::endl;
            }
            checked[t.get()] = {version, soonest};
        } catch (const std::exception& e) {
            // Changed meanwhile ("concurrent update") or dropped: looked at again next round.
            if (!dynamic_cast<const ApiFailure*>(&e))
                std::cerr << "quarry-sandbox: expiring partitions of " << t->project << ":" << t->dataset << "." << t->id
                          << " failed: " << e.what() << std::endl;
        }
    }
    expiryChecked_ = std::move(checked);
}

} // namespace quarry::sandbox
