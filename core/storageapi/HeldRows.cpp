// SPDX-License-Identifier: MIT
#include "storageapi/HeldRows.h"

#include "sandbox/RowLog.h"
#include "sandbox/Segment.h"
#include "sandbox/Store.h"

namespace quarry::storageapi {

HeldRowsFile::HeldRowsFile(std::filesystem::path file) : file_(std::move(file)) {}

HeldRowsFile::~HeldRowsFile() = default;

sandbox::RowLog& HeldRowsFile::log() {
    if (!log_) log_ = std::make_unique<sandbox::RowLog>(file_);
    return *log_;
}

void HeldRowsFile::append(const std::vector<Value>& rows, const Schema& schema) {
    log().append(sandbox::encodeRowGroup(rows, schema, 0, false, {}));
}

HeldRowsFile::Loaded HeldRowsFile::load(std::int64_t count, std::int64_t skip) {
    Loaded out;
    std::error_code ec;
    if (!std::filesystem::exists(file_, ec)) {
        if (count > skip) out.lost = "its rows file is missing";
        return out;
    }
    std::int64_t seen = 0;
    std::uint64_t cutAt = 0;
    bool cut = false;
    try {
        log().replay([&](std::string_view payload, std::uint64_t offset) {
            if (cut) return;
            if (seen >= count) { // an append that was never answered: cut from here
                cutAt = offset;
                cut = true;
                return;
            }
            auto g = sandbox::decodeRowGroup(payload);
            const auto n = static_cast<std::int64_t>(g.rows.size());
            if (seen + n > count) throw std::runtime_error("an append ends past the stream's " + std::to_string(count) + " rows");
            if (!(g.schema == out.schema)) { // a column added between appends: the earlier rows take it too
                for (auto& r : out.rows) r = sandbox::relayoutRow(r, out.schema.fields, g.schema.fields);
                out.schema = g.schema;
            }
            for (std::int64_t i = 0; i < n; ++i)
                if (seen + i >= skip) out.rows.push_back(std::move(g.rows[static_cast<std::size_t>(i)]));
            seen += n;
        });
    } catch (const std::exception& e) {
        out.rows.clear();
        out.lost = std::string("its rows file is damaged: ") + e.what();
        return out;
    }
    if (seen < count) {
        out.rows.clear();
        out.lost = "its rows file holds " + std::to_string(seen) + " of its " + std::to_string(count) + " rows";
        return out;
    }
    if (cut) log().truncateTo(cutAt);
    return out;
}

std::uint64_t HeldRowsFile::size() { return std::filesystem::exists(file_) ? log().size() : 0; }

void HeldRowsFile::cutTo(std::uint64_t size) {
    if (std::filesystem::exists(file_)) log().truncateTo(size);
}

void HeldRowsFile::remove() {
    log_.reset();
    std::error_code ec;
    std::filesystem::remove(file_, ec);
}

} // namespace quarry::storageapi
