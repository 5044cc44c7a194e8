// SPDX-License-Identifier: MIT
#pragma once

#include "value/Schema.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace simdjson::dom {
class element;
}

namespace quarry::upload {

/// A field whose values cannot share one column type, with the first line of each side.
struct SchemaConflict {
    std::string path;
    std::string message; ///< names both sides and their first lines
};

/// Infers a table schema from every record of a file, streamed: nested objects become RECORD,
/// arrays REPEATED, INTEGER and FLOAT together widen to FLOAT, other mixed scalars widen to
/// STRING (insertAll converts numbers and booleans to text), fields only ever NULL (or empty
/// arrays) become NULLABLE STRING, strings that are all dates or all timestamps become DATE or
/// TIMESTAMP. Names match case-insensitively, as BigQuery's do. Conflicts that no column type
/// can hold (record vs scalar, array vs single value, arrays of arrays, invalid names, more
/// than 15 levels) are reported with the first line of each side.
class SchemaInference {
public:
    SchemaInference();
    ~SchemaInference();
    SchemaInference(SchemaInference&&) noexcept;
    SchemaInference& operator=(SchemaInference&&) noexcept;

    /// Adds one record (a JSON object) seen at `line`. Non-objects are ignored (the checker
    /// rejects them).
    void add(const simdjson::dom::element& record, std::uint64_t line);

    std::uint64_t records() const;
    /// The schema so far (fields with conflicts are left out), and the conflicts.
    Schema schema() const;
    std::vector<SchemaConflict> conflicts() const;
    /// Widening decisions worth telling the user ("age: INTEGER and FLOAT -> FLOAT").
    std::vector<std::string> notes() const;

    struct Node;

private:
    std::unique_ptr<Node> root_;
    std::uint64_t records_ = 0;
};

} // namespace quarry::upload
