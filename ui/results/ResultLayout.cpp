// SPDX-License-Identifier: MIT
#include "ResultLayout.h"

#include <algorithm>

namespace quarry {
namespace {

const Value kNull;

std::uint64_t saturate(std::uint64_t v) { return std::min(v, ResultLayout::kMaxLinesPerRow); }
std::uint64_t mulSat(std::uint64_t a, std::uint64_t b) {
    return (b != 0 && a > ResultLayout::kMaxLinesPerRow / b) ? ResultLayout::kMaxLinesPerRow : saturate(a * b);
}

} // namespace

ResultLayout::ResultLayout() : root_(std::make_shared<Field>()) {}

ResultLayout::ResultLayout(const Schema& schema, GridMode mode, const std::set<std::string>& collapsed) : mode_(mode) {
    auto root = std::make_shared<Field>();
    root->type = TypeKind::Struct;
    root->fields = schema.fields;
    root_ = root;
    LeafColumn start;
    start.path.push_back(-1);
    start.fields.push_back(root_.get());
    for (std::size_t i = 0; i < root_->fields.size(); ++i) {
        LeafColumn c = start;
        c.path.push_back(static_cast<int>(i));
        c.fields.push_back(&root_->fields[i]);
        c.names.push_back(root_->fields[i].name);
        collect(root_->fields[i], std::move(c), collapsed);
    }
    for (const LeafColumn& c : columns_)
        for (std::size_t d = 1; d < c.fields.size(); ++d)
            if (c.fields[d]->isRepeated() && !(c.collapsed && d + 1 == c.fields.size())) singleLine_ = false;
}

void ResultLayout::collect(const Field& f, LeafColumn prefix, const std::set<std::string>& collapsed) {
    std::string dotted;
    for (const auto& n : prefix.names) dotted += (dotted.empty() ? "" : ".") + n;
    if (f.isRecord() && !f.fields.empty() && collapsed.count(dotted)) {
        collapsedFields_.insert(&f);
        prefix.collapsed = true;
        depth_ = std::max(depth_, static_cast<int>(prefix.names.size()));
        columns_.push_back(std::move(prefix));
        return;
    }
    if (!f.isRecord() || f.fields.empty()) {
        depth_ = std::max(depth_, static_cast<int>(prefix.names.size()));
        columns_.push_back(std::move(prefix));
        return;
    }
    for (std::size_t i = 0; i < f.fields.size(); ++i) {
        LeafColumn c = prefix;
        c.path.push_back(static_cast<int>(i));
        c.fields.push_back(&f.fields[i]);
        c.names.push_back(f.fields[i].name);
        collect(f.fields[i], std::move(c), collapsed);
    }
}

std::string ResultLayout::columnTitle(std::size_t column) const {
    const auto& names = columns_.at(column).names;
    if (mode_ == GridMode::Nested) return names.back();
    std::string out;
    for (const auto& n : names) {
        if (!out.empty()) out += '_';
        out += n;
    }
    return out;
}

std::uint64_t ResultLayout::fieldLines(const Value& v, const Field& f) const {
    if (isCollapsed(f)) return 1; // shown whole on one line
    if (!f.isRepeated()) return elementLines(v, f);
    if (v.isNull() || v.size() == 0) return 1;
    std::uint64_t n = 0;
    for (const Value& e : v.items()) n = saturate(n + elementLines(e, f));
    return n;
}

std::uint64_t ResultLayout::elementLines(const Value& e, const Field& f) const {
    if (!f.isRecord() || e.isNull() || e.kind() != ValueKind::Struct) return 1;
    const std::size_t n = std::min(e.size(), f.fields.size());
    std::uint64_t lines = 1;
    for (std::size_t i = 0; i < n; ++i) {
        const auto k = fieldLines(e[i], f.fields[i]);
        lines = mode_ == GridMode::Nested ? std::max(lines, k) : mulSat(lines, k);
    }
    return lines;
}

// The row itself is the root STRUCT, never NULL; these mirror elementLines and
// descendElement at depth 0 over RowCells.
std::uint64_t ResultLayout::lineCount(const RowCells& row) const {
    if (singleLine_) return 1;
    const std::size_t n = std::min(row.size(), root_->fields.size());
    std::uint64_t lines = 1;
    Value scratch;
    for (std::size_t i = 0; i < n; ++i) {
        const auto k = fieldLines(row.at(i, scratch), root_->fields[i]);
        lines = mode_ == GridMode::Nested ? std::max(lines, k) : mulSat(lines, k);
    }
    return lines;
}

GridCell ResultLayout::cell(const RowCells& row, std::size_t column, std::uint64_t line, Value& scratch) const {
    const LeafColumn& c = columns_.at(column);
    const auto i = static_cast<std::size_t>(c.path[1]);
    if (i >= row.size()) return {GridCell::State::Value, &kNull, &c.leaf()};
    const Field& g = root_->fields[i];
    const Value& v = row.at(i, scratch);
    if (mode_ == GridMode::Nested || singleLine_) return descend(v, g, c, 1, line);
    std::uint64_t stride = 1;
    const std::size_t n = std::min(row.size(), root_->fields.size());
    Value other;
    for (std::size_t j = n; j-- > i + 1;) stride = mulSat(stride, fieldLines(row.at(j, other), root_->fields[j]));
    const auto count = fieldLines(v, g);
    return descend(v, g, c, 1, (line / stride) % count);
}

GridCell ResultLayout::descend(const Value& v, const Field& f, const LeafColumn& c, std::size_t d,
                               std::uint64_t s) const {
    if (isCollapsed(f)) { // a collapsed RECORD is always its column's leaf: the whole value
        if (s != 0 && mode_ == GridMode::Nested) return {};
        return {GridCell::State::Value, &v, &f, true};
    }
    if (!f.isRepeated()) return descendElement(v, f, c, d, s);
    if (v.isNull() || v.size() == 0) {
        if (s != 0) return {};
        if (mode_ == GridMode::Flattened) return {GridCell::State::Value, &kNull, &c.leaf()};
        return {GridCell::State::EmptyArray, nullptr, &c.leaf()};
    }
    for (const Value& e : v.items()) {
        const auto k = elementLines(e, f);
        if (s < k) return descendElement(e, f, c, d, s);
        s -= k;
    }
    return {};
}

GridCell ResultLayout::descendElement(const Value& e, const Field& f, const LeafColumn& c, std::size_t d,
                                      std::uint64_t s) const {
    const bool leaf = d + 1 == c.fields.size();
    if (leaf || e.isNull() || e.kind() != ValueKind::Struct) {
        if (s != 0 && mode_ == GridMode::Nested) return {};
        return {GridCell::State::Value, leaf ? &e : &kNull, &c.leaf()};
    }
    const auto i = static_cast<std::size_t>(c.path[d + 1]);
    if (i >= e.size()) return {GridCell::State::Value, &kNull, &c.leaf()};
    const Field& g = f.fields[i];
    if (mode_ == GridMode::Nested) return descend(e[i], g, c, d + 1, s);
    // Flattened: the line is a mixed-radix number over the fields' line counts, the last
    // field varying fastest (a cross product of independently repeated fields).
    std::uint64_t stride = 1;
    const std::size_t n = std::min(e.size(), f.fields.size());
    for (std::size_t j = n; j-- > i + 1;) stride = mulSat(stride, fieldLines(e[j], f.fields[j]));
    const auto count = fieldLines(e[i], g);
    return descend(e[i], g, c, d + 1, (s / stride) % count);
}

} // namespace quarry
