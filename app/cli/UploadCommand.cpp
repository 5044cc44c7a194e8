// SPDX-License-Identifier: MIT
#include "UploadCommand.h"
#include "platform/System.h"

#include "net/CancelToken.h"
#include "upload/Uploader.h"
#ifdef QUARRY_HAS_STORAGE_CLIENT
#include "storageapi/WriteSender.h"
#endif

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace quarry::cli {
namespace {

std::string thousands(std::uint64_t n) {
    const std::string digits = std::to_string(n);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

upload::InputFormat inputFormat(const std::string& s) {
    if (s == "ndjson") return upload::InputFormat::Ndjson;
    if (s == "json") return upload::InputFormat::JsonArray;
    return upload::InputFormat::Auto;
}

/// One line on stderr, redrawn: rows, bytes, rate and ETA.
void drawProgress(const upload::UploadProgress& p) {
    const double frac = p.fileBytes ? static_cast<double>(p.fileBytesRead) / static_cast<double>(p.fileBytes) : 0;
    const int width = 24;
    const int filled = static_cast<int>(frac * width);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(width, '.');
    const double rate = p.seconds > 0 ? static_cast<double>(p.rowsRead) / p.seconds : 0;
    std::string eta = "";
    if (frac > 0.01 && frac < 1 && p.seconds > 0.5) eta = " ETA " + std::to_string(static_cast<int>(p.seconds * (1 - frac) / frac)) + "s";
    std::fprintf(stderr, "\r%-15s [%s] %3d%%  %s rows  %s inserted  %s rejected  %s/s%s   ", p.phase, bar.c_str(),
                 static_cast<int>(frac * 100), thousands(p.rowsRead).c_str(), thousands(p.rowsInserted).c_str(),
                 thousands(p.rowsRejected).c_str(), thousands(static_cast<std::uint64_t>(rate)).c_str(), eta.c_str());
    std::fflush(stderr);
}

int printSchema(const UploadArgs& a) {
    CancelToken cancel;
    InterruptWatch watch(cancel);
    const auto r = upload::Uploader::inferSchema(a.file, inputFormat(a.inputFormat), &cancel);
    for (const auto& n : r.notes) std::cerr << "note: " << n << '\n';
    for (const auto& c : r.conflicts) std::cerr << "conflict: " << c.message << '\n';
    if (r.unreadable) std::cerr << "note: " << r.unreadable << " records are not valid JSON and were skipped\n";
    std::cout << r.schema.toJson()["fields"].dump(2) << '\n';
    return r.conflicts.empty() ? 0 : 1;
}

/// Which API the rows go through, and what each would cost (the Storage Write API is half
/// insertAll's price per byte).
void chooseApi(BigQueryClient& client, const UploadArgs& a, upload::UploadOptions& o) {
    StorageApiEndpoint at;
    if (a.api != "insertall") at = client.storageApi(o.table.projectId);
#ifndef QUARRY_HAS_STORAGE_CLIENT
    at = {};
#endif
    if (at.empty()) {
        if (a.api == "write")
            throw std::runtime_error("upload: Quarry does not know where this endpoint's Storage Write API is: name it with "
                                     "--storage-endpoint HOST:PORT, or run with --api insertall");
        return;
    }
#ifdef QUARRY_HAS_STORAGE_CLIENT
    o.makeSink = storageapi::WriteSender::factory(storageapi::StorageEndpoint::of(at, client), o.table, a.api == "write");
    o.sinkBatchRows = a.batchRows ? a.batchRows : 50000;
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(a.file, ec);
    if (!ec && bytes > 0) {
        const double gib = static_cast<double>(bytes) / (1024.0 * 1024 * 1024);
        char line[200];
        std::snprintf(line, sizeof line, "%.1f MiB: about $%.6f through the Storage Write API ($0.025/GiB, the first 2 TiB a month free) "
                                         "against $%.6f through insertAll ($0.05/GiB) on BigQuery", gib * 1024, gib * 0.025, gib * 0.05);
        std::cerr << "note: sending through the Storage Write API (" << at.display() << "); " << line << '\n';
    } else {
        std::cerr << "note: sending through the Storage Write API (" << at.display() << ")\n";
    }
#endif
}

} // namespace

int cmdUpload(const Globals& g, Format f, const UploadArgs& a) {
    if (a.printSchema) return printSchema(a);
    auto client = makeClient(g);
    upload::UploadOptions o;
    o.file = a.file;
    o.table = TableRef::parse(a.table, requireProject(client));
    o.format = inputFormat(a.inputFormat);
    o.create = a.create;
    o.autodetect = a.autodetect;
    if (!a.schemaFile.empty()) o.schema = readSchemaArgument(a.schemaFile);
    o.skipInvalid = a.skipInvalid;
    o.ignoreUnknown = a.ignoreUnknown;
    o.rejectsFile = a.rejects;
    o.batchRows = a.batchRows ? a.batchRows : 500;
    o.batchBytes = a.batchBytes;
    o.concurrency = a.concurrency;
    o.resume = a.resume;
    o.again = a.again;
    if (a.inFlight == "resend") o.inFlight = upload::UploadOptions::InFlight::Resend;
    if (a.inFlight == "skip") o.inFlight = upload::UploadOptions::InFlight::Skip;

    if (a.create) {
        // --create makes the table; the dataset it goes in only when asked.
        try {
            client.getDataset(o.table.projectId, o.table.datasetId);
        } catch (const ApiError& e) {
            if (e.httpStatus() != 404) throw;
            const std::string ds = o.table.projectId + ":" + o.table.datasetId;
            if (!a.createDataset)
                throw std::runtime_error("upload: the dataset " + ds + " does not exist. Add --create-dataset to make it too, "
                                         "or make it first (quarry-cli mk " + ds + " --location ...).");
            client.insertDataset(o.table.projectId, {{"datasetReference", {{"datasetId", o.table.datasetId}}}});
            std::cerr << "note: made the dataset " << ds << '\n';
        }
    }
    chooseApi(client, a, o);
    upload::Uploader up(client, o);
    const bool tty = !a.noProgress && platform::isTerminal(2);
    bool drew = false;
    if (tty)
        up.onProgress = [&](const upload::UploadProgress& p) {
            drawProgress(p);
            drew = true;
        };
    up.onNote = [&](const std::string& n) {
        if (drew) std::cerr << '\n';
        drew = false;
        std::cerr << "note: " << n << '\n';
    };
    CancelToken cancel;
    upload::UploadSummary s;
    try {
        InterruptWatch watch(cancel);
        s = up.run(&cancel);
    } catch (const upload::UploadError& e) {
        if (drew) std::cerr << '\n';
        std::cerr << "quarry-cli: upload: " << e.what() << '\n';
        return cancel.isCancelled() ? 130 : 1;
    } catch (const upload::InputError& e) {
        if (drew) std::cerr << '\n';
        std::cerr << "quarry-cli: upload: " << e.what() << '\n';
        return 1;
    }
    if (drew) std::cerr << '\n';
    const double rate = s.seconds > 0 ? static_cast<double>(s.rowsRead) / s.seconds : 0;
    if (f == Format::Json || f == Format::NdJson) {
        Json j = {{"file", a.file}, {"table", o.table.display()}, {"rowsRead", s.rowsRead}, {"inserted", s.inserted},
                  {"rejected", s.rejected}, {"retried", s.retried}, {"requests", s.requests}, {"bytesSent", s.bytesSent},
                  {"seconds", s.seconds}, {"rowsPerSecond", rate}, {"cancelled", s.cancelled}, {"resumed", s.resumed},
                  {"earlierInserted", s.earlierInserted}, {"earlierRejected", s.earlierRejected},
                  {"createdTable", s.createdTable}, {"rejectsFile", s.rejectsFile},
                  {"api", s.throughSink ? "write" : "insertall"}};
        std::cout << j.dump(f == Format::Json ? 2 : -1) << '\n';
    } else {
        std::cout << (s.cancelled ? "Stopped" : "Uploaded") << " " << a.file << " into " << o.table.display() << '\n';
        if (s.resumed)
            std::cout << "  earlier runs    " << thousands(s.earlierInserted) << " inserted, "
                      << thousands(s.earlierRejected) << " rejected\n";
        std::cout << "  rows read       " << thousands(s.rowsRead) << '\n';
        std::cout << "  inserted        " << thousands(s.inserted) << '\n';
        std::cout << "  rejected        " << thousands(s.rejected);
        if (!s.rejectsFile.empty()) std::cout << "  (each with its line in " << s.rejectsFile << ")";
        std::cout << '\n';
        std::cout << "  retried         " << thousands(s.retried) << " rows\n";
        std::cout << "  requests        " << thousands(s.requests) << " (" << humanBytes(s.bytesSent) << ")"
                  << (s.throughSink ? " through the Storage Write API" : " through insertAll") << '\n';
        char t[96];
        std::snprintf(t, sizeof t, "%.1f s (%s rows/s)", s.seconds, thousands(static_cast<std::uint64_t>(rate)).c_str());
        std::cout << "  time            " << t << '\n';
        if (s.cancelled) std::cout << "Continue with the same command and --resume; no row is sent twice.\n";
    }
    return s.cancelled ? 130 : 0;
}

} // namespace quarry::cli
