// SPDX-License-Identifier: MIT
#pragma once

#include "value/Schema.h"
#include "value/Value.h"

#include <cstdint>
#include <string>
#include <vector>

namespace quarry {

/// A result row's top-level values, wherever they are kept. Scalar values may be rebuilt into
/// the caller's `scratch`, so a returned reference lives as long as the scratch and the row.
class RowCells {
public:
    virtual ~RowCells() = default;
    virtual std::size_t size() const = 0;
    virtual const Value& at(std::size_t field, Value& scratch) const = 0;
};

/// RowCells over a STRUCT Value (a row as the decoders produce it).
class StructCells final : public RowCells {
public:
    explicit StructCells(const Value& row) : row_(row) {}
    std::size_t size() const override { return row_.size(); }
    const Value& at(std::size_t field, Value&) const override { return row_[field]; }

private:
    const Value& row_;
};

/// The rows of one result kept column by column, page by page: a million rows of ten scalar
/// columns take about a tenth of what one Value per cell does. Top-level scalar columns are
/// typed arrays (8 bytes for INT64, FLOAT64 and the time kinds, 4 for DATE, 1 for BOOL); text
/// kinds share one byte arena per page with 4-byte ends, and a page column with few distinct
/// texts keeps each once with a 1-byte code. RECORD and REPEATED columns keep their Values.
/// Pages are stored as they arrive, each sized exactly, so nothing is over-allocated.
class ColumnStore {
public:
    ColumnStore() = default;
    explicit ColumnStore(const Schema& schema) { reset(schema); }

    void reset(const Schema& schema);
    /// Appends a page of rows, each a STRUCT of the schema's fields (as decoded). A value whose
    /// kind does not fit its column's typed form makes that page's column keep Values instead.
    void append(std::vector<Value>&& rows);

    std::size_t size() const { return rows_; }
    std::size_t columnCount() const { return fields_.size(); }
    /// A top-level field of a row; scalars are rebuilt into `scratch`.
    const Value& cell(std::size_t row, std::size_t field, Value& scratch) const;
    /// The whole row as a STRUCT value.
    Value row(std::size_t row) const;
    /// Heap bytes held (for benchmarks and tests).
    std::size_t heapBytes() const;

    /// Pages as they were appended, for a cache that keeps only some of them: an evicted
    /// page's rows stay counted (and keep their numbers) but hold no data until restored with
    /// the same rows. cell() and row() must not be asked for a row of an evicted page.
    std::size_t pageCount() const { return starts_.size(); }
    std::size_t pageOf(std::size_t row) const { return find(row).first; }
    std::size_t pageStart(std::size_t page) const { return starts_[page]; }
    std::size_t pageSize(std::size_t page) const {
        return (page + 1 < starts_.size() ? starts_[page + 1] : rows_) - starts_[page];
    }
    bool isResident(std::size_t page) const { return resident_[page]; }
    /// Heap bytes of one page's data.
    std::size_t pageBytes(std::size_t page) const;
    void evict(std::size_t page);
    /// Puts an evicted page's rows back; false (and nothing changes) unless `rows` has the
    /// page's row count.
    bool restore(std::size_t page, std::vector<Value>&& rows);

    /// RowCells for one row.
    class Row final : public RowCells {
    public:
        Row(const ColumnStore& s, std::size_t row) : s_(s), row_(row) {}
        std::size_t size() const override { return s_.columnCount(); }
        const Value& at(std::size_t field, Value& scratch) const override { return s_.cell(row_, field, scratch); }

    private:
        const ColumnStore& s_;
        std::size_t row_;
    };
    Row rowCells(std::size_t row) const { return {*this, row}; }

    /// How a column is kept (per field, decided by its type and mode).
    enum class Form : std::uint8_t { Values, I64, I32, F64, Bool, Text };

private:
    struct Part { ///< one page of one column
        Form form = Form::Values;
        std::vector<std::int64_t> i64;
        std::vector<std::int32_t> i32;
        std::vector<double> f64;
        std::vector<std::uint8_t> u8;     ///< BOOL, or dictionary codes for Text
        std::string text;                 ///< arena (or the dictionary's texts)
        std::vector<std::uint32_t> ends;  ///< end of each row's (or dictionary entry's) text
        std::vector<Value> values;
        std::vector<bool> nulls;          ///< empty when the page has none
        bool dictionary = false;
    };
    struct Column {
        Form form = Form::Values;
        ValueKind kind = ValueKind::Null; ///< the kind typed values have
        std::vector<Part> parts;
    };

    Part pack(const Column& c, std::vector<Value>& rows, std::size_t field) const;
    std::pair<std::size_t, std::size_t> find(std::size_t row) const;

    std::vector<Column> fields_;
    std::size_t partBytes(const Part& p) const;

    std::vector<std::size_t> starts_; ///< first row of each page
    std::vector<bool> resident_;      ///< per page: its data is held
    std::size_t rows_ = 0;
};

} // namespace quarry
