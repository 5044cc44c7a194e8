// SPDX-License-Identifier: MIT
// Load jobs: an uploaded CSV or NDJSON file read against a schema, then committed at once.
#include "sandbox/LoadJob.h"
#include "sandbox/Partitioning.h"

#include "sandbox/JsonFields.h"
#include "sandbox/sql/Bytes.h"
#include "sandbox/sql/Engine.h"
#include "upload/CsvReader.h"
#include "upload/RecordReader.h"
#include "upload/SchemaInference.h"
#include "value/Civil.h"
#include "value/JsonRowReader.h"
#include "value/Text.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>

namespace quarry::sandbox {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kListedErrors = 10; ///< bad rows named in status.errors
constexpr const char* kFile = "file-00000000"; ///< BigQuery's name for an uploaded file in errors

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

std::int64_t intOf(const Json& j, const char* key, std::int64_t def) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return def;
    if (it->is_number_integer()) return it->get<std::int64_t>();
    if (it->is_string()) {
        try {
            return std::stoll(it->get<std::string>());
        } catch (const std::exception&) {
        }
    }
    throw ApiFailure("invalid", std::string("Invalid value for ") + key + ": " + it->dump(), std::string("configuration.load.") + key);
}

/// The bad rows of one load: counted, the first few kept with their lines.
struct BadRows {
    std::int64_t allowed = 0, count = 0;
    Json listed = Json::array();
    std::string format; ///< "CSV" or "JSON", for BigQuery's messages

    /// Records one; true when there are now more than allowed (the load gives up).
    bool add(std::uint64_t line, std::string what) {
        ++count;
        if (!what.empty() && what.back() == '.') what.pop_back();
        if (listed.size() < kListedErrors)
            listed.push_back({{"reason", "invalid"}, {"location", kFile},
                              {"message", "Error while reading data, error message: " + what + "; line_number: " +
                                              std::to_string(line) + " File: " + kFile}});
        return count > allowed;
    }
    [[noreturn]] void giveUp(std::uint64_t rows) const {
        const std::string message = "Error while reading data, error message: " + format +
                                    " table encountered too many errors, giving up. Rows: " + std::to_string(rows) +
                                    "; errors: " + std::to_string(count) +
                                    ". Please look into the errors[] collection for more details.";
        Json all = Json::array({{{"reason", "invalid"}, {"message", message}}});
        for (const auto& e : listed) all.push_back(e);
        throw JobErrors("invalid", message, std::move(all));
    }
};

void checkCancel(const std::atomic<bool>& cancel, std::uint64_t rows) {
    if ((rows & 4095) == 0 && cancel) throw sql::PreparedQuery::Cancelled{};
}

// ---- NEWLINE_DELIMITED_JSON ----

Schema detectJsonSchema(const fs::path& file, const std::atomic<bool>& cancel) {
    upload::RecordReader::Options ro;
    ro.format = upload::InputFormat::Ndjson;
    upload::RecordReader reader(file.string(), ro);
    upload::SchemaInference inference;
    simdjson::dom::parser parser;
    upload::Record rec;
    std::uint64_t n = 0;
    while (reader.next(rec)) {
        checkCancel(cancel, ++n);
        if (!rec.error.empty()) continue; // reported when the rows are read
        simdjson::padded_string text(rec.text);
        simdjson::dom::element doc;
        if (parser.parse(text).get(doc) == simdjson::SUCCESS) inference.add(doc, rec.line);
    }
    if (const auto conflicts = inference.conflicts(); !conflicts.empty())
        throw ApiFailure("invalid", "Schema autodetection failed: " + conflicts.front().message +
                                        ". Give the schema with the job (bq load --schema) instead.");
    auto schema = inference.schema();
    if (schema.fields.empty())
        throw ApiFailure("invalid", "Schema autodetection found no fields in the file. Give the schema with the job instead.");
    return schema;
}

std::vector<Value> readJson(const fs::path& file, const Schema& schema, bool ignoreUnknown, BadRows& bad,
                            const std::atomic<bool>& cancel) {
    upload::RecordReader::Options ro;
    ro.format = upload::InputFormat::Ndjson;
    ro.maxRecordBytes = 100u << 20;
    upload::RecordReader reader(file.string(), ro);
    JsonRowReader rows(schema, ignoreUnknown);
    simdjson::dom::parser parser;
    std::vector<Value> out;
    upload::Record rec;
    std::vector<RowIssue> issues;
    std::uint64_t n = 0;
    while (reader.next(rec)) {
        checkCancel(cancel, ++n);
        const std::string at = "JSON parsing error in row starting at position " + std::to_string(reader.textBytesRead() - rec.text.size()) + ": ";
        if (!rec.error.empty()) {
            if (bad.add(rec.line, at + rec.error)) bad.giveUp(n);
            continue;
        }
        simdjson::padded_string text(rec.text);
        simdjson::dom::element doc;
        if (const auto err = parser.parse(text).get(doc); err != simdjson::SUCCESS) {
            if (bad.add(rec.line, at + simdjson::error_message(err))) bad.giveUp(n);
            continue;
        }
        if (!doc.is_object()) {
            if (bad.add(rec.line, at + "Only JSON objects can be loaded as rows")) bad.giveUp(n);
            continue;
        }
        issues.clear();
        Value v = rows.readDom(doc, issues);
        if (!issues.empty()) {
            const auto& i = issues.front();
            if (bad.add(rec.line, at + (i.location.empty() ? "" : i.location + ": ") + i.message)) bad.giveUp(n);
            continue;
        }
        out.push_back(std::move(v));
    }
    return out;
}

// ---- CSV ----

upload::CsvOptions csvOptions(const Json& cfg) {
    upload::CsvOptions o;
    std::string d = stringField(cfg, "fieldDelimiter");
    if (d == "\\t" || upper(d) == "TAB") d = "\t";
    if (!d.empty()) {
        if (d.size() != 1)
            throw ApiFailure("invalid", "The sandbox takes a one-byte CSV field delimiter (this one is \"" + d + "\").",
                             "configuration.load.fieldDelimiter");
        o.delimiter = d[0];
    }
    if (cfg.contains("quote") && cfg["quote"].is_string()) {
        const std::string q = cfg["quote"].get<std::string>();
        if (q.size() > 1) throw ApiFailure("invalid", "The CSV quote must be one byte or empty.", "configuration.load.quote");
        o.quote = q.empty() ? std::nullopt : std::optional<char>(q[0]);
    }
    o.allowQuotedNewlines = boolField(cfg, "allowQuotedNewlines", false);
    const std::string enc = upper(stringField(cfg, "encoding"));
    if (enc == "ISO-8859-1" || enc == "LATIN1") o.latin1 = true;
    else if (!enc.empty() && enc != "UTF-8" && enc != "UTF8")
        throw ApiFailure("invalid", "The sandbox reads CSV files in UTF-8 or ISO-8859-1 (not " + enc + ").", "configuration.load.encoding");
    return o;
}

/// The narrowest type a CSV value fits, for autodetection (empty: no evidence).
std::optional<TypeKind> csvType(const std::string& v) {
    if (v.empty()) return std::nullopt;
    std::size_t i = v[0] == '-' || v[0] == '+';
    if (i < v.size() && std::all_of(v.begin() + static_cast<std::ptrdiff_t>(i), v.end(), [](unsigned char c) { return std::isdigit(c); })) {
        try {
            (void)std::stoll(v);
            return TypeKind::Int64;
        } catch (const std::exception&) {
            return TypeKind::Float64;
        }
    }
    char* end = nullptr;
    (void)std::strtod(v.c_str(), &end);
    if (end == v.c_str() + v.size() && std::isdigit(static_cast<unsigned char>(v.back()))) return TypeKind::Float64;
    const std::string u = upper(v);
    if (u == "TRUE" || u == "FALSE") return TypeKind::Bool;
    if (civil::parseDate(v)) return TypeKind::Date;
    if (civil::parseTimestampText(v)) return TypeKind::Timestamp;
    return TypeKind::String;
}

TypeKind widen(std::optional<TypeKind> a, TypeKind b) {
    if (!a || *a == b) return b;
    const auto num = [](TypeKind t) { return t == TypeKind::Int64 || t == TypeKind::Float64; };
    if (num(*a) && num(b)) return TypeKind::Float64;
    return TypeKind::String;
}

std::string columnName(const std::string& header, std::size_t i, TypeKind t) {
    std::string n;
    for (const unsigned char c : header) n.push_back(std::isalnum(c) ? static_cast<char>(c) : '_');
    if (!n.empty() && std::isdigit(static_cast<unsigned char>(n[0]))) n = "_" + n;
    if (!n.empty()) return n;
    const char* prefix = t == TypeKind::Int64 ? "int64" : t == TypeKind::Float64 ? "double" : t == TypeKind::Bool ? "bool"
                       : t == TypeKind::Date ? "date" : t == TypeKind::Timestamp ? "timestamp" : "string";
    return std::string(prefix) + "_field_" + std::to_string(i);
}

/// Autodetection for CSV: each column's type over every row, and whether the first row is a
/// header (all its values text while a column below is of another type), as BigQuery decides.
/// Returns the schema and how many leading rows to skip.
std::pair<Schema, std::int64_t> detectCsvSchema(const fs::path& file, const upload::CsvOptions& o, std::int64_t skip,
                                                const std::atomic<bool>& cancel) {
    upload::CsvReader reader(file.string(), o);
    upload::CsvRecord rec;
    std::vector<std::string> first, named;
    std::vector<std::optional<TypeKind>> types;
    std::int64_t index = 0;
    while (reader.next(rec)) {
        checkCancel(cancel, static_cast<std::uint64_t>(++index));
        if (!rec.error.empty()) continue;
        if (index <= skip) {
            named = rec.fields; // the last skipped row names the columns
            continue;
        }
        if (index == skip + 1 && skip == 0) {
            first = rec.fields;
            continue;
        }
        if (types.size() < rec.fields.size()) types.resize(rec.fields.size());
        for (std::size_t i = 0; i < rec.fields.size(); ++i)
            if (const auto t = csvType(rec.fields[i])) types[i] = widen(types[i], *t);
    }
    std::int64_t skipRows = skip;
    if (!first.empty()) {
        bool header = first.size() >= types.size();
        bool otherBelow = false;
        for (std::size_t i = 0; i < first.size() && header; ++i) {
            const auto t = csvType(first[i]);
            header = t == TypeKind::String;
            if (i < types.size() && types[i] && *types[i] != TypeKind::String) otherBelow = true;
        }
        if (header && otherBelow) {
            named = first;
            skipRows = 1;
        } else {
            if (types.size() < first.size()) types.resize(first.size());
            for (std::size_t i = 0; i < first.size(); ++i)
                if (const auto t = csvType(first[i])) types[i] = widen(types[i], *t);
        }
    }
    if (types.empty()) throw ApiFailure("invalid", "Schema autodetection found no rows in the file. Give the schema with the job instead.");
    Schema s;
    for (std::size_t i = 0; i < types.size(); ++i) {
        Field f;
        f.type = types[i].value_or(TypeKind::String);
        f.name = columnName(i < named.size() ? named[i] : std::string(), i, f.type);
        for (const auto& other : s.fields)
            if (upper(other.name) == upper(f.name)) f.name += "_" + std::to_string(i);
        s.fields.push_back(std::move(f));
    }
    return {s, skipRows};
}

std::vector<Value> readCsv(const fs::path& file, const Schema& schema, const Json& cfg, const upload::CsvOptions& o,
                           std::int64_t skip, BadRows& bad, const std::atomic<bool>& cancel) {
    for (const auto& f : schema.fields)
        if (f.isRecord() || f.isRepeated())
            throw ApiFailure("invalid", "CSV files cannot hold RECORD or REPEATED fields (field " + f.name +
                                            "); load the file as NEWLINE_DELIMITED_JSON instead.");
    const bool jagged = boolField(cfg, "allowJaggedRows", false), ignoreUnknown = boolField(cfg, "ignoreUnknownValues", false);
    const std::string nullMarker = stringField(cfg, "nullMarker");
    upload::CsvReader reader(file.string(), o);
    JsonRowReader rows(schema, false);
    std::vector<Value> out;
    upload::CsvRecord rec;
    std::vector<RowIssue> issues;
    const std::size_t width = schema.fields.size();
    std::uint64_t n = 0;
    while (reader.next(rec)) {
        checkCancel(cancel, ++n);
        if (static_cast<std::int64_t>(n) <= skip) continue;
        if (!rec.error.empty()) {
            if (bad.add(rec.line, rec.error)) bad.giveUp(n);
            continue;
        }
        const std::string at = " starting at position: " + std::to_string(rec.byteOffset);
        if (rec.fields.size() < width && !jagged) {
            if (bad.add(rec.line, "CSV table references column position " + std::to_string(rec.fields.size()) + ", but line" + at +
                                      " contains only " + std::to_string(rec.fields.size()) +
                                      " columns (set allowJaggedRows to read missing trailing columns as NULL)"))
                bad.giveUp(n);
            continue;
        }
        if (rec.fields.size() > width && !ignoreUnknown) {
            if (bad.add(rec.line, "Too many values in row" + at + ". Found " + std::to_string(rec.fields.size()) +
                                      " column(s) while expected " + std::to_string(width)))
                bad.giveUp(n);
            continue;
        }
        Json row = Json::object();
        for (std::size_t i = 0; i < width; ++i) {
            const auto& f = schema.fields[i];
            if (i >= rec.fields.size() || (!rec.quoted[i] && rec.fields[i] == nullMarker) ||
                (rec.fields[i].empty() && f.type != TypeKind::String && f.type != TypeKind::Bytes)) {
                row[f.name] = nullptr;
                continue;
            }
            std::string v = rec.fields[i];
            if (f.type == TypeKind::Bool) {
                const std::string u = upper(v);
                if (u == "T" || u == "YES" || u == "Y" || u == "1") v = "true";
                else if (u == "F" || u == "NO" || u == "N" || u == "0") v = "false";
            }
            row[f.name] = std::move(v);
        }
        issues.clear();
        Value v = rows.read(row, issues);
        if (!issues.empty()) {
            const auto& i = issues.front();
            const int col = schema.indexOf(i.location.substr(0, i.location.find_first_of(".[")));
            const std::string value = col >= 0 && static_cast<std::size_t>(col) < rec.fields.size() ? rec.fields[col] : std::string();
            if (bad.add(rec.line, "Could not parse '" + value.substr(0, 100) + "' as " +
                                      (col >= 0 ? std::string(standardTypeName(schema.fields[col].type)) : std::string("its type")) +
                                      " for field " + i.location + " (position " + std::to_string(col) + ")" + at +
                                      " with message '" + i.message + "'"))
                bad.giveUp(n);
            continue;
        }
        out.push_back(std::move(v));
    }
    return out;
}

// ---- committing ----

bool allowsFieldAddition(const Json& cfg) {
    for (const auto& o : arrayField(cfg, "schemaUpdateOptions"))
        if (o.is_string() && o.get<std::string>() == "ALLOW_FIELD_ADDITION") return true;
    return false;
}

} // namespace

bool sameShape(const std::vector<Field>& a, const std::vector<Field>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (upper(a[i].name) != upper(b[i].name) || a[i].type != b[i].type || a[i].mode != b[i].mode ||
            !sameShape(a[i].fields, b[i].fields))
            return false;
    return true;
}

LoadResult runLoad(Store& store, const std::string& project, const Json& cfg, const fs::path& file,
                   const std::atomic<bool>& cancel) {
    const std::string format = upper(stringField(cfg, "sourceFormat").empty() ? "CSV" : stringField(cfg, "sourceFormat"));
    if (format != "CSV" && format != "NEWLINE_DELIMITED_JSON")
        throw ApiFailure("notImplemented", "The sandbox loads CSV and NEWLINE_DELIMITED_JSON files; " + format +
                                               " is not supported by the sandbox yet.", "configuration.load.sourceFormat");
    // A partition decorator (t$20240101): the load writes that partition of the table only.
    const Destination dest = resolveDestination(store, project, cfg, "load", "WRITE_APPEND", "load data into");
    const auto& [p, d, t, decorator, name, write, create, table, partition] = dest;

    const bool given = cfg.contains("schema") && !arrayField(objectField(cfg, "schema"), "fields").empty();
    const bool csv = format == "CSV";
    const auto csvOpts = csvOptions(cfg);
    std::int64_t skip = csv ? intOf(cfg, "skipLeadingRows", 0) : 0;
    Schema schema;
    if (given) {
        try {
            schema = Schema::fromJson(cfg["schema"]);
        } catch (const SchemaError& e) {
            throw ApiFailure("invalid", e.what(), "configuration.load.schema");
        }
    } else if (table) {
        std::shared_lock l(table->mutex);
        schema = table->schema;
    } else if (boolField(cfg, "autodetect", false)) {
        if (csv) std::tie(schema, skip) = detectCsvSchema(file, csvOpts, skip, cancel);
        else schema = detectJsonSchema(file, cancel);
    } else {
        throw ApiFailure("invalid", "No schema specified on job or table. Give a schema, or set autodetect (bq load --autodetect).");
    }
    bool addFields = false;
    if (table && given && write != "WRITE_TRUNCATE") {
        std::shared_lock l(table->mutex);
        if (!sameShape(schema.fields, table->schema.fields)) {
            if (!allowsFieldAddition(cfg))
                throw ApiFailure("invalid", "Provided Schema does not match Table " + name +
                                                ". Set schemaUpdateOptions ALLOW_FIELD_ADDITION to add fields "
                                                "(bq load --schema_update_option=ALLOW_FIELD_ADDITION).");
            addFields = true;
        }
    }

    BadRows bad;
    bad.allowed = intOf(cfg, "maxBadRecords", 0);
    bad.format = csv ? "CSV" : "JSON";
    std::vector<Value> rows = csv ? readCsv(file, schema, cfg, csvOpts, skip, bad, cancel)
                                  : readJson(file, schema, boolField(cfg, "ignoreUnknownValues", false), bad, cancel);
    if (cancel) throw sql::PreparedQuery::Cancelled{};

    std::uint64_t outBytes = 0;
    for (const auto& r : rows) outBytes += sql::rowBytes(r, schema.fields);
    const std::size_t outRows = rows.size();
    writeDestination(store, dest, schema, std::move(rows), createProperties(cfg), addFields);
    LoadResult r;
    r.statistics = {{"inputFiles", "1"},
                    {"inputFileBytes", std::to_string(fs::file_size(file))},
                    {"outputRows", std::to_string(outRows)},
                    {"outputBytes", std::to_string(outBytes)},
                    {"badRecords", std::to_string(bad.count)}};
    r.errors = bad.listed;
    return r;
}

} // namespace quarry::sandbox
