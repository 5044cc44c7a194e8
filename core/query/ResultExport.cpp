// SPDX-License-Identifier: MIT
#include "query/ResultExport.h"

#include "net/HttpClient.h"
#include "query/ResultPager.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>

namespace quarry {
namespace {

std::filesystem::path temporaryBeside(const std::filesystem::path& dest) {
    std::random_device rd;
    const auto tag = std::to_string(rd() % 1000000);
    return dest.parent_path() / ("." + dest.filename().string() + "." + tag + ".part");
}

/// Removes the temporary file unless the export got as far as renaming it.
struct PartFile {
    std::filesystem::path path;
    bool keep = false;
    ~PartFile() {
        if (keep) return;
        std::error_code ec;
        std::filesystem::remove(path, ec);
    }
};

[[noreturn]] void diskError(const std::filesystem::path& p, const char* what, int err) {
    throw std::runtime_error("cannot " + std::string(what) + " " + p.string() + ": " +
                             (err ? std::strerror(err) : "write failed") +
                             " (is the disk full or the folder read-only? choose another place)");
}

/// One step of an export: writes the next rows through the writer (made on the first step,
/// on `out`); false when there were none left.
using ExportStep = std::function<bool(std::optional<RowWriter>& writer, std::ostream& out)>;

/// Writes what `step` gives (until it gives nothing) to `dest` through a temporary file.
ExportProgress exportSteps(const ExportStep& step, const std::function<std::optional<std::int64_t>()>& total,
                           const std::filesystem::path& dest, const ExportOptions& options) {
    auto cancelled = [&] { return options.cancel && options.cancel->isCancelled(); };
    if (cancelled()) throw TransportError(TransportError::Kind::Cancelled, "export cancelled");
    PartFile part{temporaryBeside(dest)};
    std::vector<char> buffer(1u << 20);
    std::ofstream out;
    out.rdbuf()->pubsetbuf(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    out.open(part.path, std::ios::binary | std::ios::trunc);
    if (!out) diskError(dest, "create", errno);
    // Query results can be private: a new export is the owner's alone; a replaced file keeps
    // the permissions it had.
    {
        namespace fs = std::filesystem;
        std::error_code ec;
        const auto existing = fs::status(dest, ec);
        fs::permissions(part.path,
                        !ec && fs::is_regular_file(existing) ? existing.permissions() : fs::perms::owner_read | fs::perms::owner_write,
                        ec);
    }

    std::optional<RowWriter> writer;
    ExportProgress p;
    while (step(writer, out)) {
        if (!out) diskError(dest, "write", errno);
        p.rows = writer->rowsWritten();
        p.totalRows = total();
        p.bytes = static_cast<std::uint64_t>(out.tellp());
        if (options.progress) options.progress(p);
        if (cancelled()) throw TransportError(TransportError::Kind::Cancelled, "export cancelled");
    }
    if (!writer) writer.emplace(out, options.format, Schema{}); // a job with no result pages
    writer->finish();
    out.close();
    if (!out) diskError(dest, "write", errno);
    p.bytes = std::filesystem::file_size(part.path);
    std::error_code ec;
    std::filesystem::rename(part.path, dest, ec);
    if (ec) throw std::runtime_error("cannot replace " + dest.string() + ": " + ec.message());
    part.keep = true;
    return p;
}

ExportProgress exportPages(const std::function<std::optional<RowPage>()>& next, const std::function<std::optional<std::int64_t>()>& total,
                           const std::filesystem::path& dest, const ExportOptions& options) {
    return exportSteps(
        [&](std::optional<RowWriter>& writer, std::ostream& out) {
            auto page = next();
            if (!page) return false;
            if (!writer) writer.emplace(out, options.format, page->schema);
            writer->write(page->rows);
            return true;
        },
        total, dest, options);
}

} // namespace

ExportProgress exportFormatted(const Schema& schema, const std::function<std::optional<std::pair<std::string, std::uint64_t>>()>& next,
                               const std::function<std::optional<std::int64_t>()>& total, const std::filesystem::path& dest,
                               const ExportOptions& options) {
    return exportSteps(
        [&](std::optional<RowWriter>& writer, std::ostream& out) {
            if (!writer) writer.emplace(out, options.format, schema); // the header even for no rows
            auto text = next();
            if (!text) return false;
            writer->writeFormatted(text->first, text->second);
            return true;
        },
        total, dest, options);
}

ExportProgress exportResult(BigQueryClient& client, const JobRef& job, const std::filesystem::path& dest,
                            const ExportOptions& options) {
    ResultPager pager(client, job, options.targetPageBytes);
    return exportPages([&] { return pager.next(options.cancel); }, [&] { return pager.totalRows(); }, dest, options);
}

ExportProgress exportFrom(const std::function<std::optional<RowPage>()>& next, const std::function<std::optional<std::int64_t>()>& total,
                          const std::filesystem::path& dest, const ExportOptions& options) {
    return exportPages(next, total, dest, options);
}

ExportProgress exportRows(const RowPage& rows, const std::filesystem::path& dest, const ExportOptions& options) {
    bool given = false;
    return exportPages(
        [&]() -> std::optional<RowPage> {
            if (given) return std::nullopt;
            given = true;
            return rows;
        },
        [&] { return std::optional<std::int64_t>(static_cast<std::int64_t>(rows.rows.size())); }, dest, options);
}

} // namespace quarry
