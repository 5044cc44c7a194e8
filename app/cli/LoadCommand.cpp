// SPDX-License-Identifier: MIT
#include "LoadCommand.h"
#include "platform/System.h"

#include "upload/Loader.h"

#include <cstdio>
#include <iostream>

namespace quarry::cli {

CLI::App* addLoadCommand(CLI::App& app, LoadArgs& a) {
    auto* load = app.add_subcommand("load", "load a local CSV or JSON file (.gz too) with a load job: free, resumable");
    load->add_option("FILE", a.file, "the file: CSV (.csv, .tsv), NDJSON or one JSON array")->required()->check(CLI::ExistingFile);
    load->add_option("TABLE", a.table, "DATASET.TABLE or PROJECT.DATASET.TABLE")->required();
    load->add_option("SCHEMA", a.schema, "schema: a JSON file, or name:TYPE,name:TYPE (as bq takes it)");
    load->add_option("--schema", a.schema, "the same as SCHEMA");
    load->add_option("--source-format,--source_format", a.sourceFormat, "CSV or NEWLINE_DELIMITED_JSON (default: from the file name)")
        ->transform(CLI::IsMember({"CSV", "NEWLINE_DELIMITED_JSON", "csv", "ndjson", "json"}));
    load->add_option("--input-format", a.inputFormat, "JSON files: auto, ndjson or json (one array, sent as NDJSON)")
        ->check(CLI::IsMember({"auto", "ndjson", "json"}));
    load->add_flag("--autodetect", a.autodetect, "infer the schema (CSV: header and types; JSON: every record)");
    load->add_flag("--replace", a.replace, "replace the table's rows (WRITE_TRUNCATE); default: append");
    load->add_flag("--if-empty", a.writeEmpty, "load only into an empty table (WRITE_EMPTY)");
    load->add_flag("--create-never", a.createNever, "fail if the table does not exist (CREATE_NEVER)");
    load->add_option("--skip-leading-rows,--skip_leading_rows", a.skipLeadingRows, "CSV: rows to skip at the top (a header)");
    load->add_option("-F,--field-delimiter,--field_delimiter", a.delimiter, "CSV: the field delimiter (default ,; tab or \\t)");
    load->add_option("--quote", a.quote, "CSV: the quote character (default \"; empty for none)")
        ->each([&a](const std::string&) { a.quoteGiven = true; });
    load->add_option("-E,--encoding", a.encoding, "CSV: UTF-8 (default) or ISO-8859-1");
    load->add_option("--null-marker,--null_marker", a.nullMarker, "CSV: the text that means NULL (default: empty)");
    load->add_flag("--allow-jagged-rows,--allow_jagged_rows", a.allowJagged, "CSV: missing trailing columns are NULL");
    load->add_flag("--allow-quoted-newlines,--allow_quoted_newlines", a.allowQuotedNewlines, "CSV: quoted fields may hold line breaks");
    load->add_option("--max-bad-records,--max_bad_records", a.maxBadRecords, "bad rows to skip (listed) before the load fails")
        ->check(CLI::NonNegativeNumber);
    load->add_flag("--ignore-unknown-values,--ignore_unknown_values", a.ignoreUnknown, "drop values the table has no column for");
    load->add_option("--schema-update-option,--schema_update_option", a.schemaUpdate,
                     "ALLOW_FIELD_ADDITION (or ALLOW_FIELD_RELAXATION); may be repeated");
    load->add_option("--time-partitioning-field,--time_partitioning_field", a.partitionField, "a new table: partition by this column");
    load->add_option("--time-partitioning-type,--time_partitioning_type", a.partitionType, "DAY (default), HOUR, MONTH or YEAR");
    load->add_option("--clustering-fields,--clustering_fields", a.clusteringFields, "a new table: cluster by these columns (a,b)");
    load->add_option("--chunk-mb", a.chunkMb, "MB per upload request")->check(CLI::Range(1, 1024));
    load->add_flag("--again", a.again, "load a file that was loaded into this table before, once more");
    load->add_flag("--restart", a.restart, "drop an unfinished upload of this file and start over");
    load->add_flag("--no-progress", a.noProgress, "no progress line on stderr");
    return load;
}

namespace {

upload::LoadOptions optionsFor(const LoadArgs& a, const std::string& project) {
    upload::LoadOptions o;
    o.file = a.file;
    o.table = TableRef::parse(a.table, project);
    if (a.sourceFormat == "csv" || a.sourceFormat == "CSV") o.sourceFormat = "CSV";
    else if (!a.sourceFormat.empty()) o.sourceFormat = "NEWLINE_DELIMITED_JSON";
    o.jsonLayout = a.inputFormat == "ndjson" ? upload::InputFormat::Ndjson
                   : a.inputFormat == "json" ? upload::InputFormat::JsonArray
                                             : upload::InputFormat::Auto;
    if (!a.schema.empty()) o.schema = readSchemaArgument(a.schema);
    o.autodetect = a.autodetect;
    if (a.replace && a.writeEmpty) throw UsageError("--replace and --if-empty cannot both be given");
    if (a.replace) o.writeDisposition = "WRITE_TRUNCATE";
    if (a.writeEmpty) o.writeDisposition = "WRITE_EMPTY";
    if (a.createNever) o.createDisposition = "CREATE_NEVER";
    o.schemaUpdateOptions = a.schemaUpdate;
    if (a.skipLeadingRows >= 0) o.csv["skipLeadingRows"] = a.skipLeadingRows;
    if (!a.delimiter.empty()) o.csv["fieldDelimiter"] = a.delimiter == "tab" || a.delimiter == "\\t" ? "\t" : a.delimiter;
    if (a.quoteGiven) o.csv["quote"] = a.quote;
    if (!a.encoding.empty()) o.csv["encoding"] = a.encoding;
    if (!a.nullMarker.empty()) o.csv["nullMarker"] = a.nullMarker;
    if (a.allowJagged) o.csv["allowJaggedRows"] = true;
    if (a.allowQuotedNewlines) o.csv["allowQuotedNewlines"] = true;
    if (a.maxBadRecords >= 0) o.maxBadRecords = a.maxBadRecords;
    o.ignoreUnknown = a.ignoreUnknown;
    o.timePartitioning = timePartitioningOf(a.partitionField, a.partitionType);
    o.clustering = clusteringOf(a.clusteringFields);
    o.chunkBytes = static_cast<std::size_t>(a.chunkMb) << 20;
    o.again = a.again;
    o.restart = a.restart;
    return o;
}

} // namespace

int cmdLoad(const Globals& g, Format f, const LoadArgs& a) {
    auto client = makeClient(g);
    upload::Loader loader(client, optionsFor(a, requireProject(client)));
    const bool tty = !a.noProgress && platform::isTerminal(2);
    bool drew = false;
    if (tty)
        loader.onProgress = [&](const upload::LoadProgress& p) {
            const std::string of = p.totalBytes ? " of " + humanBytes(*p.totalBytes) : std::string();
            std::fprintf(stderr, "\r%-10s %s%s  %.0f s   ", p.phase, humanBytes(p.bytesSent).c_str(), of.c_str(), p.seconds);
            std::fflush(stderr);
            drew = true;
        };
    loader.onNote = [&](const std::string& n) {
        if (drew) std::cerr << '\n';
        drew = false;
        std::cerr << "note: " << n << '\n';
    };
    CancelToken cancel;
    upload::LoadSummary s;
    try {
        InterruptWatch watch(cancel);
        s = loader.run(&cancel);
    } catch (const upload::LoadError& e) {
        if (drew) std::cerr << '\n';
        std::cerr << "quarry-cli: load: " << e.what() << '\n';
        for (const auto& d : e.details()) std::cerr << "  " << d << '\n';
        if (e.loadedBefore()) std::cerr << "quarry-cli: load: add --again to load it once more\n";
        return cancel.isCancelled() ? 130 : 1;
    } catch (const upload::InputError& e) {
        if (drew) std::cerr << '\n';
        std::cerr << "quarry-cli: load: " << e.what() << '\n';
        return 1;
    }
    if (drew) std::cerr << '\n';
    const Json stats = s.job["statistics"].value("load", Json::object());
    const std::string jobId = s.job["jobReference"].value("jobId", std::string());
    if (f == Format::Json || f == Format::NdJson) {
        Json j = {{"file", a.file}, {"table", a.table}, {"jobId", jobId}, {"statistics", stats},
                  {"bytesSent", s.bytesSent}, {"resumedAt", s.resumedAt}, {"seconds", s.seconds},
                  {"errors", s.job["status"].value("errors", Json::array())}};
        std::cout << j.dump(f == Format::Json ? 2 : -1) << '\n';
        return 0;
    }
    std::cout << "Loaded " << a.file << " into " << a.table << " (job " << jobId << ")\n";
    std::cout << "  rows loaded     " << stats.value("outputRows", std::string("0")) << '\n';
    std::cout << "  bad rows        " << stats.value("badRecords", std::string("0")) << '\n';
    for (const auto& e : s.job["status"].value("errors", Json::array())) std::cout << "    " << e.value("message", std::string()) << '\n';
    std::cout << "  sent            " << humanBytes(s.bytesSent);
    if (s.resumedAt) std::cout << " (continuing at " << humanBytes(s.resumedAt) << ")";
    std::cout << '\n';
    char t[64];
    std::snprintf(t, sizeof t, "%.1f s", s.seconds);
    std::cout << "  time            " << t << '\n';
    return 0;
}

} // namespace quarry::cli
