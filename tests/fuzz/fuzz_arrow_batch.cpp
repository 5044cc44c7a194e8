// SPDX-License-Identifier: MIT
// Fuzzes the Arrow record batch reader the Storage Read API client runs on bytes from the
// network (and the sandbox on a writer's arrow_rows): the input is one RecordBatch message, read
// as rows of a table of every column type, nested and repeated, and as a Schema message. It must
// give rows of the table's width (a schema) or throw ArrowError; nothing else.
// With QUARRY_FUZZ_SEEDS_OUT=DIR set, it writes its seeds (batches of that table) and exits.
#include "storageapi/ArrowIpc.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

namespace {

const quarry::Schema& table() {
    static const quarry::Schema s = quarry::Schema::fromJson(nlohmann::json::parse(R"([
        {"name":"i","type":"INT64"},{"name":"f","type":"FLOAT64"},{"name":"b","type":"BOOL"},{"name":"s","type":"STRING"},
        {"name":"y","type":"BYTES"},{"name":"n","type":"NUMERIC"},{"name":"bn","type":"BIGNUMERIC"},{"name":"d","type":"DATE"},
        {"name":"t","type":"TIME"},{"name":"dt","type":"DATETIME"},{"name":"ts","type":"TIMESTAMP"},{"name":"iv","type":"INTERVAL"},
        {"name":"tags","type":"STRING","mode":"REPEATED"},
        {"name":"kids","type":"RECORD","mode":"REPEATED","fields":[{"name":"name","type":"STRING"},
            {"name":"toys","type":"RECORD","mode":"REPEATED","fields":[{"name":"k","type":"INT64"}]}]},
        {"name":"span","type":"RANGE","rangeElementType":{"type":"TIMESTAMP"}}])"));
    return s;
}

quarry::Value row(int i) {
    using quarry::Value;
    Value r = Value::structOf(15);
    if (i % 4 == 3) { // NULLs and empty arrays
        r[12] = Value::arrayOf(0);
        r[13] = Value::arrayOf(0);
        return r;
    }
    r[0] = Value::int64(i);
    r[1] = Value::float64(i / 3.0);
    r[2] = Value::boolean(i % 2);
    r[3] = Value::string(std::string(static_cast<std::size_t>(i), 's'));
    r[4] = Value::bytes("\x01\x02");
    r[5] = Value::numeric("-1.5");
    r[6] = Value::bigNumeric("12.25");
    r[7] = Value::date(i);
    r[8] = Value::time(i * 1000);
    r[9] = Value::dateTime(i * 1000000LL);
    r[10] = Value::timestamp(i * 1000000LL);
    r[11] = Value::interval("1-2 3 4:5:6.5");
    r[12] = Value::arrayOf(2);
    r[12][0] = Value::string("a");
    r[12][1] = Value::string("b");
    Value kid = Value::structOf(2);
    kid[0] = Value::string("k");
    kid[1] = Value::arrayOf(1);
    kid[1][0] = Value::structOf(1);
    kid[1][0][0] = Value::int64(7);
    r[13] = Value::arrayOf(1);
    r[13][0] = std::move(kid);
    r[14] = Value::range(Value::timestamp(0), Value());
    return r;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    if (const char* dir = std::getenv("QUARRY_FUZZ_SEEDS_OUT")) {
        for (int n : {0, 1, 3, 9}) {
            std::vector<quarry::Value> rows;
            for (int i = 0; i < n; ++i) rows.push_back(row(i));
            std::ofstream(std::string(dir) + "/batch" + std::to_string(n), std::ios::binary)
                << quarry::storageapi::arrow::batchMessage(table(), rows);
            std::ofstream(std::string(dir) + "/zstd" + std::to_string(n), std::ios::binary)
                << quarry::storageapi::arrow::batchMessage(table(), rows, quarry::storageapi::arrow::Compression::Zstd);
        }
        std::ofstream(std::string(dir) + "/schema", std::ios::binary) << quarry::storageapi::arrow::schemaMessage(table());
        std::exit(0);
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // The same bytes as a Schema message, as the sandbox reads a writer's arrow_rows schema.
    try {
        (void)quarry::storageapi::arrow::readSchema({reinterpret_cast<const char*>(data), size});
    } catch (const quarry::storageapi::arrow::ArrowError& e) {
        if (std::string(e.what()).empty()) std::abort();
    }
    try {
        const auto rows = quarry::storageapi::arrow::readBatch(table(), {reinterpret_cast<const char*>(data), size});
        for (const auto& r : rows)
            if (r.size() != table().fields.size()) std::abort();
    } catch (const quarry::storageapi::arrow::ArrowError& e) {
        if (std::string(e.what()).empty()) std::abort();
    }
    return 0;
}
