// SPDX-License-Identifier: MIT
#pragma once

#include "storageapi/ProtoRows.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace quarry::storageapi {

/// AppendRows' ArrowData: rows of a writer's Arrow schema (ArrowIpc.h's mapping) laid out as the
/// table's. The writer's fields must be the table's (by name, case-insensitive, nested too) with
/// the same types and repetition; the table's fields it leaves out are NULL (an empty array
/// when repeated).
class ArrowRowDecoder {
public:
    /// `serializedSchema`: the writer's Arrow Schema message. Throws SchemaMismatch (a field
    /// the table lacks or of another type) or arrow::ArrowError (not a schema it can read).
    ArrowRowDecoder(std::string_view serializedSchema, const Schema& table);
    /// One RecordBatch message's rows. A row missing a REQUIRED field is left out with its
    /// index and why in `errors`. Throws arrow::ArrowError for a batch it cannot read.
    std::vector<Value> decode(std::string_view batch, std::vector<std::pair<std::int64_t, std::string>>& errors) const;

private:
    Schema writer_, table_;
};

} // namespace quarry::storageapi
