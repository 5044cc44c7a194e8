// SPDX-License-Identifier: MIT
#pragma once
// A table's row groups read in place (issue 20): the engine scans a table that is too large
// to hold in memory a group at a time, decoding only the columns a query uses.
//
// SegmentFile::open indexes `rows.qseg` from each group's head (format 2: a few hundred bytes
// read per group; a format 1 group is decoded once to learn the same). It says no (null) unless
// every row of the table is in complete groups: a log with rows in it, a checkpoint cut short
// or a torn tail mean the table is read whole the old way, which also repairs them. Each
// read() checks the record's CRC before it decodes it. GroupsInMemory is the same over rows
// encoded in memory: tests run every query through the group path with it.

#include "platform/File.h"
#include "sandbox/RowLogFrame.h"
#include "sandbox/Segment.h"
#include "sandbox/sql/TableData.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace quarry::sandbox {

/// What every group source shares: the stored schema, each group's size and schema, the
/// sums of bytes, and the decoding of a group's wanted columns laid out as the stored schema.
class GroupSource : public sql::RowGroupSource {
public:
    std::size_t groups() const override { return groups_.size(); }
    std::uint64_t rowCount() const override { return rows_; }
    std::uint64_t rowsIn(std::size_t g) const override { return groups_.at(g).rows; }
    std::vector<std::uint64_t> columnBytes() const override { return bytes_; }
    std::vector<Value> read(std::size_t g, const std::vector<bool>& wanted, ValueArena* arena = nullptr) const override;
    std::uint64_t version() const override { return version_; }
    const std::vector<sql::ColumnStats>* statsOf(std::size_t g) const override {
        const auto& s = groups_.at(g).stats;
        return s.empty() ? nullptr : &s;
    }
    /// The memory the rows take once read whole as values: per row, its value and its block
    /// of column values; per column, its heap as its groups' statistics say (groups before
    /// format 4: their logical bytes, as BigQuery bills them, which undercount nested rows).
    std::uint64_t valueBytes() const;

protected:
    struct Group {
        std::uint64_t rows = 0;
        std::string schemaText;
        std::vector<std::uint64_t> columnBytes;
        /// As the head has them (per column of the group's schema), then, once added, per
        /// column of the stored schema; empty when the group has none.
        std::vector<sql::ColumnStats> stats;
    };
    GroupSource(Schema stored, std::uint64_t version);
    /// Adds a group's size, bytes and statistics (mapped to the stored schema by name when it
    /// differs).
    void add(Group g);
    /// Group g's payload, checked: in `into` when it has to be read.
    virtual std::string_view payload(std::size_t g, std::optional<ScratchBuffer>& into) const = 0;
    Schema stored_;
    std::string storedText_;
    std::uint64_t version_ = 0, rows_ = 0;
    std::vector<Group> groups_;
    std::vector<std::uint64_t> bytes_;
};

class SegmentFile final : public GroupSource {
public:
    /// The table in `dir` as row groups, or null when not all its rows are in complete groups
    /// (`why` says what). Throws std::runtime_error when a group is damaged.
    static std::shared_ptr<SegmentFile> open(const std::filesystem::path& dir, const Schema& stored, std::uint64_t version,
                                             std::string& why);
    /// The bytes of `dir`'s segment file (0 when there is none): how large the table is.
    static std::uint64_t fileBytes(const std::filesystem::path& dir);

private:
    SegmentFile(Schema stored, std::uint64_t version, platform::File f, std::filesystem::path path);
    std::string_view payload(std::size_t g, std::optional<ScratchBuffer>& into) const override;
    mutable platform::File file_; ///< read at offsets only (pread): several threads at once
    std::filesystem::path path_;
    std::vector<rowlog::Frame> places_;
};

/// Rows encoded into groups of `groupRows` in memory (tests: every query read as groups).
class GroupsInMemory final : public GroupSource {
public:
    GroupsInMemory(const std::vector<Value>& rows, const Schema& stored, std::uint64_t version, std::size_t groupRows);

private:
    std::string_view payload(std::size_t g, std::optional<ScratchBuffer>&) const override { return payloads_[g]; }
    std::vector<std::string> payloads_;
};

} // namespace quarry::sandbox
