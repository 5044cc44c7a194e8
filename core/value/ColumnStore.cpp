// SPDX-License-Identifier: MIT
#include "value/ColumnStore.h"

#include <algorithm>
#include <limits>
#include <string_view>
#include <unordered_map>

namespace quarry {
namespace {

struct Typed {
    ColumnStore::Form form;
    ValueKind kind;
};

Typed typedForm(const Field& f) {
    using F = ColumnStore::Form;
    if (f.isRepeated() || f.isRecord()) return {F::Values, ValueKind::Null};
    switch (f.type) {
    case TypeKind::Int64: return {F::I64, ValueKind::Int64};
    case TypeKind::Time: return {F::I64, ValueKind::Time};
    case TypeKind::DateTime: return {F::I64, ValueKind::DateTime};
    case TypeKind::Timestamp: return {F::I64, ValueKind::Timestamp};
    case TypeKind::Date: return {F::I32, ValueKind::Date};
    case TypeKind::Float64: return {F::F64, ValueKind::Float64};
    case TypeKind::Bool: return {F::Bool, ValueKind::Bool};
    case TypeKind::String: return {F::Text, ValueKind::String};
    case TypeKind::Bytes: return {F::Text, ValueKind::Bytes};
    case TypeKind::Numeric: return {F::Text, ValueKind::Numeric};
    case TypeKind::BigNumeric: return {F::Text, ValueKind::BigNumeric};
    case TypeKind::Geography: return {F::Text, ValueKind::Geography};
    case TypeKind::Json: return {F::Text, ValueKind::Json};
    case TypeKind::Interval: return {F::Text, ValueKind::Interval};
    default: return {F::Values, ValueKind::Null};
    }
}

Value make(ValueKind k, std::int64_t v) {
    switch (k) {
    case ValueKind::Time: return Value::time(v);
    case ValueKind::DateTime: return Value::dateTime(v);
    case ValueKind::Timestamp: return Value::timestamp(v);
    default: return Value::int64(v);
    }
}

} // namespace

void ColumnStore::reset(const Schema& schema) {
    fields_.clear();
    starts_.clear();
    resident_.clear();
    rows_ = 0;
    for (const Field& f : schema.fields) {
        const Typed t = typedForm(f);
        fields_.push_back({t.form, t.kind, {}});
    }
}

ColumnStore::Part ColumnStore::pack(const Column& c, std::vector<Value>& rows, std::size_t field) const {
    Part p;
    const std::size_t n = rows.size();
    static const Value kMissing; // a row shorter than the schema reads as NULL
    auto at = [&](std::size_t r) -> const Value& { return field < rows[r].size() ? rows[r][field] : kMissing; };
    bool fits = c.form != Form::Values;
    bool anyNull = false;
    std::size_t textBytes = 0;
    for (std::size_t r = 0; r < n && fits; ++r) {
        const Value& v = at(r);
        if (v.isNull()) anyNull = true;
        else if (v.kind() != c.kind) fits = false;
        else if (c.form == Form::Text) textBytes += v.asText().size();
    }
    if (textBytes > std::numeric_limits<std::uint32_t>::max()) fits = false;
    if (!fits) {
        p.values.reserve(n);
        for (std::size_t r = 0; r < n; ++r) p.values.push_back(field < rows[r].size() ? std::move(rows[r][field]) : Value());
        return p;
    }
    p.form = c.form;
    if (anyNull) {
        p.nulls.resize(n);
        for (std::size_t r = 0; r < n; ++r) p.nulls[r] = at(r).isNull();
    }
    switch (c.form) {
    case Form::I64:
        p.i64.resize(n);
        for (std::size_t r = 0; r < n; ++r) p.i64[r] = at(r).isNull() ? 0 : at(r).asInt64();
        break;
    case Form::I32:
        p.i32.resize(n);
        for (std::size_t r = 0; r < n; ++r) p.i32[r] = at(r).isNull() ? 0 : static_cast<std::int32_t>(at(r).asInt64());
        break;
    case Form::F64:
        p.f64.resize(n);
        for (std::size_t r = 0; r < n; ++r) p.f64[r] = at(r).isNull() ? 0 : at(r).asDouble();
        break;
    case Form::Bool:
        p.u8.resize(n);
        for (std::size_t r = 0; r < n; ++r) p.u8[r] = !at(r).isNull() && at(r).asBool();
        break;
    case Form::Text: {
        // A dictionary when a page column repeats a few texts (cities, codes, states).
        std::unordered_map<std::string_view, std::uint8_t> codes;
        std::size_t dictBytes = 0;
        bool dict = n >= 64;
        for (std::size_t r = 0; r < n && dict; ++r) {
            if (at(r).isNull()) continue;
            const auto s = at(r).asText();
            if (codes.count(s)) continue;
            if (codes.size() == 255) dict = false;
            else {
                codes.emplace(s, static_cast<std::uint8_t>(codes.size()));
                dictBytes += s.size();
            }
        }
        dict = dict && dictBytes + codes.size() * 4 + n < textBytes + n * 4;
        if (dict) {
            p.dictionary = true;
            std::vector<std::string_view> byCode(codes.size());
            for (const auto& [s, k] : codes) byCode[k] = s;
            p.text.reserve(dictBytes);
            p.ends.reserve(byCode.size());
            for (const auto s : byCode) {
                p.text += s;
                p.ends.push_back(static_cast<std::uint32_t>(p.text.size()));
            }
            p.u8.resize(n);
            for (std::size_t r = 0; r < n; ++r) p.u8[r] = at(r).isNull() ? 0 : codes.at(at(r).asText());
        } else {
            p.text.reserve(textBytes);
            p.ends.reserve(n);
            for (std::size_t r = 0; r < n; ++r) {
                if (!at(r).isNull()) p.text += at(r).asText();
                p.ends.push_back(static_cast<std::uint32_t>(p.text.size()));
            }
        }
        break;
    }
    case Form::Values: break;
    }
    return p;
}

void ColumnStore::append(std::vector<Value>&& rows) {
    if (rows.empty()) return;
    for (std::size_t f = 0; f < fields_.size(); ++f) fields_[f].parts.push_back(pack(fields_[f], rows, f));
    starts_.push_back(rows_);
    resident_.push_back(true);
    rows_ += rows.size();
    rows.clear();
    rows.shrink_to_fit();
}

std::pair<std::size_t, std::size_t> ColumnStore::find(std::size_t row) const {
    const auto it = std::upper_bound(starts_.begin(), starts_.end(), row);
    const auto page = static_cast<std::size_t>(it - starts_.begin()) - 1;
    return {page, row - starts_[page]};
}

const Value& ColumnStore::cell(std::size_t row, std::size_t field, Value& scratch) const {
    const auto [page, r] = find(row);
    const Column& c = fields_[field];
    const Part& p = c.parts[page];
    if (p.form == Form::Values) return p.values[r];
    if (!p.nulls.empty() && p.nulls[r]) {
        scratch = Value();
        return scratch;
    }
    switch (p.form) {
    case Form::I64: scratch = make(c.kind, p.i64[r]); break;
    case Form::I32: scratch = Value::date(p.i32[r]); break;
    case Form::F64: scratch = Value::float64(p.f64[r]); break;
    case Form::Bool: scratch = Value::boolean(p.u8[r] != 0); break;
    case Form::Text: {
        const std::size_t k = p.dictionary ? p.u8[r] : r;
        const std::size_t begin = k == 0 ? 0 : p.ends[k - 1];
        scratch = Value::text(c.kind, std::string_view(p.text).substr(begin, p.ends[k] - begin));
        break;
    }
    case Form::Values: break;
    }
    return scratch;
}

Value ColumnStore::row(std::size_t row) const {
    Value out = Value::structOf(fields_.size());
    auto items = out.items();
    for (std::size_t f = 0; f < fields_.size(); ++f) {
        Value scratch;
        const Value& v = cell(row, f, scratch);
        items[f] = &v == &scratch ? std::move(scratch) : v;
    }
    return out;
}

std::size_t ColumnStore::partBytes(const Part& p) const {
    std::size_t n = p.i64.capacity() * 8 + p.i32.capacity() * 4 + p.f64.capacity() * 8 + p.u8.capacity() + p.text.capacity() +
                    p.ends.capacity() * 4 + p.values.capacity() * sizeof(Value) + p.nulls.capacity() / 8;
    for (const Value& v : p.values) n += v.heapBytes();
    return n;
}

std::size_t ColumnStore::heapBytes() const {
    std::size_t n = starts_.capacity() * sizeof(std::size_t) + resident_.capacity() / 8 + fields_.capacity() * sizeof(Column);
    for (const Column& c : fields_) {
        n += c.parts.capacity() * sizeof(Part);
        for (const Part& p : c.parts) n += partBytes(p);
    }
    return n;
}

std::size_t ColumnStore::pageBytes(std::size_t page) const {
    std::size_t n = 0;
    for (const Column& c : fields_) n += partBytes(c.parts[page]);
    return n;
}

void ColumnStore::evict(std::size_t page) {
    if (!resident_[page]) return;
    for (Column& c : fields_) c.parts[page] = Part{};
    resident_[page] = false;
}

bool ColumnStore::restore(std::size_t page, std::vector<Value>&& rows) {
    if (resident_[page] || rows.size() != pageSize(page)) return false;
    for (std::size_t f = 0; f < fields_.size(); ++f) fields_[f].parts[page] = pack(fields_[f], rows, f);
    resident_[page] = true;
    rows.clear();
    return true;
}

} // namespace quarry
