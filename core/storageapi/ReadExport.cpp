// SPDX-License-Identifier: MIT
#include "storageapi/ReadExport.h"

#include "storageapi/ReadSource.h"

#include <memory>

namespace quarry::storageapi {

ExportProgress exportJob(BigQueryClient& client, const JobRef& job, const std::filesystem::path& dest, const ExportOptions& options,
                         ExportApi api, const std::function<void(const std::string&)>& note) {
    if (api == ExportApi::Rest) return exportResult(client, job, dest, options);
    // The result's schema and size, without rows.
    QueryResultsOptions head;
    head.maxResults = 0;
    const RowPage first = client.getQueryResults(job, head, options.cancel);
    const std::int64_t total = first.totalRows.value_or(0);
    std::string why;
    std::optional<TableRef> table;
    StorageApiEndpoint at;
    if (api == ExportApi::Auto && total < kReadApiMinRows) {
        why = "a small result";
    } else if (at = client.storageApi(job.projectId, options.cancel); at.empty()) {
        why = "Quarry does not know where this endpoint's Storage Read API is (name it with --storage-endpoint)";
    } else {
        const Json j = client.getJob(job, options.cancel);
        const Json d = j.value("configuration", Json::object()).value("query", Json::object()).value("destinationTable", Json());
        if (d.is_object()) table = TableRef{d.value("projectId", ""), d.value("datasetId", ""), d.value("tableId", "")};
        else why = "the job names no result table";
    }
    if (!table) {
        if (api == ExportApi::Read) throw std::runtime_error("the Storage Read API cannot export this result: " + why);
        return exportResult(client, job, dest, options);
    }
    // The reading threads format the rows too, so that decoding and formatting run beside
    // each other; this thread only writes.
    const auto formatter = std::make_shared<RowFormatter>(options.format, first.schema);
    ReadSource::Options ro;
    ro.endpoint = StorageEndpoint::of(at, client);
    ro.table = *table;
    ro.schema = first.schema;
    ro.bufferBytes = 2u << 20; // per stream: the writer is the slower side, and an app keeps its memory
    ro.format = [formatter](std::span<const Value> rows, std::string& out) { formatter->append(out, rows, 1); };
    std::unique_ptr<ReadSource> opened;
    try {
        opened = std::make_unique<ReadSource>(std::move(ro));
    } catch (const ReadApiError& e) {
        // Chosen by default and nothing read yet: getQueryResults pages carry the rows instead
        // (an account without the Read API's permission, a network that blocks gRPC).
        if (api == ExportApi::Read) throw;
        if (note) note(std::string(e.what()) + ": reading the result through getQueryResults instead");
        return exportResult(client, job, dest, options);
    }
    ReadSource& source = *opened;
    if (note)
        note("reading the result through the Storage Read API (" + at.display() + ", " + std::to_string(source.streamCount()) +
             (source.streamCount() == 1 ? " stream)" : " streams)"));
    return exportFormatted(
        first.schema, [&] { return source.nextText(options.cancel); }, [&] { return std::optional<std::int64_t>(source.totalRows()); },
        dest, options);
}

} // namespace quarry::storageapi
