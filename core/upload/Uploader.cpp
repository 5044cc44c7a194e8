// SPDX-License-Identifier: MIT
#include "upload/Uploader.h"

#include "bigquery/ApiError.h"
#include "net/CancelToken.h"
#include "upload/BatchSender.h"
#include "upload/FileCheck.h"
#include "crypto/Digest.h"
#include "crypto/Keys.h"
#include "upload/Input.h"
#include "upload/Journal.h"
#include "upload/RejectsFile.h"
#include "upload/RowChecker.h"
#include "value/Text.h"

#include <cctype>
#include <chrono>
#include <simdjson.h>
#include <filesystem>
#include <optional>
#include <strings.h>

namespace quarry::upload {
namespace {

using Clock = std::chrono::steady_clock;

/// How long BigQuery is sure to remember an insertId ("at least one minute", best effort).
constexpr std::chrono::seconds kDedupWindow{60};

std::string plural(std::uint64_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

/// Calls the progress callback at most five times a second.
class Ticker {
public:
    Ticker(const std::function<void(const UploadProgress&)>& cb, Clock::time_point t0) : cb_(cb), t0_(t0) {}
    bool due() {
        if (!cb_ || ++n_ % 256 != 0) return false;
        const auto now = Clock::now();
        if (now - last_ < std::chrono::milliseconds(200)) return false;
        last_ = now;
        return true;
    }
    /// For callers that already call rarely: only the time counts.
    bool dueNow() {
        const auto now = Clock::now();
        if (!cb_ || now - last_ < std::chrono::milliseconds(200)) return false;
        last_ = now;
        return true;
    }
    void emit(UploadProgress p) {
        if (!cb_) return;
        p.seconds = std::chrono::duration<double>(Clock::now() - t0_).count();
        cb_(p);
    }

private:
    const std::function<void(const UploadProgress&)>& cb_;
    Clock::time_point t0_, last_{};
    std::uint64_t n_ = 0;
};

} // namespace

Uploader::Uploader(BigQueryClient& client, UploadOptions options) : client_(client), o_(std::move(options)) {}

Uploader::Inferred Uploader::inferSchema(const std::string& file, InputFormat format, const CancelToken* cancel,
                                         const std::function<void(const UploadProgress&)>& progress) {
    Inferred out;
    SchemaInference inf;
    RecordReader reader(file, {format});
    RowChecker parser(Schema(), true);
    Ticker tick(progress, Clock::now());
    Record r;
    simdjson::dom::element doc;
    Rejection why;
    while (reader.next(r)) {
        if (cancel && cancel->isCancelled()) throw UploadError("cancelled");
        if (parser.parse(r, doc, why)) inf.add(doc, r.line);
        else ++out.unreadable;
        ++out.records;
        if (tick.due()) tick.emit({"reading schema", out.records, 0, out.unreadable, 0, reader.fileBytesRead(), reader.fileSize()});
    }
    out.schema = inf.schema();
    out.conflicts = inf.conflicts();
    out.notes = inf.notes();
    return out;
}

struct Uploader::Run {
    Uploader& u;
    const UploadOptions& o;
    const CancelToken* cancel;
    UploadSummary s;
    Clock::time_point t0 = Clock::now();
    bool needsTable = false;
    std::string readPath; ///< o.file, or its temporary copy (a pipe read twice)

    void note(const std::string& n) {
        s.notes.push_back(n);
        if (u.onNote) u.onNote(n);
    }

    void checkOptions() {
        if (o.batchRows < 1 || o.batchRows > 50000)
            throw UploadError("--batch-rows must be from 1 to 50000 (BigQuery's limit per request)");
        if (o.batchBytes < 1024 || o.batchBytes > 10'000'000)
            throw UploadError("--batch-bytes must be from 1024 to 10000000 (BigQuery's limit per request is 10 MB)");
        if (o.concurrency < 1 || o.concurrency > 64) throw UploadError("--concurrency must be from 1 to 64");
    }

    Uploader::Inferred infer() {
        auto r = Uploader::inferSchema(readPath, o.format, cancel, u.onProgress);
        for (const auto& n : r.notes) note("schema: " + n);
        return r;
    }

    Schema resolveSchema() {
        std::optional<Json> table;
        try {
            table = u.client_.getTable(o.table, cancel);
        } catch (const ApiError& e) {
            if (e.httpStatus() != 404) throw UploadError("cannot read table " + o.table.display() + ": " + e.what());
        }
        if (table) {
            Schema schema = Schema::fromJson(table->value("schema", Json::object()));
            if (o.schema) note("the table exists: its own schema is used, not the --schema file");
            if (o.autodetect) {
                const auto inf = infer();
                for (const auto& f : inf.schema.fields) {
                    const bool known = std::any_of(schema.fields.begin(), schema.fields.end(), [&](const Field& t) {
                        return strcasecmp(t.name.c_str(), f.name.c_str()) == 0;
                    });
                    if (!known)
                        note("field '" + f.name + "' is in the file but not in the table: " +
                             (o.ignoreUnknown ? "dropped (--ignore-unknown)" : "rows with it are rejected (pass --ignore-unknown to drop it)"));
                }
            }
            return schema;
        }
        if (!o.create)
            throw UploadError("table " + o.table.display() +
                              " does not exist. Pass --create (with --autodetect or --schema FILE) to create it.");
        Schema schema;
        if (o.schema) {
            schema = *o.schema;
            checkNoReservedNames(schema.fields);
        } else if (!o.autodetect) {
            throw UploadError("table " + o.table.display() +
                              " does not exist, and --create needs its schema: pass --autodetect (inferred from the "
                              "whole file) or --schema FILE.");
        } else {
            const auto inf = infer();
            if (!inf.conflicts.empty()) {
                std::string m = "the file's fields do not fit one schema:";
                for (std::size_t i = 0; i < inf.conflicts.size() && i < 10; ++i) m += "\n  " + inf.conflicts[i].message;
                if (inf.conflicts.size() > 10) m += "\n  ... and " + std::to_string(inf.conflicts.size() - 10) + " more";
                throw UploadError(m + "\nFix the file, or write a schema file (start from --print-schema) and pass --schema.");
            }
            if (inf.schema.fields.empty())
                throw UploadError(o.file + " has no readable JSON object to infer a schema from");
            schema = inf.schema;
        }
        needsTable = true;
        return schema;
    }

    /// Creates the table once the rows are known to fit (nothing is created for a file that
    /// cannot be uploaded). Another client creating it first is fine: its schema is used.
    Schema createTable(Schema schema) {
        Json body = {{"tableReference", {{"projectId", o.table.projectId}, {"datasetId", o.table.datasetId},
                                         {"tableId", o.table.tableId}}},
                     {"schema", schema.toJson()}};
        try {
            u.client_.insertTable(o.table.projectId, o.table.datasetId, body, cancel);
            s.createdTable = true;
            note("created table " + o.table.display());
        } catch (const ApiError& e) {
            if (e.httpStatus() != 409) throw UploadError("cannot create table " + o.table.display() + ": " + e.what());
            schema = Schema::fromJson(u.client_.getTable(o.table, cancel).value("schema", Json::object()));
        }
        return schema;
    }

    /// Batches sent but never acknowledged by the run that stopped: re-sent with the same
    /// insertIds while BigQuery still remembers them, else only as the user chooses.
    void settleInFlight(Journal& journal) {
        const auto flying = journal.inFlight();
        if (flying.empty()) return;
        std::uint64_t rows = 0;
        std::string where;
        for (const auto& r : flying) {
            rows += r.end - r.first;
            if (where.size() < 200)
                where += (where.empty() ? "" : ", ") + std::string("#") + std::to_string(r.first + 1) + "-" + std::to_string(r.end);
        }
        const auto age = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - journal.lastWritten());
        const std::string what = plural(rows, "row", "rows") + " (records " + where + ") were being sent when the upload stopped " +
                                 std::to_string(age.count() / 60) + " min " + std::to_string(age.count() % 60) + " s ago";
        if (age <= kDedupWindow) {
            note(what + "; they are sent again with the same insertIds, which BigQuery still de-duplicates");
            return;
        }
        switch (o.inFlight) {
        case UploadOptions::InFlight::Ask:
            throw UploadError(what + ", longer than BigQuery de-duplicates insertIds (about a minute): whether they "
                              "reached the table cannot be known from here. Check the table for them, then run again with "
                              "--in-flight resend (those that landed will be there twice) or --in-flight skip (those that "
                              "did not will be missing).");
        case UploadOptions::InFlight::Resend:
            note(what + "; sent again as asked (--in-flight resend): any that had landed are now there twice");
            return;
        case UploadOptions::InFlight::Skip:
            for (const auto& r : flying) journal.ack(r, r.end - r.first, 0);
            s.earlierInserted += rows;
            note(what + "; counted as inserted as asked (--in-flight skip), not sent again");
            return;
        }
    }

    /// Strict mode: every row is checked before anything is sent. Returns the fingerprint of
    /// the file as the check read it (empty for a pipe's copy), and with `identify` its identity.
    FileIdentity checkAll(const Schema& schema, std::size_t limit, RejectsFile& rejects, bool hash, bool identify) {
        Ticker tick(u.onProgress, t0);
        Rejection first;
        RecordReader::Options ro{o.format, o.maxRecordBytes};
        ro.hashContent = hash;
        ro.identifyContent = identify;
        const auto r = checkFile(readPath, ro, schema, o.ignoreUnknown, limit, cancel,
                                 [&](const std::vector<Reject>& bad) {
                                     if (first.message.empty() && !bad.empty())
                                         first = {bad[0].line, bad[0].column, bad[0].error};
                                     rejects.write(bad);
                                 },
                                 [&](const CheckProgress& p) {
                                     if (tick.dueNow())
                                         tick.emit({"checking rows", p.records, 0, p.rejected, 0, p.fileBytesRead, p.fileBytes});
                                 });
        if (r.cancelled) throw UploadError("cancelled before anything was sent");
        if (r.rejected) {
            rejects.commit();
            throw UploadError(plural(r.rejected, "row", "rows") + " of " + std::to_string(r.records) + " in " + o.file +
                              " cannot be uploaded (first: " + o.file + ":" + std::to_string(first.line) + ":" +
                              std::to_string(first.column) + ": " + first.message + "). Nothing was sent. Every one is listed with its line in " +
                              rejects.path() + ". Fix them, or pass --skip-invalid to upload the valid rows.");
        }
        return {r.contentIdentity, r.contentHash};
    }
};

UploadSummary Uploader::run(const CancelToken* cancel) {
    Run run{*this, o_, cancel, {}, Clock::now(), false, {}};
    run.checkOptions();
    UploadSummary& s = run.s;
    const std::string table = o_.table.display();

    // What is read: a regular file is hashed, checked, sent and resumable; a pipe is read once
    // (or copied aside first when it must be read twice).
    const InputKind input = inspectInput(o_.file);
    if (!input.regular && o_.resume)
        throw UploadError("--resume needs a file that can be read again, and " + o_.file + " is " + input.what +
                          ". Save the input to a file and upload that to be able to resume.");
    std::optional<Spool> spool;
    run.readPath = o_.file;
    if (!input.regular && (!o_.skipInvalid || o_.autodetect)) {
        if (onProgress) onProgress({"reading input", 0, 0, 0, 0, 0, 0, 0});
        spool.emplace(o_.file, cancel);
        if (spool->cancelled()) throw UploadError("cancelled before anything was sent");
        run.readPath = spool->path();
    }
    s.rejectsFile = o_.rejectsFile.empty() ? defaultRejectsPath(o_.file, input) : o_.rejectsFile;
    std::optional<RejectsFile> rejectsHolder;
    try {
        rejectsHolder.emplace(s.rejectsFile, input); // refuses unsafe paths before anything is sent
    } catch (const JournalError& e) {
        throw UploadError(e.what());
    }
    RejectsFile& rejects = *rejectsHolder;

    // Identity and journal. A pipe gets a random identity: nothing of it can be resumed, and
    // no other upload may share its insertIds. A new upload checked first, into a table no
    // journal of this server names (the usual case), learns the identity from the check's own
    // read of the file: one read of it fewer.
    const std::string dir = o_.journalDir.empty() ? Journal::defaultDir() : o_.journalDir;
    const std::string server = serverKey(client_, o_.table.projectId, cancel);
    const std::string journalTail = "-" + server + "-" + o_.table.projectId + "." + o_.table.datasetId + "." + o_.table.tableId + ".journal";
    const bool identifyWhileChecking = input.regular && !o_.resume && !o_.skipInvalid && !Journal::anyEndingWith(dir, journalTail);
    std::string fileId, fingerprint;
    try {
        if (!input.regular) {
            fileId = text::hexEncode(crypto::randomBytes(16));
        } else if (!identifyWhileChecking) { // (else it is learnt after the check, below)
            auto ident = identifyFile(o_.file);
            fileId = std::move(ident.id);
            fingerprint = std::move(ident.fingerprint);
        }
    } catch (const JournalError& e) {
        throw UploadError(e.what());
    }
    std::optional<Journal> journal;
    int generation = 0;
    if (input.regular && !identifyWhileChecking) {
        s.journalFile = dir + "/" + fileId + journalTail;
        try {
            if (std::filesystem::exists(s.journalFile)) {
                Journal prev = Journal::load(s.journalFile);
                const std::string counts = plural(prev.insertedRows(), "row", "rows") + " inserted, " +
                                           std::to_string(prev.rejectedRows()) + " rejected";
                if (!prev.done() && !o_.resume && !o_.resumeIfInterrupted)
                    throw UploadError("an interrupted upload of " + o_.file + " into " + table + " exists (" + counts +
                                      " so far). Run again with --resume to finish it (no row is sent twice), or delete " +
                                      s.journalFile + " to start over.");
                if (prev.done() && o_.resume) {
                    s.resumed = true;
                    s.earlierInserted = prev.insertedRows();
                    s.earlierRejected = prev.rejectedRows();
                    run.note("this upload had already finished (" + counts + "); nothing left to send");
                    if (!RejectsFile::isRejectsFile(s.rejectsFile) || !std::filesystem::exists(s.rejectsFile))
                        s.rejectsFile.clear();
                    return s;
                }
                if (prev.done() && !o_.again)
                    throw UploadError(o_.file + " was already uploaded into " + table + " (" + counts +
                                      "). Pass --again to insert its rows a second time.");
                if (prev.done()) generation = prev.header().generation + 1;
                else journal.emplace(std::move(prev));
            } else if (o_.resume) {
                throw UploadError("no interrupted upload of " + o_.file + " into " + table +
                                  " was found (was the file changed since?). Run without --resume to start one.");
            }
        } catch (const JournalError& e) {
            throw UploadError(e.what());
        }
    }

    // The longest row text a request can carry (the builder's own limit; it is made below, once
    // the identity its insertIds come from is known).
    const std::size_t maxRowText = BatchBuilder({}, 0, o_.ignoreUnknown, o_.batchRows, o_.batchBytes).maxRowText();
    std::optional<BatchBuilder> builderHolder;
    bool prechecked = false;
    try {
        s.schema = run.resolveSchema();
        auto ensureTable = [&] {
            if (run.needsTable) s.schema = run.createTable(s.schema);
        };
        if (journal) {
            ensureTable(); // (a resumed upload whose table was dropped meanwhile)
            s.resumed = true;
            s.earlierInserted = journal->insertedRows();
            s.earlierRejected = journal->rejectedRows();
            rejects.keepOnly(journal->finished());
            run.note("resuming: " + plural(s.earlierInserted, "row was", "rows were") + " inserted before");
            if (!journal->stream().empty() && !o_.makeSink)
                throw UploadError("this upload was begun through the Storage Write API: resume it the same way (--api write)");
            // Through the Write API every append's offset is journaled: sent again at it, one
            // that was written is refused and counted. Nothing to settle.
            if (journal->stream().empty()) run.settleInFlight(*journal);
        } else {
            rejects.startFresh();
            if (!o_.skipInvalid) {
                const FileIdentity checked = run.checkAll(s.schema, maxRowText, rejects, input.regular, identifyWhileChecking);
                if (identifyWhileChecking) {
                    fileId = checked.id;
                    fingerprint = checked.fingerprint;
                    s.journalFile = dir + "/" + fileId + journalTail;
                    if (std::filesystem::exists(s.journalFile))
                        throw UploadError("another upload of " + o_.file + " into " + table + " began while this one checked it (" +
                                          s.journalFile + "); let it finish, then run again");
                }
                // Every row was checked and fits: the upload pass need not check them again,
                // unless the file changed in the meantime.
                prechecked = !input.regular || checked.fingerprint == fingerprint;
            }
            ensureTable();
            const Journal::Header header{fileId, o_.file, table, generation};
            journal.emplace(input.regular ? Journal::create(s.journalFile, header) : Journal::inMemory(header));
        }
    } catch (const JournalError& e) {
        throw UploadError(e.what());
    } catch (const SchemaError& e) {
        throw UploadError(std::string("the schema is not valid: ") + e.what());
    }

    // The upload pass.
    RecordReader::Options readOptions{o_.format, o_.maxRecordBytes};
    readOptions.hashContent = input.regular;
    RecordReader reader(run.readPath, readOptions);
    RowChecker checker(s.schema, o_.ignoreUnknown);
    SendCounters counters;
    const auto finished = journal->finished();
    std::size_t fi = 0;
    Ticker tick(onProgress, run.t0);
    auto progress = [&](const char* phase) {
        return UploadProgress{phase, s.rowsRead, counters.inserted.load(), counters.rejected.load(),
                              counters.retried.load(), reader.fileBytesRead(), reader.fileSize(), 0};
    };
    // Batches a Write API run appended at journaled offsets but saw no answer for: made again
    // exactly (same records), to go again at the same offsets.
    std::vector<OrdinalRange> spans;
    for (const auto& r : journal->inFlight())
        if (journal->spanOf(r) && (spans.empty() || spans.back().first != r.first)) spans.push_back(r);
    std::size_t si = 0;
    {
        std::unique_ptr<BatchSink> sink;
        if (o_.makeSink) {
            UploadOptions::SinkParts parts{s.schema, *journal, rejects, counters};
            sink = o_.makeSink(parts); // null: it cannot carry this table's rows
            if (sink) s.throughSink = true;
            else if (!journal->stream().empty())
                throw UploadError("this upload was begun through the Storage Write API, which cannot carry this table's rows now");
            else run.note((parts.whyNot.empty() ? std::string("the Storage Write API cannot carry this table's rows") : parts.whyNot) +
                          ": sent with insertAll");
        }
        // A resumed upload keeps its generation of insertIds; a new one uses `generation`.
        const std::size_t rows = s.throughSink && o_.sinkBatchRows ? o_.sinkBatchRows : o_.batchRows;
        BatchBuilder& builder = builderHolder.emplace(fileId, journal->header().generation, o_.ignoreUnknown, rows, o_.batchBytes);
        if (s.throughSink) builder.textsOnly(); // offsets do what insertIds do
        if (!sink)
            sink = std::make_unique<BatchSender>(client_, o_.table, builder, *journal, rejects, counters, o_.concurrency,
                                                 static_cast<std::size_t>(o_.concurrency));
        BatchSink& sender = *sink;
        Batch cur;
        builder.start(cur, 0);
        auto flush = [&](std::uint64_t nextFirst) {
            if (!cur.empty()) {
                builder.close(cur);
                sender.push(std::move(cur));
            }
            builder.start(cur, nextFirst);
        };
        Record r;
        Rejection why;
        while (!sender.failed() && reader.next(r)) {
            if (cancel && cancel->isCancelled()) {
                s.cancelled = true;
                break;
            }
            while (fi < finished.size() && finished[fi].end <= r.ordinal) ++fi;
            if (fi < finished.size() && r.ordinal >= finished[fi].first) {
                flush(r.ordinal + 1); // finished by an earlier run
                continue;
            }
            ++s.rowsRead;
            while (si < spans.size() && spans[si].end <= r.ordinal) ++si;
            const bool inSpan = si < spans.size() && r.ordinal >= spans[si].first;
            if (inSpan && r.ordinal == spans[si].first) flush(r.ordinal);
            const bool spanEnds = inSpan && r.ordinal + 1 == spans[si].end;
            if (cur.empty()) cur.range = {r.ordinal, r.ordinal};
            if (!prechecked && !checker.accept(r, maxRowText, why)) {
                cur.rejects.push_back({r.ordinal, why.line, why.column, why.message, std::string(r.text)});
                cur.range.end = r.ordinal + 1;
                if (spanEnds) flush(r.ordinal + 1);
                continue;
            }
            if (!inSpan && builder.full(cur, r.text)) flush(r.ordinal);
            builder.add(cur, r.ordinal, r.line, r.column, r.text);
            if (spanEnds) flush(r.ordinal + 1);
            if (tick.due()) tick.emit(progress("uploading"));
        }
        if (!s.cancelled && !sender.failed()) flush(0);
        // Wait for the batches in flight, still reporting progress and watching for a cancel.
        while (!sender.idle() && !sender.failed()) {
            if (cancel && cancel->isCancelled()) {
                s.cancelled = true;
                break;
            }
            tick.emit(progress("uploading"));
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        if (s.cancelled) sender.abort();
        else sender.finish();
        if (auto e = sender.error()) {
            s.inserted = counters.inserted;
            std::string cause;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& x) {
                cause = x.what();
            }
            throw UploadError("the upload stopped: " + cause + ". " + plural(journal->insertedRows(), "row is", "rows are") +
                              " inserted and recorded; run again with --resume to send the rest (nothing is sent twice).");
        }
    }
    s.inserted = counters.inserted;
    s.rejected = counters.rejected;
    s.retried = counters.retried;
    s.requests = counters.requests;
    s.bytesSent = counters.bytesSent;
    s.seconds = std::chrono::duration<double>(Clock::now() - run.t0).count();
    tick.emit(progress(s.cancelled ? "cancelled" : "done"));
    if (!s.cancelled && input.regular && reader.contentHash() != fingerprint)
        throw UploadError(o_.file + " changed while it was being uploaded: the " + plural(s.inserted, "row", "rows") +
                          " inserted are those read from it as it changed, each with its own insertId. Nothing more is "
                          "sent; check the table, and upload files that do not change while they are read.");
    try {
        if (!s.cancelled) {
            journal->markDone();
            rejects.commit();
        }
    } catch (const JournalError& e) {
        throw UploadError(e.what());
    }
    if (!rejects.used()) s.rejectsFile.clear();
    else if (s.cancelled) s.rejectsFile = rejects.partialPath();
    return s;
}

} // namespace quarry::upload
