// SPDX-License-Identifier: MIT
// The Storage Write API's row decoding (ProtoRowDecoder): each column type from each proto type
// BigQuery documents, nested and repeated data, what is a row error and what refuses the
// writer schema.
#include "storageapi/GrpcCommon.h"
#include "storageapi/ProtoEncoder.h"
#include "storageapi/ProtoRows.h"
#include "value/Civil.h"
#include "value/JsonRowReader.h"
#include "value/WireFormat.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <simdjson.h>

using namespace quarry;
using namespace quarry::storageapi;
namespace pb = google::protobuf;
using FDP = pb::FieldDescriptorProto;

namespace {

Schema schemaOf(const char* json) { return Schema::fromJson(nlohmann::json::parse(json)); }

FDP* field(pb::DescriptorProto& m, const std::string& name, int number, FDP::Type type, FDP::Label label = FDP::LABEL_OPTIONAL,
           const std::string& typeName = {}) {
    auto* f = m.add_field();
    f->set_name(name);
    f->set_number(number);
    f->set_type(type);
    f->set_label(label);
    if (!typeName.empty()) f->set_type_name(typeName);
    return f;
}

/// Serialises rows of a writer schema, as a client would (its own pool).
struct Writer {
    pb::DescriptorPool pool{pb::DescriptorPool::generated_pool()};
    mutable pb::DynamicMessageFactory factory{&pool};
    const pb::Descriptor* root = nullptr;
    explicit Writer(const pb::DescriptorProto& m) {
        pb::FileDescriptorProto file;
        file.set_name("test_writer.proto");
        file.add_dependency("google/protobuf/wrappers.proto");
        file.add_dependency("google/protobuf/timestamp.proto");
        *file.add_message_type() = m;
        root = pool.BuildFile(file)->message_type(0);
    }
    std::unique_ptr<pb::Message> row() const { return std::unique_ptr<pb::Message>(factory.GetPrototype(root)->New()); }
};

Value decodeOk(const ProtoRowDecoder& d, const pb::Message& m) {
    std::string error;
    const auto v = d.decode(m.SerializeAsString(), error);
    EXPECT_TRUE(v.has_value()) << error;
    return v.value_or(Value());
}

std::string decodeError(const ProtoRowDecoder& d, const pb::Message& m) {
    std::string error;
    const auto v = d.decode(m.SerializePartialAsString(), error);
    EXPECT_FALSE(v.has_value());
    return error;
}

std::string mismatch(const pb::DescriptorProto& m, const Schema& s) {
    try {
        ProtoRowDecoder d(m, s);
    } catch (const SchemaMismatch& e) {
        return e.what();
    }
    ADD_FAILURE() << "the writer schema was accepted";
    return {};
}

/// The little-endian two's complement bytes of `unscaled` (BigDecimalByteStringEncoder), sign
/// extended to 16 bytes.
std::string leBytes(std::int64_t unscaled) {
    std::string out;
    for (int i = 0; i < 16; ++i)
        out.push_back(static_cast<char>(i < 8 ? (static_cast<std::uint64_t>(unscaled) >> (8 * i)) & 0xFF : unscaled < 0 ? 0xFF : 0));
    return out;
}

std::int64_t packedTime(int h, int m, int s, int micros) {
    return (std::int64_t(h) << 32) | (std::int64_t(m) << 26) | (std::int64_t(s) << 20) | micros;
}
std::int64_t packedDateTime(int y, int mo, int d, int h, int m, int s, int micros) {
    return (std::int64_t(y) << 46) | (std::int64_t(mo) << 42) | (std::int64_t(d) << 37) | packedTime(h, m, s, micros);
}

} // namespace

TEST(ProtoRows, ScalarsFromEachProtoTypeBigQueryAccepts) {
    const auto s = schemaOf(R"([{"name":"i","type":"INT64"},{"name":"f","type":"FLOAT64"},{"name":"b","type":"BOOL"},
        {"name":"s","type":"STRING"},{"name":"y","type":"BYTES"},{"name":"n","type":"NUMERIC"},{"name":"bn","type":"BIGNUMERIC"},
        {"name":"d","type":"DATE"},{"name":"t","type":"TIME"},{"name":"dt","type":"DATETIME"},{"name":"ts","type":"TIMESTAMP"},
        {"name":"j","type":"JSON"},{"name":"g","type":"GEOGRAPHY"}])");
    pb::DescriptorProto m;
    m.set_name("Row");
    field(m, "I", 1, FDP::TYPE_SINT32); // names match whatever their case
    field(m, "f", 2, FDP::TYPE_FLOAT);
    field(m, "b", 3, FDP::TYPE_INT64);
    field(m, "s", 4, FDP::TYPE_STRING);
    field(m, "y", 5, FDP::TYPE_STRING);
    field(m, "n", 6, FDP::TYPE_BYTES);
    field(m, "bn", 7, FDP::TYPE_STRING);
    field(m, "d", 8, FDP::TYPE_INT32);
    field(m, "t", 9, FDP::TYPE_INT64);
    field(m, "dt", 10, FDP::TYPE_STRING);
    field(m, "ts", 11, FDP::TYPE_INT64);
    field(m, "j", 12, FDP::TYPE_STRING);
    field(m, "g", 13, FDP::TYPE_STRING);
    const ProtoRowDecoder dec(m, s);
    Writer w(m);
    auto r = w.row();
    const auto* d = w.root;
    const auto* x = r->GetReflection();
    x->SetInt32(r.get(), d->field(0), -7);
    x->SetFloat(r.get(), d->field(1), 1.5f);
    x->SetInt64(r.get(), d->field(2), 2);
    x->SetString(r.get(), d->field(3), "héllo");
    x->SetString(r.get(), d->field(4), std::string("\0\xff", 2));
    x->SetString(r.get(), d->field(5), leBytes(-12'500'000'000)); // -12.5 scaled by 1e9
    x->SetString(r.get(), d->field(6), "123456789012345678901234567890.12345678901234567890123456789012345678");
    x->SetInt32(r.get(), d->field(7), 19000);
    x->SetInt64(r.get(), d->field(8), packedTime(23, 59, 58, 123456));
    x->SetString(r.get(), d->field(9), "2024-02-29 10:11:12.5");
    x->SetInt64(r.get(), d->field(10), 1'700'000'000'123'456);
    x->SetString(r.get(), d->field(11), R"({"a":[1,2]})");
    x->SetString(r.get(), d->field(12), "POINT(1 2)");
    const Value v = decodeOk(dec, *r);
    EXPECT_EQ(v[0], Value::int64(-7));
    EXPECT_EQ(v[1], Value::float64(1.5));
    EXPECT_EQ(v[2], Value::boolean(true));
    EXPECT_EQ(v[3], Value::string("héllo"));
    EXPECT_EQ(v[4], Value::bytes(std::string("\0\xff", 2)));
    EXPECT_EQ(v[5], Value::numeric("-12.5"));
    EXPECT_EQ(v[6], Value::bigNumeric("123456789012345678901234567890.12345678901234567890123456789012345678"));
    EXPECT_EQ(v[7], Value::date(19000));
    EXPECT_EQ(v[8], Value::time(*civil::parseTime("23:59:58.123456")));
    EXPECT_EQ(v[9], Value::dateTime(*civil::parseDateTime("2024-02-29T10:11:12.5")));
    EXPECT_EQ(v[10], Value::timestamp(1'700'000'000'123'456));
    EXPECT_EQ(v[11], Value::json(R"({"a":[1,2]})"));
    EXPECT_EQ(v[12], Value::geography("POINT(1 2)"));
}

TEST(ProtoRows, OtherFormsOfTheSameTypes) {
    const auto s = schemaOf(R"([{"name":"dt","type":"DATETIME"},{"name":"n","type":"NUMERIC"},{"name":"ts","type":"TIMESTAMP"},
        {"name":"w","type":"INT64"},{"name":"e","type":"STRING"},{"name":"d","type":"DATE"},{"name":"n2","type":"NUMERIC"}])");
    pb::DescriptorProto m;
    m.set_name("Row");
    field(m, "dt", 1, FDP::TYPE_INT64);
    field(m, "n", 2, FDP::TYPE_DOUBLE);
    field(m, "ts", 3, FDP::TYPE_MESSAGE, FDP::LABEL_OPTIONAL, ".google.protobuf.Timestamp");
    field(m, "w", 4, FDP::TYPE_MESSAGE, FDP::LABEL_OPTIONAL, ".google.protobuf.Int64Value");
    field(m, "e", 5, FDP::TYPE_ENUM, FDP::LABEL_OPTIONAL, ".Row.Color");
    field(m, "d", 6, FDP::TYPE_STRING);
    field(m, "n2", 7, FDP::TYPE_UINT64);
    auto* color = m.add_enum_type();
    color->set_name("Color");
    color->add_value()->set_name("RED");
    color->mutable_value(0)->set_number(0);
    color->add_value()->set_name("BLUE");
    color->mutable_value(1)->set_number(4);
    const ProtoRowDecoder dec(m, s);
    Writer w(m);
    auto r = w.row();
    const auto* x = r->GetReflection();
    const auto* d = w.root;
    x->SetInt64(r.get(), d->field(0), packedDateTime(2001, 2, 3, 4, 5, 6, 7));
    x->SetDouble(r.get(), d->field(1), 0.125);
    auto* ts = x->MutableMessage(r.get(), d->field(2));
    ts->GetReflection()->SetInt64(ts, ts->GetDescriptor()->FindFieldByName("seconds"), 86400);
    ts->GetReflection()->SetInt32(ts, ts->GetDescriptor()->FindFieldByName("nanos"), 5000);
    auto* wrapped = x->MutableMessage(r.get(), d->field(3));
    wrapped->GetReflection()->SetInt64(wrapped, wrapped->GetDescriptor()->FindFieldByName("value"), 99);
    x->SetEnumValue(r.get(), d->field(4), 4);
    x->SetString(r.get(), d->field(5), "1999-12-31");
    x->SetUInt64(r.get(), d->field(6), 18446744073709551615ull);
    const Value v = decodeOk(dec, *r);
    EXPECT_EQ(v[0], Value::dateTime(*civil::parseDateTime("2001-02-03T04:05:06.000007")));
    EXPECT_EQ(v[1], Value::numeric("0.125"));
    EXPECT_EQ(v[2], Value::timestamp(86'400'000'005));
    EXPECT_EQ(v[3], Value::int64(99));
    EXPECT_EQ(v[4], Value::string("BLUE"));
    EXPECT_EQ(v[5], Value::date(*civil::parseDate("1999-12-31")));
    EXPECT_EQ(v[6], Value::numeric("18446744073709551615"));
}

TEST(ProtoRows, NestedRepeatedRangeAndUnsetFields) {
    const auto s = schemaOf(R"([{"name":"name","type":"STRING","mode":"REQUIRED"},{"name":"tags","type":"STRING","mode":"REPEATED"},
        {"name":"kids","type":"RECORD","mode":"REPEATED","fields":[{"name":"age","type":"INT64"}]},
        {"name":"addr","type":"RECORD","fields":[{"name":"city","type":"STRING"}]},
        {"name":"span","type":"RANGE","rangeElementType":{"type":"DATE"}},{"name":"left","type":"INT64"}])");
    pb::DescriptorProto m;
    m.set_name("Row");
    auto* kid = m.add_nested_type();
    kid->set_name("Kid");
    field(*kid, "age", 1, FDP::TYPE_INT64);
    auto* addr = m.add_nested_type();
    addr->set_name("Addr");
    field(*addr, "city", 1, FDP::TYPE_STRING);
    auto* span = m.add_nested_type();
    span->set_name("Span");
    field(*span, "start", 1, FDP::TYPE_INT32);
    field(*span, "end", 2, FDP::TYPE_INT32);
    field(m, "name", 1, FDP::TYPE_STRING, FDP::LABEL_REQUIRED);
    field(m, "tags", 2, FDP::TYPE_STRING, FDP::LABEL_REPEATED);
    field(m, "kids", 3, FDP::TYPE_MESSAGE, FDP::LABEL_REPEATED, ".Row.Kid");
    field(m, "addr", 4, FDP::TYPE_MESSAGE, FDP::LABEL_OPTIONAL, ".Row.Addr");
    field(m, "span", 5, FDP::TYPE_MESSAGE, FDP::LABEL_OPTIONAL, ".Row.Span");
    // "left" is not in the writer schema at all: NULL.
    const ProtoRowDecoder dec(m, s);
    Writer w(m);
    auto r = w.row();
    const auto* x = r->GetReflection();
    const auto* d = w.root;
    x->SetString(r.get(), d->FindFieldByName("name"), "Ann");
    x->AddString(r.get(), d->FindFieldByName("tags"), "a");
    x->AddString(r.get(), d->FindFieldByName("tags"), "b");
    for (int age : {3, 5}) {
        auto* k = x->AddMessage(r.get(), d->FindFieldByName("kids"));
        k->GetReflection()->SetInt64(k, k->GetDescriptor()->field(0), age);
    }
    auto* sp = x->MutableMessage(r.get(), d->FindFieldByName("span"));
    sp->GetReflection()->SetInt32(sp, sp->GetDescriptor()->FindFieldByName("start"), 10);
    const Value v = decodeOk(dec, *r);
    EXPECT_EQ(v[0], Value::string("Ann"));
    ASSERT_EQ(v[1].size(), 2u);
    EXPECT_EQ(v[1][1], Value::string("b"));
    ASSERT_EQ(v[2].size(), 2u);
    EXPECT_EQ(v[2][1][0], Value::int64(5));
    EXPECT_TRUE(v[3].isNull()) << "an unset message is NULL";
    EXPECT_EQ(v[4], Value::range(Value::date(10), Value()));
    EXPECT_TRUE(v[5].isNull());

    auto empty = w.row(); // no name: a row error naming the field
    EXPECT_NE(decodeError(dec, *empty).find("name"), std::string::npos);
}

TEST(ProtoRows, ValuesThatDoNotFitAreRowErrorsNamingTheField) {
    const auto s = schemaOf(R"([{"name":"i","type":"INT64"},{"name":"s","type":"STRING"},{"name":"j","type":"JSON"},
        {"name":"t","type":"TIME"},{"name":"n","type":"NUMERIC"},{"name":"d","type":"DATE"},
        {"name":"r","type":"RECORD","fields":[{"name":"x","type":"INT64","mode":"REQUIRED"}]}])");
    pb::DescriptorProto m;
    m.set_name("Row");
    field(m, "i", 1, FDP::TYPE_UINT64);
    field(m, "s", 2, FDP::TYPE_STRING);
    field(m, "j", 3, FDP::TYPE_STRING);
    field(m, "t", 4, FDP::TYPE_INT64);
    field(m, "n", 5, FDP::TYPE_STRING);
    field(m, "d", 6, FDP::TYPE_INT64);
    auto* rec = m.add_nested_type();
    rec->set_name("R");
    field(*rec, "x", 1, FDP::TYPE_INT64);
    field(m, "r", 7, FDP::TYPE_MESSAGE, FDP::LABEL_OPTIONAL, ".Row.R");
    const ProtoRowDecoder dec(m, s);
    Writer w(m);
    const auto* d = w.root;
    struct Case {
        const char* field;
        std::function<void(pb::Message&)> set;
    };
    const std::vector<Case> cases = {
        {"i", [&](pb::Message& r) { r.GetReflection()->SetUInt64(&r, d->field(0), 1ull << 63); }},
        {"s", [&](pb::Message& r) { r.GetReflection()->SetString(&r, d->field(1), "\xc3\x28"); }},
        {"j", [&](pb::Message& r) { r.GetReflection()->SetString(&r, d->field(2), "{not json"); }},
        {"t", [&](pb::Message& r) { r.GetReflection()->SetInt64(&r, d->field(3), packedTime(24, 0, 0, 0)); }},
        {"n", [&](pb::Message& r) { r.GetReflection()->SetString(&r, d->field(4), "1e5"); }},
        {"d", [&](pb::Message& r) { r.GetReflection()->SetInt64(&r, d->field(5), 3'000'000); }},
        {"r.x", [&](pb::Message& r) { r.GetReflection()->MutableMessage(&r, d->field(6)); }},
    };
    for (const auto& c : cases) {
        auto r = w.row();
        c.set(*r);
        const auto e = decodeError(dec, *r);
        EXPECT_EQ(e.rfind(std::string("Field ") + c.field + ":", 0), 0u) << e;
    }
    std::string error;
    EXPECT_FALSE(dec.decode("\xff\xff\xff", error));
    EXPECT_NE(error.find("could not be parsed"), std::string::npos) << error;
}

TEST(ProtoRows, AWriterSchemaThatDoesNotFitTheTableIsRefused) {
    const auto s = schemaOf(R"([{"name":"i","type":"INT64"},{"name":"tags","type":"STRING","mode":"REPEATED"}])");
    pb::DescriptorProto extra;
    extra.set_name("Row");
    field(extra, "i", 1, FDP::TYPE_INT64);
    field(extra, "other", 2, FDP::TYPE_INT64);
    EXPECT_NE(mismatch(extra, s).find("extra fields: 'other'"), std::string::npos);

    pb::DescriptorProto wrongType;
    wrongType.set_name("Row");
    field(wrongType, "i", 1, FDP::TYPE_STRING);
    EXPECT_NE(mismatch(wrongType, s).find("mismatched with BigQuery field at i"), std::string::npos);

    pb::DescriptorProto notRepeated;
    notRepeated.set_name("Row");
    field(notRepeated, "tags", 1, FDP::TYPE_STRING);
    EXPECT_NE(mismatch(notRepeated, s).find("tags"), std::string::npos);

    pb::DescriptorProto outside; // refers to a type it does not carry
    outside.set_name("Row");
    field(outside, "i", 1, FDP::TYPE_MESSAGE, FDP::LABEL_OPTIONAL, ".elsewhere.Thing");
    EXPECT_NE(mismatch(outside, s).find("self-contained"), std::string::npos);

    pb::DescriptorProto cdc;
    cdc.set_name("Row");
    field(cdc, "_CHANGE_TYPE", 1, FDP::TYPE_STRING);
    EXPECT_NE(mismatch(cdc, s).find("not supported by the sandbox yet"), std::string::npos);

    // A oneof no field uses, and a field naming a oneof that is not there (found by
    // fuzz_proto_rows: the renumbering read past its table): refused, not read out of bounds.
    pb::DescriptorProto badOneof;
    badOneof.set_name("Row");
    badOneof.add_oneof_decl()->set_name("unused");
    field(badOneof, "i", 1, FDP::TYPE_INT64)->set_oneof_index(3);
    EXPECT_FALSE(mismatch(badOneof, s).empty());
    field(badOneof, "tags", 2, FDP::TYPE_STRING, FDP::LABEL_REPEATED)->set_oneof_index(-2);
    EXPECT_FALSE(mismatch(badOneof, s).empty());
}

TEST(ProtoRows, Proto3OptionalFieldsAreReadWithPresence) {
    const auto s = schemaOf(R"([{"name":"i","type":"INT64"},{"name":"j","type":"INT64"}])");
    pb::DescriptorProto m;
    m.set_name("Row");
    field(m, "i", 1, FDP::TYPE_INT64)->set_proto3_optional(true);
    m.mutable_field(0)->set_oneof_index(0);
    m.add_oneof_decl()->set_name("_i");
    field(m, "j", 2, FDP::TYPE_INT64);
    const ProtoRowDecoder dec(m, s);
    pb::DescriptorProto plain = m; // the same row as a proto2 writer would send it
    plain.mutable_field(0)->clear_proto3_optional();
    plain.mutable_field(0)->clear_oneof_index();
    plain.clear_oneof_decl();
    Writer w(plain);
    auto r = w.row();
    r->GetReflection()->SetInt64(r.get(), w.root->field(1), 4);
    const Value v = decodeOk(dec, *r);
    EXPECT_TRUE(v[0].isNull());
    EXPECT_EQ(v[1], Value::int64(4));
}

TEST(ProtoRows, WireRulesPackedNumbersMergedMessagesAndUnknownFields) {
    const auto s = schemaOf(R"([{"name":"ns","type":"INT64","mode":"REPEATED"},{"name":"r","type":"RECORD","fields":[
        {"name":"a","type":"INT64"},{"name":"b","type":"STRING"}]},{"name":"last","type":"INT64"},{"name":"e","type":"STRING"}])");
    pb::DescriptorProto m;
    m.set_name("Row");
    auto* r = m.add_nested_type();
    r->set_name("R");
    field(*r, "a", 1, FDP::TYPE_INT64);
    field(*r, "b", 2, FDP::TYPE_STRING);
    field(m, "ns", 1, FDP::TYPE_INT64, FDP::LABEL_REPEATED);
    field(m, "r", 2, FDP::TYPE_MESSAGE, FDP::LABEL_OPTIONAL, ".Row.R");
    field(m, "last", 3, FDP::TYPE_INT64);
    field(m, "e", 4, FDP::TYPE_ENUM, FDP::LABEL_OPTIONAL, ".Row.E");
    auto* e = m.add_enum_type();
    e->set_name("E");
    e->add_value()->set_name("ZERO");
    e->mutable_value(0)->set_number(0);
    const ProtoRowDecoder dec(m, s);
    // Written by hand: ns packed [1, 300] then one more unpacked (2); r twice (a=5, then b="x":
    // they merge); last twice (the second wins); field 9 unknown (skipped).
    const std::string bytes = std::string("\x0a\x03\x01\xac\x02", 5) + "\x08\x02" + "\x12\x02\x08\x05" + "\x12\x03\x12\x01x" +
                              "\x18\x07" + "\x18\x09" + "\x4a\x02hi";
    std::string error;
    const auto v = dec.decode(bytes, error);
    ASSERT_TRUE(v) << error;
    ASSERT_EQ((*v)[0].size(), 3u);
    EXPECT_EQ((*v)[0][1], Value::int64(300));
    EXPECT_EQ((*v)[0][2], Value::int64(2));
    EXPECT_EQ((*v)[1][0], Value::int64(5));
    EXPECT_EQ((*v)[1][1], Value::string("x"));
    EXPECT_EQ((*v)[2], Value::int64(9));
    // A wire type that does not match the field, an enum number it does not have, a length past
    // the end, a group: each a clear refusal, never a crash.
    for (const std::string& bad : {std::string("\x1a\x01x", 3), std::string("\x20\x05", 2), std::string("\x12\x09\x08", 3),
                                   std::string("\x2b\x2c", 2)}) {
        EXPECT_FALSE(dec.decode(bad, error));
        EXPECT_FALSE(error.empty());
    }
}

// The uploader writes JSON records straight to the wire (JsonRowReader::encodeDom) instead of
// reading them into values first (ProtoEncoder): both must give the sandbox the same rows.
TEST(ProtoRows, JsonWrittenStraightToTheWireDecodesAsTheRowReadAsValues) {
    const Schema s = schemaOf(R"([
        {"name":"i","type":"INTEGER"},{"name":"f","type":"FLOAT"},{"name":"n","type":"NUMERIC"},
        {"name":"bn","type":"BIGNUMERIC"},{"name":"b","type":"BOOLEAN"},{"name":"s","type":"STRING","mode":"REQUIRED"},
        {"name":"by","type":"BYTES"},{"name":"d","type":"DATE"},{"name":"t","type":"TIME"},
        {"name":"dt","type":"DATETIME"},{"name":"ts","type":"TIMESTAMP"},{"name":"g","type":"GEOGRAPHY"},
        {"name":"j","type":"JSON"},{"name":"iv","type":"INTERVAL"},{"name":"r","type":"RANGE","rangeElementType":{"type":"DATE"}},
        {"name":"tags","type":"STRING","mode":"REPEATED"},{"name":"nums","type":"INTEGER","mode":"REPEATED"},
        {"name":"rec","type":"RECORD","fields":[{"name":"a","type":"STRING"},{"name":"kids","type":"RECORD","mode":"REPEATED",
          "fields":[{"name":"x","type":"INTEGER"},{"name":"when","type":"TIMESTAMP"}]}]}])");
    const std::string longText(300, 'w'); // a field and a nested message whose lengths take two bytes
    const std::vector<std::string> rows = {
        R"J({"s":"only the required one"})J",
        R"J({"i":-42,"f":1.5,"n":"123.456","bn":"-123.00000000000000000000000000000000000001","b":true,"s":"x","by":"AAEC","d":"1969-12-31","t":"23:59:59.999999",
            "dt":"2024-02-29 12:00:00.5","ts":"2024-01-01T00:00:00Z","g":"POINT(1 2)","j":{"k":[1,2]},"iv":"1-2 3 4:5:6",
            "r":"[2024-01-01, UNBOUNDED)","tags":["a","",")J" + longText + R"J("],"nums":[1,-1,9007199254740993],
            "rec":{"a":")J" + longText + R"J(","kids":[{"x":1,"when":1700000000},{"x":null},{}]}})J",
        R"J({"i":"17","f":"NaN","b":"false","s":"","nums":[],"tags":null,"rec":{"kids":[]},"ts":"1700000000.25","j":"\"text\""})J",
        R"J({"rec":null,"S":"keys match without case","d":"0001-01-01","t":"00:00:00","dt":"9999-12-31T23:59:59.999999"})J",
    };
    JsonRowReader reader(s);
    ProtoEncoder encoder(s);
    ProtoRowDecoder decoder(encoder.writerSchema(), s);
    simdjson::dom::parser parser;
    for (const auto& text : rows) {
        SCOPED_TRACE(text);
        auto doc = parser.parse(text);
        ASSERT_FALSE(doc.error());
        std::vector<RowIssue> issues;
        const Value asValues = reader.readDom(doc.value(), issues);
        ASSERT_TRUE(issues.empty()) << issues[0].message;
        std::string wire = "kept";
        ASSERT_TRUE(reader.encodeDom(doc.value(), wire, issues));
        ASSERT_EQ(wire.rfind("kept", 0), 0u); // appended
        std::string error;
        const auto straight = decoder.decode(std::string_view(wire).substr(4), error);
        ASSERT_TRUE(straight.has_value()) << error;
        EXPECT_EQ(*straight, asValues);
        std::string viaValues;
        encoder.encode(asValues, viaValues);
        EXPECT_EQ(decoder.decode(viaValues, error), straight);
    }
    // A record that does not fit: false, the same issue as readDom's, and nothing appended.
    for (const char* bad : {R"({"s":"x","i":"twelve"})", R"({"s":"x","rec":{"kids":[{"x":[1]}]}})", R"({"i":1})",
                            R"({"s":"x","tags":["a",null]})", R"({"s":"x","rec":"flat"})"}) {
        SCOPED_TRACE(bad);
        auto doc = parser.parse(std::string(bad));
        std::vector<RowIssue> fromValues, fromWire;
        (void)reader.readDom(doc.value(), fromValues);
        std::string wire = "kept";
        EXPECT_FALSE(reader.encodeDom(doc.value(), wire, fromWire));
        EXPECT_EQ(wire, "kept");
        ASSERT_EQ(fromWire.size(), fromValues.size());
        EXPECT_EQ(fromWire[0].location, fromValues[0].location);
        EXPECT_EQ(fromWire[0].message, fromValues[0].message);
    }
}

// A JSON column holds at most 500 levels (BigQuery's limit): the uploader's check, its Write API
// encoding, the sandbox's insertAll rows and its Write API decoder agree on where that ends, so
// a row the strict check let through is not refused once sent.
TEST(ProtoRows, JsonNestedPastFiveHundredLevelsIsRefusedAlikeEverywhere) {
    const Schema s = schemaOf(R"([{"name":"id","type":"INTEGER"},{"name":"j","type":"JSON"}])");
    auto nested = [](int levels, bool asText) {
        std::string doc;
        for (int i = 0; i < levels; ++i) doc += "{\"a\":";
        doc += "1" + std::string(static_cast<std::size_t>(levels), '}');
        return std::string(R"({"id":1,"j":)") + (asText ? nlohmann::json(doc).dump() : doc) + "}";
    };
    JsonRowReader reader(s);
    ProtoEncoder encoder(s);
    ProtoRowDecoder decoder(encoder.writerSchema(), s);
    simdjson::dom::parser parser;
    for (const bool asText : {false, true}) {
        for (const int levels : {500, 501}) {
            SCOPED_TRACE(std::to_string(levels) + (asText ? " levels, as a string" : " levels"));
            const std::string row = nested(levels, asText);
            const bool fits = levels <= 500;
            auto doc = parser.parse(row);
            ASSERT_FALSE(doc.error());
            std::vector<RowIssue> checked, read, encoded, fromRequest;
            EXPECT_EQ(reader.checkDom(doc.value(), checked), fits);
            const Value v = reader.readDom(doc.value(), read);
            std::string wire;
            EXPECT_EQ(reader.encodeDom(doc.value(), wire, encoded), fits);
            (void)reader.read(nlohmann::json::parse(row), fromRequest); // the sandbox's insertAll rows
            EXPECT_EQ(fromRequest.empty(), fits);
            if (!fits) {
                ASSERT_FALSE(checked.empty());
                EXPECT_NE(checked[0].message.find("a JSON column holds at most 500"), std::string::npos) << checked[0].message;
                // What the check refuses, the sandbox's decoder refuses too.
                std::string viaValues, error;
                const auto j = nlohmann::json::parse(row)["j"];
                wire::bytesField(viaValues, 2, asText ? j.get<std::string>() : j.dump()); // the document, as the uploader sends it
                EXPECT_FALSE(decoder.decode(viaValues, error).has_value());
                continue;
            }
            ASSERT_TRUE(read.empty());
            std::string error;
            const auto decoded = decoder.decode(wire, error);
            ASSERT_TRUE(decoded.has_value()) << error;
            EXPECT_EQ(*decoded, v);
        }
    }
}

TEST(StorageRoutingHeader, AnyBytesGiveAValueOrNone) {
    using storageapi::routingValue;
    EXPECT_EQ(routingValue("parent=projects%2Fp%2Fdatasets%2Fd%2Ftables%2Ft", "parent"), "projects/p/datasets/d/tables/t");
    EXPECT_EQ(routingValue("write_stream=projects/p/datasets/d/tables/t/streams/s", "write_stream"),
              "projects/p/datasets/d/tables/t/streams/s");
    EXPECT_EQ(routingValue("a=1&read_stream=x%2By+z&b=2", "read_stream"), "x+y z");
    EXPECT_EQ(routingValue("read%5Fstream=x", "read_stream"), "x") << "the key is decoded too";
    EXPECT_EQ(routingValue("parent=", "parent"), "");
    EXPECT_EQ(routingValue("name=a&name=b", "name"), "a") << "the first one counts";
    for (const std::string_view none : {"", "&", "&&&", "parent", "=x", "parents=x", "xparent=y"})
        EXPECT_FALSE(routingValue(none, "parent")) << none;
    // Percent signs that do not make a byte stay as they are; nothing reads past the end.
    EXPECT_EQ(routingValue("parent=%", "parent"), "%");
    EXPECT_EQ(routingValue("parent=%4", "parent"), "%4");
    EXPECT_EQ(routingValue("parent=%zz%41", "parent"), "%zzA");
    EXPECT_EQ(routingValue(std::string_view("parent=a\0b", 10), "parent"), std::string("a\0b", 3));
    const std::string huge = "parent=" + std::string(100000, '%');
    EXPECT_EQ(routingValue(huge, "parent")->size(), 100000u);
}
