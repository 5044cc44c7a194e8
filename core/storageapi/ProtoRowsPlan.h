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

/// Decodes one serialized message as `plan` lays out; false with `error` set ("Field a.b: ...").
bool decodeMessage(std::string_view bytes, const Plan& plan, Value& out, std::string& error);

} // namespace quarry::storageapi::detail
