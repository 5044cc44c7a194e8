// SPDX-License-Identifier: MIT
// libFuzzer: arbitrary bytes as an upload file (the first byte picks the format and chunk size),
// read record by record, checked against a nested schema and fed to schema inference. Every
// record must be accounted for (valid or rejected with a position), nothing may crash, and an
// inferred schema must be one BigQuery accepts.
#include "platform/File.h"
#include "upload/RecordReader.h"
#include "upload/RowChecker.h"
#include "upload/SchemaInference.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <simdjson.h>
#include <string>

using namespace quarry;
using namespace quarry::upload;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const Schema schema = Schema::parse(R"({"fields":[{"name":"name","type":"STRING"},
      {"name":"age","type":"INTEGER"},{"name":"tags","type":"STRING","mode":"REPEATED"},
      {"name":"addr","type":"RECORD","fields":[{"name":"city","type":"STRING"},{"name":"zip","type":"INTEGER"}]},
      {"name":"ts","type":"TIMESTAMP"}]})");
    if (size == 0) return 0;
    const std::uint8_t mode = data[0];
    ++data;
    --size;
    static std::filesystem::path scratchPath;
    static quarry::platform::File scratch = quarry::platform::File::scratch("fuzz-upload", scratchPath);
    if (!scratch.isOpen() || !scratch.truncate(0) || !scratch.writeAllAt({reinterpret_cast<const char*>(data), size}, 0)) return 0;
    RecordReader::Options o;
    o.format = mode % 3 == 0 ? InputFormat::Auto : mode % 3 == 1 ? InputFormat::Ndjson : InputFormat::JsonArray;
    o.chunkBytes = (mode & 8) ? 3 : 4096;
    o.maxRecordBytes = (mode & 16) ? 64 : 1u << 20;
    const std::string path = scratchPath.string();
    RecordReader reader(path, o);
    RowChecker checker(schema, (mode & 32) != 0); // check() accepts any size: no request limit here
    SchemaInference inference;
    Record r;
    Rejection why;
    simdjson::dom::element doc;
    std::uint64_t expectOrdinal = 0, lastLine = 0;
    for (;;) {
        try {
            if (!reader.next(r)) break;
        } catch (const InputError& e) {
            // A whole file refused up front (UTF-16/32 text, pretty-printed JSON): before any
            // record, and saying what to do.
            if (expectOrdinal != 0 || std::string(e.what()).empty()) __builtin_trap();
            return 0;
        }
        if (r.ordinal != expectOrdinal++) __builtin_trap(); // ordinals are dense
        if (r.line < lastLine || r.line == 0 || r.column == 0) __builtin_trap();
        lastLine = r.line;
        const bool valid = checker.check(r, why);
        if (!valid && (why.message.empty() || why.line < r.line)) __builtin_trap();
        if (checker.parse(r, doc, why)) {
            inference.add(doc, r.line);
            // The sandbox's path (Values built) and the uploader's (check only) must agree.
            std::vector<RowIssue> issues;
            const Value v = JsonRowReader(schema, (mode & 32) != 0).readDom(doc, issues);
            if (issues.empty() != valid && r.text.size() <= (1u << 20)) __builtin_trap();
            if (issues.empty() && v.isNull()) __builtin_trap();
        }
    }
    // The inferred schema (conflicting fields left out) must be a valid BigQuery schema.
    const Schema s = inference.schema();
    (void)Schema::fromJson(s.toJson());
    (void)inference.conflicts();
    return 0;
}
