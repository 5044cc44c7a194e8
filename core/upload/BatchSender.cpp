// SPDX-License-Identifier: MIT
#include "upload/BatchSender.h"

#include "bigquery/ApiError.h"
#include "crypto/Digest.h"
#include "value/Text.h"


namespace quarry::upload {
namespace {

/// Rows in the request this thread is sending, so a retry can be counted in rows.
thread_local std::size_t tlRowsInFlight = 0;

bool tooLarge(const ApiError& e) {
    return e.httpStatus() == 413 ||
           (e.httpStatus() == 400 && e.message().find("payload size exceeds") != std::string::npos);
}

} // namespace

BatchBuilder::BatchBuilder(std::string inputId, int generation, bool ignoreUnknown, std::size_t maxRows,
                           std::size_t maxBytes)
    : inputId_(std::move(inputId)), generation_(generation), maxRows_(maxRows), maxBytes_(maxBytes) {
    prefix_ = std::string("{\"skipInvalidRows\":false,\"ignoreUnknownValues\":") + (ignoreUnknown ? "true" : "false") +
              ",\"rows\":[";
}

bool BatchBuilder::full(const Batch& b, std::string_view text) const {
    return b.rows.size() >= maxRows_ || (!b.rows.empty() && b.body.size() + rowCost(text) + 2 > maxBytes_);
}

void BatchBuilder::start(Batch& b, std::uint64_t firstOrdinal) const {
    b = Batch();
    b.range = {firstOrdinal, firstOrdinal};
    b.body = prefix_;
}

std::string BatchBuilder::insertId(std::uint64_t ordinal, std::string_view text) const {
    // q<input id, 32 hex>g<generation>r<ordinal>h<16 hex of the record's SHA-256>: at most 82
    // characters (BigQuery allows 128).
    return "q" + inputId_ + "g" + std::to_string(generation_) + "r" + std::to_string(ordinal) + "h" +
           crypto::sha256Hex(text, 16);
}

void BatchBuilder::add(Batch& b, std::uint64_t ordinal, std::uint64_t line, std::uint64_t column,
                       std::string_view text) const {
    Batch::Row r{ordinal, line, column, b.body.size(), 0, 0, 0};
    if (textsOnly_) {
        r.textBegin = b.body.size();
        b.body += text;
        r.textEnd = r.rowEnd = b.body.size();
        b.rows.push_back(r);
        b.range.end = ordinal + 1;
        return;
    }
    if (!b.rows.empty()) {
        b.body += ',';
        ++r.rowBegin;
    }
    b.body += "{\"insertId\":\"";
    b.body += insertId(ordinal, text);
    b.body += "\",\"json\":";
    r.textBegin = b.body.size();
    b.body += text;
    r.textEnd = b.body.size();
    b.body += '}';
    r.rowEnd = b.body.size();
    b.rows.push_back(r);
    b.range.end = ordinal + 1;
}

std::string BatchBuilder::bodyFor(const Batch& b, const std::vector<std::size_t>& rows) const {
    std::string out = prefix_;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (i) out += ',';
        const auto& r = b.rows[rows[i]];
        out.append(b.body, r.rowBegin, r.rowEnd - r.rowBegin);
    }
    out += "]}";
    return out;
}

BatchSender::BatchSender(BigQueryClient& client, TableRef table, const BatchBuilder& builder, Journal& journal,
                         RejectsFile& rejects, SendCounters& counters, int threads, std::size_t queueDepth)
    : client_(client), table_(std::move(table)), builder_(builder), journal_(journal), rejectsFile_(rejects),
      counters_(counters), depth_(queueDepth) {
    observer_.onRetry = [this](int, const std::string&, std::chrono::milliseconds) {
        counters_.retried += tlRowsInFlight;
    };
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

BatchSender::~BatchSender() { abort(); }

bool BatchSender::push(Batch b) {
    std::unique_lock lk(mutex_);
    cv_.wait(lk, [&] { return queue_.size() < depth_ || failed_ || closing_; });
    if (failed_ || closing_) return false;
    queue_.push_back(std::move(b));
    cv_.notify_all();
    return true;
}

bool BatchSender::idle() const {
    std::lock_guard g(mutex_);
    return queue_.empty() && busy_ == 0;
}

void BatchSender::finish() {
    {
        std::lock_guard g(mutex_);
        closing_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
}

void BatchSender::abort() {
    {
        std::lock_guard g(mutex_);
        closing_ = true;
        queue_.clear();
    }
    stop_.cancel();
    cv_.notify_all();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
}

std::exception_ptr BatchSender::error() const {
    std::lock_guard g(mutex_);
    return error_;
}

void BatchSender::work() {
    for (;;) {
        Batch b;
        {
            std::unique_lock lk(mutex_);
            cv_.wait(lk, [&] { return !queue_.empty() || closing_ || failed_; });
            if (queue_.empty() || failed_) return;
            b = std::move(queue_.front());
            queue_.pop_front();
            ++busy_;
        }
        cv_.notify_all();
        try {
            send(b);
        } catch (...) {
            std::lock_guard g(mutex_);
            if (!error_ && !stop_.isCancelled()) error_ = std::current_exception();
            failed_ = true;
        }
        {
            std::lock_guard g(mutex_);
            --busy_;
        }
        cv_.notify_all();
        if (failed_) {
            stop_.cancel(); // the other threads' requests in flight
            return;
        }
    }
}

void BatchSender::send(Batch& b) {
    std::vector<Reject> rejects = std::move(b.rejects);
    std::uint64_t inserted = 0;
    if (!b.rows.empty()) {
        journal_.sending(b.range);
        std::vector<std::size_t> all(b.rows.size());
        for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
        sendRows(b, std::move(all), rejects, inserted);
    }
    // Rejects first, then the acknowledgement: a crash in between repeats the batch on resume,
    // and the rejects file drops entries of unacknowledged batches then.
    rejectsFile_.write(rejects);
    journal_.ack(b.range, inserted, rejects.size());
    counters_.inserted += inserted;
    counters_.rejected += rejects.size();
}

void BatchSender::sendRows(Batch& b, std::vector<std::size_t> rows, std::vector<Reject>& rejects,
                           std::uint64_t& inserted) {
    auto reject = [&](std::size_t i, std::string why) {
        const auto& r = b.rows[i];
        rejects.push_back({r.ordinal, r.line, r.column, std::move(why),
                           b.body.substr(r.textBegin, r.textEnd - r.textBegin)});
    };
    int transientRounds = 0;
    bool whole = rows.size() == b.rows.size();
    while (!rows.empty()) {
        const std::string body = whole ? std::string() : builder_.bodyFor(b, rows);
        const std::string& sent = whole ? b.body : body;
        InsertAllResult result;
        tlRowsInFlight = rows.size();
        ++counters_.requests;
        counters_.bytesSent += sent.size();
        try {
            result = client_.insertAll(table_, sent, &stop_, &observer_);
        } catch (const ApiError& e) {
            if (!tooLarge(e)) throw;
            if (rows.size() == 1) {
                reject(rows[0], "the row is too large for one insertAll request (" + std::to_string(sent.size()) +
                                    " bytes; the server answered HTTP " + std::to_string(e.httpStatus()) + ")");
                return;
            }
            const auto mid = rows.begin() + static_cast<std::ptrdiff_t>(rows.size() / 2);
            counters_.retried += rows.size();
            sendRows(b, std::vector<std::size_t>(rows.begin(), mid), rejects, inserted);
            sendRows(b, std::vector<std::size_t>(mid, rows.end()), rejects, inserted);
            return;
        }
        whole = false;
        std::vector<bool> listed(rows.size(), false);
        std::vector<std::size_t> again;
        bool transient = false;
        for (const auto& e : result.rowErrors) {
            if (e.index < 0 || static_cast<std::size_t>(e.index) >= rows.size() || listed[e.index]) continue;
            listed[e.index] = true;
            // invalid: the row itself is wrong; stopped: held back by another row; anything
            // else (backendError, timeout...) is transient. The latter two are sent again.
            std::string why;
            bool invalid = false;
            for (const auto& p : e.errors) {
                if (p.reason == "stopped") continue;
                if (p.reason == "invalid") invalid = true;
                else transient = true;
                if (!why.empty()) why += "; ";
                why += p.message.empty() ? p.reason : p.message;
            }
            if (invalid) reject(rows[e.index], "rejected by the server: " + why);
            else again.push_back(rows[e.index]);
        }
        for (std::size_t i = 0; i < rows.size(); ++i)
            if (!listed[i]) ++inserted;
        if (!again.empty()) counters_.retried += again.size();
        if (transient && ++transientRounds > 8)
            throw ApiError(503, "backendError", "insertAll kept failing rows with transient errors");
        if (transient && !stop_.waitFor(std::chrono::milliseconds(200 * transientRounds)))
            throw TransportError(TransportError::Kind::Cancelled, "cancelled"); // not acknowledged: resent on resume
        rows = std::move(again);
    }
}

} // namespace quarry::upload
