// SPDX-License-Identifier: MIT
#pragma once
// Names the Store gives meaning to inside a data folder, and the rule for table ids: shared
// by loading (Store.cpp), the catalog (StoreCatalog.cpp) and whole-table writes (StoreRows.cpp).

#include <algorithm>
#include <cctype>
#include <string>

namespace quarry::sandbox::store {

/// Present in a table folder while CREATE TABLE ... AS SELECT writes it.
inline constexpr const char* kCreatingMarker = "CREATING";
// CREATE OR REPLACE writes the new table at <folder>.replacing, moves the old one to
// <folder>.replaced, the new one into place, then removes the old. Table folders never hold
// a '.' (folderName encodes it), so these names cannot be tables; load() finishes or undoes
// a replacement a crash interrupted.
inline constexpr const char* kReplacing = ".replacing";
inline constexpr const char* kReplaced = ".replaced";
/// A dropped table's folder, moved aside until its versions are kept and it is removed.
inline constexpr const char* kDropping = ".dropping";

inline bool validTableId(const std::string& s) {
    // Letters, marks, numbers, connectors, dashes and spaces; non-ASCII UTF-8 is let through.
    return !s.empty() && s.size() <= 1024 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
        return c >= 0x80 || std::isalnum(c) || c == '_' || c == '-' || c == ' ';
    });
}

} // namespace quarry::sandbox::store
