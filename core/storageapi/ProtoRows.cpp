// SPDX-License-Identifier: MIT
#include "storageapi/ProtoRows.h"

#include "value/Civil.h"
#include "value/JsonParse.h"
#include "value/Numbers.h"
#include "value/Text.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>

#include <array>
#include <charconv>
#include <mutex>

namespace quarry::storageapi {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;

namespace {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
        if (std::tolower(x) != std::tolower(y)) return false;
    }
    return true;
}

/// proto3 descriptors arrive too; read as proto2 (presence for every singular field), their
/// `optional` marks and the synthetic oneofs made for them go.
void asProto2(pb::DescriptorProto& m) {
    for (auto& f : *m.mutable_field()) {
        if (f.proto3_optional()) {
            f.clear_proto3_optional();
            f.clear_oneof_index();
        }
    }
    // Oneofs left without a member would be refused; keep only those still used.
    std::vector<bool> used(static_cast<std::size_t>(m.oneof_decl_size()), false);
    for (const auto& f : m.field())
        if (f.has_oneof_index() && f.oneof_index() >= 0 && f.oneof_index() < m.oneof_decl_size()) used[static_cast<std::size_t>(f.oneof_index())] = true;
    if (std::find(used.begin(), used.end(), false) != used.end()) {
        std::vector<int> renumber(used.size(), -1);
        pb::RepeatedPtrField<pb::OneofDescriptorProto> kept;
        for (std::size_t i = 0; i < used.size(); ++i)
            if (used[i]) {
                renumber[i] = kept.size();
                *kept.Add() = m.oneof_decl(static_cast<int>(i));
            }
        m.mutable_oneof_decl()->Swap(&kept);
        for (auto& f : *m.mutable_field())
            if (f.has_oneof_index()) f.set_oneof_index(renumber[static_cast<std::size_t>(f.oneof_index())]);
    }
    for (auto& n : *m.mutable_nested_type()) asProto2(n);
}

std::string protoTypeName(const FD* f) {
    return f->type() == FD::TYPE_MESSAGE || f->type() == FD::TYPE_GROUP ? std::string(f->message_type()->full_name())
                                                                          : std::string(f->type_name());
}

bool isWrapper(const pb::Descriptor* m) {
    return m->file()->name() == "google/protobuf/wrappers.proto";
}
bool isTimestampMessage(const pb::Descriptor* m) { return m->full_name() == "google.protobuf.Timestamp"; }

/// Whether a proto field of this C++ type (or well-known message) can hold the column's type.
bool compatible(const FD* f, TypeKind t) {
    const auto ct = f->cpp_type();
    if (ct == FD::CPPTYPE_MESSAGE) {
        const auto* m = f->message_type();
        if (t == TypeKind::Struct || t == TypeKind::Range) return !isWrapper(m) && !isTimestampMessage(m);
        if (isTimestampMessage(m)) return t == TypeKind::Timestamp;
        if (isWrapper(m)) return compatible(m->FindFieldByName("value"), t);
        return false;
    }
    const bool integer = ct == FD::CPPTYPE_INT32 || ct == FD::CPPTYPE_INT64 || ct == FD::CPPTYPE_UINT32 || ct == FD::CPPTYPE_UINT64;
    const bool floating = ct == FD::CPPTYPE_DOUBLE || ct == FD::CPPTYPE_FLOAT;
    const bool text = ct == FD::CPPTYPE_STRING;
    switch (t) {
    case TypeKind::Int64: return integer || ct == FD::CPPTYPE_ENUM;
    case TypeKind::Float64: return floating;
    case TypeKind::Bool: return ct == FD::CPPTYPE_BOOL || integer;
    case TypeKind::String: return (text && f->type() == FD::TYPE_STRING) || ct == FD::CPPTYPE_ENUM;
    case TypeKind::Bytes: return text;
    case TypeKind::Numeric:
    case TypeKind::BigNumeric: return integer || floating || text;
    case TypeKind::Date: return ct == FD::CPPTYPE_INT32 || ct == FD::CPPTYPE_INT64 || text;
    case TypeKind::Time:
    case TypeKind::DateTime: return ct == FD::CPPTYPE_INT64 || text;
    case TypeKind::Timestamp: return ct == FD::CPPTYPE_INT64 || ct == FD::CPPTYPE_INT32 || ct == FD::CPPTYPE_UINT32 || text;
    case TypeKind::Geography:
    case TypeKind::Json:
    case TypeKind::Interval: return text && f->type() == FD::TYPE_STRING;
    case TypeKind::Struct:
    case TypeKind::Range: return false;
    }
    return false;
}

/// Little-endian two's complement bytes (BigDecimalByteStringEncoder) as decimal text with
/// `scale` fraction digits.
std::optional<std::string> scaledBytesText(std::string_view raw, int scale) {
    if (raw.empty() || raw.size() > 32) return std::nullopt;
    std::vector<std::uint8_t> mag(raw.rbegin(), raw.rend()); // big-endian
    const bool negative = mag.front() & 0x80;
    if (negative) { // magnitude = two's complement negated
        for (auto& b : mag) b = static_cast<std::uint8_t>(~b);
        for (std::size_t i = mag.size(); i-- > 0;)
            if (++mag[i] != 0) break;
    }
    std::string digits;
    while (std::any_of(mag.begin(), mag.end(), [](std::uint8_t b) { return b != 0; })) {
        unsigned rem = 0;
        for (auto& b : mag) {
            const unsigned cur = rem * 256 + b;
            b = static_cast<std::uint8_t>(cur / 10);
            rem = cur % 10;
        }
        digits.push_back(static_cast<char>('0' + rem));
    }
    while (digits.size() <= static_cast<std::size_t>(scale)) digits.push_back('0');
    std::reverse(digits.begin(), digits.end());
    std::string out = negative ? "-" : "";
    out += digits.substr(0, digits.size() - static_cast<std::size_t>(scale));
    std::string frac = digits.substr(digits.size() - static_cast<std::size_t>(scale));
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    if (!frac.empty()) out += "." + frac;
    return out;
}

std::string plainDecimal(double d, int scale) {
    std::array<char, 512> buf{};
    const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), d, std::chars_format::fixed, scale);
    std::string s(buf.data(), r.ptr);
    if (s.find('.') != std::string::npos) {
        while (s.back() == '0') s.pop_back();
        if (s.back() == '.') s.pop_back();
    }
    return s;
}

/// CivilTimeEncoder's packed forms: | hour 5 | minute 6 | second 6 | micros 20 | and, for a
/// DATETIME, | year 14 | month 4 | day 5 | before them.
std::optional<std::int64_t> packedTime(std::uint64_t v) {
    const std::uint64_t micros = v & 0xFFFFF, second = (v >> 20) & 0x3F, minute = (v >> 26) & 0x3F, hour = (v >> 32) & 0x1F;
    if (v >> 37 || micros > 999999 || second > 59 || minute > 59 || hour > 23) return std::nullopt;
    return static_cast<std::int64_t>(((hour * 60 + minute) * 60 + second) * 1000000 + micros);
}
std::optional<std::int64_t> packedDateTime(std::int64_t signedV) {
    if (signedV < 0) return std::nullopt;
    const auto v = static_cast<std::uint64_t>(signedV);
    const auto time = packedTime(v & ((std::uint64_t(1) << 37) - 1));
    const std::uint64_t day = (v >> 37) & 0x1F, month = (v >> 42) & 0xF, year = (v >> 46) & 0x3FFF;
    if (!time || v >> 60 || year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return std::nullopt;
    const auto days = civil::daysFromCivil(static_cast<int>(year), static_cast<unsigned>(month), static_cast<unsigned>(day));
    int y = 0;
    unsigned m = 0, dd = 0;
    civil::civilFromDays(days, y, m, dd);
    if (dd != day) return std::nullopt; // 31 February
    return std::int64_t(days) * civil::kMicrosPerDay + *time;
}

constexpr std::int64_t kMinDays = -719162; // 0001-01-01
constexpr std::int64_t kMaxDays = 2932896; // 9999-12-31

} // namespace

/// How one message's fields map to one record's columns, made once from the schemas.
struct Plan {
    struct Slot {
        const Field* column = nullptr;
        const FD* field = nullptr; ///< null: the writer schema lacks the column
        std::unique_ptr<Plan> child; ///< STRUCT and RANGE columns
    };
    std::vector<Slot> slots; ///< one per column, in the table's order
};

struct ProtoRowDecoder::Impl {
    pb::DescriptorPool pool{pb::DescriptorPool::generated_pool()};
    pb::DynamicMessageFactory factory{&pool};
    const pb::Descriptor* root = nullptr;
    const pb::Message* prototype = nullptr;
    Plan plan;

    void build(Plan& out, const pb::Descriptor* msg, const std::vector<Field>& columns, const std::string& path, int depth) {
        if (depth > kMaxNestingDepth + 1) throw SchemaMismatch("The writer schema nests deeper than BigQuery allows at " + path + ".");
        for (int i = 0; i < msg->field_count(); ++i) {
            const FD* f = msg->field(i);
            const bool known = std::any_of(columns.begin(), columns.end(), [&](const Field& c) { return iequals(c.name, f->name()); });
            if (known) continue;
            const std::string name = path.empty() ? std::string(f->name()) : path + "." + std::string(f->name());
            if (iequals(f->name(), "_CHANGE_TYPE") || iequals(f->name(), "_CHANGE_SEQUENCE_NUMBER"))
                throw SchemaMismatch("Change data capture (" + std::string(f->name()) + ") is not supported by the sandbox yet.");
            throw SchemaMismatch("Input schema has more fields than BigQuery schema, extra fields: '" + name + "'");
        }
        for (const auto& c : columns) {
            Plan::Slot s;
            s.column = &c;
            for (int i = 0; i < msg->field_count(); ++i)
                if (iequals(msg->field(i)->name(), c.name)) s.field = msg->field(i);
            const std::string name = path.empty() ? c.name : path + "." + c.name;
            if (s.field) {
                const bool repeated = s.field->is_repeated();
                if (repeated != c.isRepeated() || !compatible(s.field, c.type))
                    throw SchemaMismatch("The proto field mismatched with BigQuery field at " + name + ", the proto field type " +
                                         std::string(repeated ? "repeated " : "") + protoTypeName(s.field) +
                                         ", BigQuery field type " + c.typeDescription());
                if (c.type == TypeKind::Struct) {
                    s.child = std::make_unique<Plan>();
                    build(*s.child, s.field->message_type(), c.fields, name, depth + 1);
                } else if (c.type == TypeKind::Range) {
                    s.child = std::make_unique<Plan>();
                    const auto* m = s.field->message_type();
                    for (const char* side : {"start", "end"}) {
                        const FD* sf = m->FindFieldByName(side);
                        if (!sf || sf->is_repeated() || !compatible(sf, c.rangeElement))
                            throw SchemaMismatch("The proto message for RANGE field " + name + " needs a '" + side + "' field of its element type.");
                        s.child->slots.push_back({nullptr, sf, nullptr});
                    }
                    for (int i = 0; i < m->field_count(); ++i)
                        if (m->field(i)->name() != "start" && m->field(i)->name() != "end")
                            throw SchemaMismatch("Input schema has more fields than BigQuery schema, extra fields: '" + name + "." +
                                                 std::string(m->field(i)->name()) + "'");
                }
            }
            out.slots.push_back(std::move(s));
        }
    }

    struct Ctx {
        std::string error;
        std::string path;
        bool fail(const std::string& what) {
            if (error.empty()) error = "Field " + path + ": " + what;
            return false;
        }
    };

    /// A scalar of a singular or repeated field (`index` < 0: singular) converted to `type`.
    bool scalar(const pb::Message& m, const FD* f, int index, TypeKind type, Value& out, Ctx& cx) const {
        const auto* r = m.GetReflection();
        const bool rep = index >= 0;
        switch (f->cpp_type()) {
        case FD::CPPTYPE_MESSAGE: {
            const pb::Message& sub = rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f);
            const auto* d = sub.GetDescriptor();
            if (isTimestampMessage(d)) {
                const auto* sr = sub.GetReflection();
                const std::int64_t seconds = sr->GetInt64(sub, d->FindFieldByName("seconds"));
                const std::int32_t nanos = sr->GetInt32(sub, d->FindFieldByName("nanos"));
                if (nanos < 0 || nanos > 999999999 || seconds < civil::kMinMicros / 1000000 || seconds > civil::kMaxMicros / 1000000)
                    return cx.fail("the Timestamp is out of range");
                out = Value::timestamp(seconds * 1000000 + nanos / 1000);
                return true;
            }
            return scalar(sub, d->FindFieldByName("value"), -1, type, out, cx); // a wrapper
        }
        case FD::CPPTYPE_STRING: {
            std::string scratch;
            const std::string& s = rep ? r->GetRepeatedStringReference(m, f, index, &scratch) : r->GetStringReference(m, f, &scratch);
            return text(s, f->type() == FD::TYPE_BYTES, type, out, cx);
        }
        case FD::CPPTYPE_ENUM: {
            const auto* e = rep ? r->GetRepeatedEnum(m, f, index) : r->GetEnum(m, f);
            if (type == TypeKind::String) out = Value::string(e->name());
            else out = Value::int64(e->number());
            return true;
        }
        case FD::CPPTYPE_BOOL:
            out = Value::boolean(rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f));
            return true;
        case FD::CPPTYPE_DOUBLE:
        case FD::CPPTYPE_FLOAT: {
            const double d = f->cpp_type() == FD::CPPTYPE_DOUBLE ? (rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f))
                                                                  : (rep ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f));
            if (type == TypeKind::Float64) {
                out = Value::float64(d);
                return true;
            }
            if (!std::isfinite(d)) return cx.fail("cannot convert " + numbers::formatDouble(d) + " to " + std::string(standardTypeName(type)));
            return decimal(plainDecimal(d, type == TypeKind::Numeric ? 9 : 38), type, out, cx);
        }
        default:
            break;
        }
        // Integers.
        std::int64_t i = 0;
        bool tooLarge = false;
        switch (f->cpp_type()) {
        case FD::CPPTYPE_INT32: i = rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f); break;
        case FD::CPPTYPE_UINT32: i = rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f); break;
        case FD::CPPTYPE_INT64: i = rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f); break;
        case FD::CPPTYPE_UINT64: {
            const std::uint64_t u = rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f);
            if (u > static_cast<std::uint64_t>(INT64_MAX)) {
                if (type == TypeKind::Numeric || type == TypeKind::BigNumeric) return decimal(std::to_string(u), type, out, cx);
                tooLarge = true;
            }
            i = static_cast<std::int64_t>(u);
            break;
        }
        default:
            return cx.fail("unsupported proto type");
        }
        switch (type) {
        case TypeKind::Int64:
            if (tooLarge) return cx.fail("the value is out of range for INT64");
            out = Value::int64(i);
            return true;
        case TypeKind::Bool:
            out = Value::boolean(tooLarge || i != 0);
            return true;
        case TypeKind::Numeric:
        case TypeKind::BigNumeric: return decimal(std::to_string(i), type, out, cx);
        case TypeKind::Date:
            if (i < kMinDays || i > kMaxDays) return cx.fail("the DATE " + std::to_string(i) + " (days since 1970-01-01) is out of range");
            out = Value::date(static_cast<std::int32_t>(i));
            return true;
        case TypeKind::Time:
            if (const auto t = packedTime(static_cast<std::uint64_t>(i)); t && i >= 0) {
                out = Value::time(*t);
                return true;
            }
            return cx.fail("invalid packed TIME " + std::to_string(i));
        case TypeKind::DateTime:
            if (const auto t = packedDateTime(i)) {
                out = Value::dateTime(*t);
                return true;
            }
            return cx.fail("invalid packed DATETIME " + std::to_string(i));
        case TypeKind::Timestamp:
            if (tooLarge || i < civil::kMinMicros || i > civil::kMaxMicros) return cx.fail("the TIMESTAMP " + std::to_string(i) + " (microseconds) is out of range");
            out = Value::timestamp(i);
            return true;
        default:
            return cx.fail("unsupported conversion");
        }
    }

    bool decimal(const std::string& s, TypeKind type, Value& out, Ctx& cx) const {
        const bool big = type == TypeKind::BigNumeric;
        if (!(big ? numbers::isBigNumeric(s) : numbers::isNumeric(s)))
            return cx.fail("'" + s.substr(0, 60) + "' is not a valid " + (big ? "BIGNUMERIC" : "NUMERIC"));
        out = big ? Value::bigNumeric(s) : Value::numeric(s);
        return true;
    }

    bool text(const std::string& s, bool bytes, TypeKind type, Value& out, Ctx& cx) const {
        if (type == TypeKind::Bytes) {
            out = Value::bytes(s);
            return true;
        }
        if (bytes) { // NUMERIC / BIGNUMERIC from BigDecimalByteStringEncoder
            const auto t = scaledBytesText(s, type == TypeKind::Numeric ? 9 : 38);
            if (!t) return cx.fail("the bytes are not an encoded " + std::string(standardTypeName(type)));
            return decimal(*t, type, out, cx);
        }
        if (!text::isValidUtf8(s)) return cx.fail("the string is not valid UTF-8");
        const auto bad = [&] { return cx.fail("cannot convert '" + s.substr(0, 60) + "' to " + std::string(standardTypeName(type))); };
        switch (type) {
        case TypeKind::String: out = Value::string(s); return true;
        case TypeKind::Geography: out = Value::geography(s); return true;
        case TypeKind::Interval: out = Value::interval(s); return true;
        case TypeKind::Json:
            if (jsonNestingDepth(s) > 500 || !nlohmann::json::accept(s)) return bad();
            out = Value::json(s);
            return true;
        case TypeKind::Numeric:
        case TypeKind::BigNumeric: return decimal(s, type, out, cx);
        case TypeKind::Date:
            if (const auto d = civil::parseDate(s)) { out = Value::date(*d); return true; }
            return bad();
        case TypeKind::Time:
            if (const auto t = civil::parseTime(s)) { out = Value::time(*t); return true; }
            return bad();
        case TypeKind::DateTime:
            if (const auto t = civil::parseDateTime(s)) { out = Value::dateTime(*t); return true; }
            return bad();
        case TypeKind::Timestamp:
            if (const auto t = civil::parseTimestampText(s); t && *t >= civil::kMinMicros && *t <= civil::kMaxMicros) {
                out = Value::timestamp(*t);
                return true;
            }
            return bad();
        default:
            return bad();
        }
    }

    bool cell(const pb::Message& m, const Plan::Slot& s, Value& out, Ctx& cx) const {
        const Field& c = *s.column;
        const auto* r = m.GetReflection();
        if (c.isRepeated()) {
            const int n = s.field ? r->FieldSize(m, s.field) : 0;
            out = Value::arrayOf(static_cast<std::size_t>(n));
            for (int i = 0; i < n; ++i) {
                const auto at = cx.path.size();
                cx.path += "[" + std::to_string(i) + "]";
                Value& e = out[static_cast<std::size_t>(i)];
                const bool ok = s.child ? record(r->GetRepeatedMessage(m, s.field, i), *s.child, c, e, cx)
                                        : scalar(m, s.field, i, c.type, e, cx);
                if (!ok) return false;
                cx.path.resize(at);
            }
            return true;
        }
        if (!s.field || !r->HasField(m, s.field)) {
            if (c.mode == Mode::Required) return cx.fail("missing required field");
            out = Value();
            return true;
        }
        if (s.child) return record(r->GetMessage(m, s.field), *s.child, c, out, cx);
        return scalar(m, s.field, -1, c.type, out, cx);
    }

    /// A STRUCT (or RANGE, for `column` of that type) from a nested message.
    bool record(const pb::Message& m, const Plan& p, const Field& column, Value& out, Ctx& cx) const {
        if (column.type == TypeKind::Range) {
            Value sides[2];
            const auto* r = m.GetReflection();
            for (int i = 0; i < 2; ++i)
                if (r->HasField(m, p.slots[static_cast<std::size_t>(i)].field) &&
                    !scalar(m, p.slots[static_cast<std::size_t>(i)].field, -1, column.rangeElement, sides[i], cx))
                    return false;
            out = Value::range(std::move(sides[0]), std::move(sides[1]));
            return true;
        }
        return fields(m, p, out, cx);
    }

    bool fields(const pb::Message& m, const Plan& p, Value& out, Ctx& cx) const {
        out = Value::structOf(p.slots.size());
        for (std::size_t i = 0; i < p.slots.size(); ++i) {
            const auto at = cx.path.size();
            if (!cx.path.empty()) cx.path += '.';
            cx.path += p.slots[i].column->name;
            if (!cell(m, p.slots[i], out[i], cx)) return false;
            cx.path.resize(at);
        }
        return true;
    }
};

ProtoRowDecoder::ProtoRowDecoder(const pb::DescriptorProto& writer, const Schema& table) : d_(std::make_unique<Impl>()) {
    pb::FileDescriptorProto file;
    file.set_name("quarry_writer_schema.proto");
    file.set_syntax("proto2");
    file.add_dependency("google/protobuf/wrappers.proto");
    file.add_dependency("google/protobuf/timestamp.proto");
    *file.add_message_type() = writer;
    asProto2(*file.mutable_message_type(0));
    if (file.message_type(0).name().empty()) throw SchemaMismatch("The writer schema's message has no name.");
    struct Collector : pb::DescriptorPool::ErrorCollector {
        std::string first;
        void AddError(const std::string& element, const std::string&, const pb::Message*, ErrorLocation,
                      const std::string& message) override {
            if (first.empty()) first = element + ": " + message;
        }
    } errors;
    const pb::FileDescriptor* fd = d_->pool.BuildFileCollectingErrors(file, &errors);
    if (!fd) throw SchemaMismatch("Invalid proto schema (it must be self-contained: nested types only): " + errors.first);
    d_->root = fd->message_type(0);
    d_->prototype = d_->factory.GetPrototype(d_->root);
    d_->build(d_->plan, d_->root, table.fields, "", 1);
}

ProtoRowDecoder::~ProtoRowDecoder() = default;

std::optional<Value> ProtoRowDecoder::decode(std::string_view bytes, std::string& error) const {
    std::unique_ptr<pb::Message> m(d_->prototype->New());
    if (bytes.size() > static_cast<std::size_t>(INT32_MAX) || !m->ParsePartialFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
        error = "The row could not be parsed as the writer schema's message (" + std::string(d_->root->name()) + ").";
        return std::nullopt;
    }
    Impl::Ctx cx;
    Value out;
    if (!d_->fields(*m, d_->plan, out, cx)) {
        error = cx.error;
        return std::nullopt;
    }
    return out;
}

} // namespace quarry::storageapi
