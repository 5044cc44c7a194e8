// SPDX-License-Identifier: MIT
#pragma once
// Private to ProtoRows.cpp and ProtoWire.cpp: how a writer schema's messages map to a table's
// columns, made once per writer schema, and the wire decoding that follows it.

#include "storageapi/ProtoRows.h"

#include <google/protobuf/descriptor.h>

#include <memory>
#include <unordered_map>
#include <vector>

namespace quarry::storageapi::detail {

/// One message's fields mapped to one record's columns.
struct Plan {
    struct Slot {
        const Field* column = nullptr; ///< null for a RANGE's start and end
        const google::protobuf::FieldDescriptor* field = nullptr; ///< null: the writer schema lacks the column
        std::unique_ptr<Plan> child; ///< STRUCT and RANGE columns
        int wire = 0;                ///< the field's wire type (wireTypeOf), set by index()
        bool repeated = false;
    };
    std::vector<Slot> slots; ///< one per column, in the table's order (RANGE: start, end)
    /// Field number -> slot, for the numbers that have one.
    std::vector<int> dense;
    std::unordered_map<int, int> sparse; ///< numbers past `dense`
    int slotOf(std::uint64_t number) const {
        if (number < dense.size()) return dense[number];
        const auto it = sparse.find(static_cast<int>(number));
        return it == sparse.end() ? -1 : it->second;
    }
    /// Fills `dense` and `sparse` from the slots.
    void index();
};

/// The wire type a field's values come with (0 varint, 1 fixed64, 2 length-delimited, 5
/// fixed32; 3 for a group).
int wireTypeOf(const google::protobuf::FieldDescriptor* f);

/// Decodes one serialized message as `plan` lays out; false with `error` set ("Field a.b: ...").
bool decodeMessage(std::string_view bytes, const Plan& plan, Value& out, std::string& error);

} // namespace quarry::storageapi::detail
