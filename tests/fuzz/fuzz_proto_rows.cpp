// SPDX-License-Identifier: MIT
// Fuzzes the Storage Write API's row decoding, which reads untrusted bytes from AppendRows:
// the input is an AppendRowsRequest.ProtoData (a writer schema and serialized rows), decoded
// against a table of every column type, nested and repeated. A writer schema the table refuses
// must throw SchemaMismatch; a row must decode or say why; nothing else may happen. The bytes
// also go through the routing-header parser (routingValue), another thing any client sends.
// With QUARRY_FUZZ_SEEDS_OUT=DIR set, it writes its seeds there and exits (run_fuzzer.sh).
#include "storageapi/GrpcCommon.h"
#include "storageapi/ProtoRows.h"

#include <google/cloud/bigquery/storage/v1/storage.pb.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

namespace v1 = google::cloud::bigquery::storage::v1;
namespace pb = google::protobuf;
using FDP = pb::FieldDescriptorProto;

namespace {

const quarry::Schema& table() {
    static const quarry::Schema s = quarry::Schema::fromJson(nlohmann::json::parse(R"([
        {"name":"i","type":"INT64"},{"name":"f","type":"FLOAT64"},{"name":"b","type":"BOOL"},{"name":"s","type":"STRING","mode":"REQUIRED"},
        {"name":"y","type":"BYTES"},{"name":"n","type":"NUMERIC"},{"name":"bn","type":"BIGNUMERIC"},{"name":"d","type":"DATE"},
        {"name":"t","type":"TIME"},{"name":"dt","type":"DATETIME"},{"name":"ts","type":"TIMESTAMP"},{"name":"j","type":"JSON"},
        {"name":"tags","type":"STRING","mode":"REPEATED"},
        {"name":"kids","type":"RECORD","mode":"REPEATED","fields":[{"name":"name","type":"STRING"},{"name":"age","type":"INT64"},
            {"name":"toys","type":"RECORD","mode":"REPEATED","fields":[{"name":"k","type":"STRING"}]}]},
        {"name":"span","type":"RANGE","rangeElementType":{"type":"TIMESTAMP"}}])"));
    return s;
}

void add(pb::DescriptorProto& m, const char* name, int n, FDP::Type t, FDP::Label l = FDP::LABEL_OPTIONAL, const char* type = nullptr) {
    auto* f = m.add_field();
    f->set_name(name);
    f->set_number(n);
    f->set_type(t);
    f->set_label(l);
    if (type) f->set_type_name(type);
}

void writeSeeds(const char* dir) {
    pb::DescriptorProto m;
    m.set_name("Row");
    auto* toy = m.add_nested_type();
    toy->set_name("Toy");
    add(*toy, "k", 1, FDP::TYPE_STRING);
    auto* kid = m.add_nested_type();
    kid->set_name("Kid");
    add(*kid, "name", 1, FDP::TYPE_STRING);
    add(*kid, "age", 2, FDP::TYPE_INT64);
    add(*kid, "toys", 3, FDP::TYPE_MESSAGE, FDP::LABEL_REPEATED, ".Row.Toy");
    auto* span = m.add_nested_type();
    span->set_name("Span");
    add(*span, "start", 1, FDP::TYPE_INT64);
    add(*span, "end", 2, FDP::TYPE_INT64);
    add(m, "i", 1, FDP::TYPE_INT64);
    add(m, "f", 2, FDP::TYPE_DOUBLE);
    add(m, "b", 3, FDP::TYPE_BOOL);
    add(m, "s", 4, FDP::TYPE_STRING, FDP::LABEL_REQUIRED);
    add(m, "y", 5, FDP::TYPE_BYTES);
    add(m, "n", 6, FDP::TYPE_BYTES);
    add(m, "bn", 7, FDP::TYPE_STRING);
    add(m, "d", 8, FDP::TYPE_INT32);
    add(m, "t", 9, FDP::TYPE_INT64);
    add(m, "dt", 10, FDP::TYPE_STRING);
    add(m, "ts", 11, FDP::TYPE_INT64);
    add(m, "j", 12, FDP::TYPE_STRING);
    add(m, "tags", 13, FDP::TYPE_STRING, FDP::LABEL_REPEATED);
    add(m, "kids", 14, FDP::TYPE_MESSAGE, FDP::LABEL_REPEATED, ".Row.Kid");
    add(m, "span", 15, FDP::TYPE_MESSAGE, FDP::LABEL_OPTIONAL, ".Row.Span");

    pb::DescriptorPool pool;
    pb::FileDescriptorProto file;
    file.set_name("seed.proto");
    *file.add_message_type() = m;
    const auto* d = pool.BuildFile(file)->message_type(0);
    pb::DynamicMessageFactory factory(&pool);
    std::unique_ptr<pb::Message> row(factory.GetPrototype(d)->New());
    const auto* r = row->GetReflection();
    r->SetInt64(row.get(), d->FindFieldByName("i"), -42);
    r->SetDouble(row.get(), d->FindFieldByName("f"), 2.5);
    r->SetString(row.get(), d->FindFieldByName("s"), "hello");
    r->SetString(row.get(), d->FindFieldByName("n"), std::string("\x00\xca\x9a\x3b", 4)); // 1.0 as scaled bytes
    r->SetString(row.get(), d->FindFieldByName("bn"), "-1.25");
    r->SetInt32(row.get(), d->FindFieldByName("d"), 19000);
    r->SetInt64(row.get(), d->FindFieldByName("t"), (std::int64_t(12) << 32) | 5);
    r->SetString(row.get(), d->FindFieldByName("dt"), "2024-01-02 03:04:05");
    r->SetInt64(row.get(), d->FindFieldByName("ts"), 1'700'000'000'000'000);
    r->SetString(row.get(), d->FindFieldByName("j"), R"({"a":[1,{"b":null}]})");
    r->AddString(row.get(), d->FindFieldByName("tags"), "x");
    auto* k = r->AddMessage(row.get(), d->FindFieldByName("kids"));
    k->GetReflection()->SetString(k, k->GetDescriptor()->FindFieldByName("name"), "Kit");
    auto* t = k->GetReflection()->AddMessage(k, k->GetDescriptor()->FindFieldByName("toys"));
    t->GetReflection()->SetString(t, t->GetDescriptor()->FindFieldByName("k"), "ball");
    auto* sp = r->MutableMessage(row.get(), d->FindFieldByName("span"));
    sp->GetReflection()->SetInt64(sp, sp->GetDescriptor()->FindFieldByName("start"), 5);

    v1::AppendRowsRequest::ProtoData data;
    *data.mutable_writer_schema()->mutable_proto_descriptor() = m;
    data.mutable_rows()->add_serialized_rows(row->SerializeAsString());
    data.mutable_rows()->add_serialized_rows(std::string("\x0a\x03", 2)); // truncated
    row->Clear();
    data.mutable_rows()->add_serialized_rows(row->SerializePartialAsString()); // no required s
    std::ofstream(std::string(dir) + "/full", std::ios::binary) << data.SerializeAsString();
    // The same rows under a writer schema of fewer fields and another of a field too many.
    auto fewer = data;
    fewer.mutable_writer_schema()->mutable_proto_descriptor()->mutable_field()->DeleteSubrange(13, 2);
    std::ofstream(std::string(dir) + "/fewer", std::ios::binary) << fewer.SerializeAsString();
    auto more = data;
    add(*more.mutable_writer_schema()->mutable_proto_descriptor(), "extra", 99, FDP::TYPE_INT32);
    std::ofstream(std::string(dir) + "/more", std::ios::binary) << more.SerializeAsString();
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    if (const char* dir = std::getenv("QUARRY_FUZZ_SEEDS_OUT")) {
        writeSeeds(dir);
        std::exit(0);
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // The same bytes as a routing header (x-goog-request-params), which any client sends.
    if (const auto v = quarry::storageapi::routingValue({reinterpret_cast<const char*>(data), size}, "write_stream"); v && v->size() > size)
        std::abort();
    v1::AppendRowsRequest::ProtoData in;
    if (!in.ParseFromArray(data, static_cast<int>(size)) || !in.has_writer_schema()) return 0;
    try {
        const quarry::storageapi::ProtoRowDecoder decoder(in.writer_schema().proto_descriptor(), table());
        std::string error;
        for (const auto& row : in.rows().serialized_rows()) {
            const auto v = decoder.decode(row, error);
            if (!v && error.empty()) std::abort(); // a refusal always says why
            if (v && v->size() != table().fields.size()) std::abort();
        }
    } catch (const quarry::storageapi::SchemaMismatch& e) {
        if (std::string(e.what()).empty()) std::abort();
    }
    return 0;
}
