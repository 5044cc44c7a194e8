// SPDX-License-Identifier: MIT
#include "storageapi/ReadSessions.h"

#include "sandbox/Jobs.h"
#include "sandbox/Statements.h"
#include "sandbox/Store.h"
#include "sandbox/sql/SqlError.h"
#include "crypto/Keys.h"
#include "value/Text.h"

#include <algorithm>
#include <cmath>

namespace quarry::storageapi {

namespace {

constexpr std::int64_t kSessionLifeMs = 6 * 3600 * 1000;
/// Rows per stream the sandbox aims for when it chooses the count.
constexpr std::size_t kRowsPerStream = 100000;
/// BigQuery's cap on a session's streams.
constexpr int kMaxStreams = 1000;

std::vector<std::string> pathParts(const std::string& s) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        const auto slash = s.find('/', start);
        parts.push_back(s.substr(start, slash - start));
        if (slash == std::string::npos) return parts;
        start = slash + 1;
    }
}

std::string quoted(const std::string& id) {
    std::string out = "`";
    for (char c : id) {
        if (c == '`' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    return out + "`";
}

/// A session's or stream's id: 32 random hex digits.
std::string randomId() { return text::hexEncode(crypto::randomBytes(16)); }

/// A row restriction's error with its position counted from the restriction's own start (it
/// is the second line of the query that runs it).
std::string restrictionError(const sandbox::sql::SqlError& e) {
    std::string what = e.what();
    if (const auto at = what.rfind(" at ["); at != std::string::npos) what.erase(at);
    const auto p = e.pos();
    if (p.line >= 2) what += " at [" + std::to_string(p.line - 1) + ":" + std::to_string(p.col) + "]";
    return "Invalid row_restriction: " + what;
}

} // namespace

ReadSessions::ReadSessions(sandbox::Store& store, sandbox::JobManager* jobs, std::size_t maxSessions, std::uint64_t maxBytes)
    : store_(store), jobs_(jobs), maxSessions_(maxSessions), maxBytes_(maxBytes) {}

std::shared_ptr<const ReadSessions::Session> ReadSessions::create(const Request& r) {
    const auto parts = pathParts(r.table);
    if (parts.size() != 6 || parts[0] != "projects" || parts[2] != "datasets" || parts[4] != "tables" || parts[1].empty() ||
        parts[3].empty() || parts[5].empty())
        throw WriteError{Code::InvalidArgument, "read_session.table must be projects/{project}/datasets/{dataset}/tables/{table}, not " + r.table};
    const auto& project = parts[1];
    const auto& dataset = parts[3];
    const auto& id = parts[5];
    if (id.find_first_of("$@") != std::string::npos)
        throw WriteError{Code::Unimplemented, std::string("Table decorators ($partition, @time) are not supported by the sandbox's Read "
                                                          "API yet: use row_restriction or table_modifiers.snapshot_time.")};
    std::string location = "US";
    std::optional<sandbox::JobManager::AnonymousTable> anonymous;
    std::shared_ptr<sandbox::Table> result; // an anonymous table's rows, for a query to read
    try {
        if (jobs_) anonymous = jobs_->anonymousTable(project, dataset, id);
        if (!anonymous) {
            const auto t = store_.table(project, dataset, id);
            if (t->isView())
                throw WriteError{Code::InvalidArgument, "Table " + project + ":" + dataset + "." + id + " is a view; the Read API reads tables only."};
            location = store_.datasetLocation(project, dataset);
        }
    } catch (const sandbox::ApiFailure&) {
        throw WriteError{Code::NotFound, "Not found: Table " + project + ":" + dataset + "." + id};
    }
    const std::int64_t now = sandbox::Store::nowMs();
    auto s = std::make_shared<Session>();
    auto select = [&](const Schema& schema, std::shared_ptr<const std::vector<Value>> rows) {
        if (r.selectedFields.empty()) {
            s->schema = schema;
            s->rows = std::move(rows);
            return;
        }
        s->schema = projectSchema(schema, r.selectedFields);
        auto cut = std::make_shared<std::vector<Value>>();
        cut->reserve(rows->size());
        for (const auto& row : *rows) cut->push_back(projectRow(row, schema, s->schema));
        s->rows = std::move(cut);
    };
    try {
        if (anonymous && r.rowRestriction.empty()) { // the job's rows themselves, not a copy
            select(anonymous->schema, anonymous->rows);
        } else {
            std::string sql = "SELECT * FROM " + quoted(project) + "." + quoted(dataset) + "." + quoted(id);
            if (r.snapshotMs && !anonymous) sql += " FOR SYSTEM_TIME AS OF TIMESTAMP_MILLIS(" + std::to_string(*r.snapshotMs) + ")";
            if (!r.rowRestriction.empty()) sql += " WHERE (\n" + r.rowRestriction + "\n)";
            sandbox::StatementScope scope;
            scope.project = project;
            scope.location = location;
            scope.defaultProject = project;
            scope.defaultDataset = dataset;
            sandbox::StatementRunner runner(store_, scope);
            auto ctx = runner.queryContext();
            if (anonymous) {
                result = std::make_shared<sandbox::Table>();
                result->project = project;
                result->dataset = dataset;
                result->id = id;
                result->schema = anonymous->schema;
                result->rows = *anonymous->rows;
                ctx.resolveTable = [result](const std::vector<std::string>&, sandbox::sql::Pos) { return result; };
            }
            auto q = sandbox::sql::PreparedQuery::prepare(sql, std::move(ctx));
            auto out = q->run();
            s->bytesScanned = out.bytesProcessed;
            select(out.schema, std::make_shared<const std::vector<Value>>(std::move(out.rows)));
            // Its own rows: 16 bytes a value, a leaf at a time (text and arrays beyond that not counted).
            s->heldBytes = s->rows->size() * std::max<std::size_t>(1, s->schema.leafCount()) * sizeof(Value);
        }
    } catch (const WriteError&) {
        throw;
    } catch (const sandbox::sql::SqlError& e) {
        if (r.rowRestriction.empty() || e.pos().line < 2) throw WriteError{Code::InvalidArgument, e.what()};
        throw WriteError{Code::InvalidArgument, restrictionError(e)};
    } catch (const sandbox::ApiFailure& e) {
        throw WriteError{e.reason() == "notFound" ? Code::NotFound : Code::InvalidArgument, e.what()};
    } catch (const SchemaError& e) {
        throw WriteError{Code::InvalidArgument, std::string("selected_fields: ") + e.what()};
    } catch (const std::exception& e) {
        throw WriteError{Code::InvalidArgument, e.what()};
    }

    s->name = "projects/" + project + "/locations/" + location + "/sessions/" + randomId();
    s->table = r.table;
    s->avro = r.avro;
    s->zstd = r.zstd && !r.avro;
    s->createMs = now;
    s->expireMs = now + kSessionLifeMs;
    s->snapshotMs = r.snapshotMs.value_or(now);
    const std::size_t n = s->rows->size();
    if (n > 0) {
        std::size_t count = (n + kRowsPerStream - 1) / kRowsPerStream;
        count = std::max<std::size_t>(count, static_cast<std::size_t>(std::max(r.preferredMinStreams, 1)));
        count = std::min<std::size_t>(count, static_cast<std::size_t>(r.maxStreams > 0 ? std::min(r.maxStreams, kMaxStreams) : kMaxStreams));
        count = std::min(count, n);
        for (std::size_t i = 0; i < count; ++i)
            s->streams.push_back({s->name + "/streams/" + randomId(), n * i / count, n * (i + 1) / count});
    }

    std::lock_guard lock(mutex_);
    expire(now);
    while (!sessions_.empty() && (sessions_.size() >= maxSessions_ || heldBytes_ + s->heldBytes > maxBytes_)) { // the oldest go
        auto oldest = std::min_element(sessions_.begin(), sessions_.end(),
                                       [](const auto& a, const auto& b) { return a.second->order < b.second->order; });
        drop(oldest->second);
    }
    s->order = next_++;
    sessions_[s->name] = s;
    heldBytes_ += s->heldBytes;
    for (const auto& st : s->streams) streams_[st.name] = {s, st};
    return s;
}

void ReadSessions::drop(std::shared_ptr<Session> s) {
    std::erase_if(streams_, [&](const auto& st) { return st.second.first == s; });
    heldBytes_ -= s->heldBytes;
    sessions_.erase(s->name);
}

void ReadSessions::expire(std::int64_t now) {
    std::vector<std::shared_ptr<Session>> old;
    for (const auto& [name, s] : sessions_)
        if (s->expireMs <= now) old.push_back(s);
    for (const auto& s : old) drop(s);
}

std::pair<std::shared_ptr<const ReadSessions::Session>, ReadSessions::Stream> ReadSessions::stream(const std::string& name) {
    std::lock_guard lock(mutex_);
    const auto it = streams_.find(name);
    if (it == streams_.end())
        throw WriteError{Code::NotFound, "Not found: read stream " + name +
                                             " (the sandbox keeps read sessions in memory: they end when it restarts, after 6 hours, or "
                                             "when newer sessions need the room)"};
    if (it->second.first->expireMs <= sandbox::Store::nowMs())
        throw WriteError{Code::FailedPrecondition, "The read session of stream " + name + " has expired."};
    return {it->second.first, it->second.second};
}

std::optional<std::pair<ReadSessions::Stream, ReadSessions::Stream>> ReadSessions::split(const std::string& name, double fraction) {
    if (!(fraction >= 0 && fraction < 1)) throw WriteError{Code::InvalidArgument, "fraction must be in [0, 1)"};
    auto [session, st] = stream(name);
    const std::size_t n = st.end - st.begin;
    if (n < 2) return std::nullopt;
    const double f = fraction == 0 ? 0.5 : fraction;
    const std::size_t cut = std::clamp<std::size_t>(static_cast<std::size_t>(std::llround(static_cast<double>(n) * f)), 1, n - 1);
    Stream primary{session->name + "/streams/" + randomId(), st.begin, st.begin + cut};
    Stream remainder{session->name + "/streams/" + randomId(), st.begin + cut, st.end};
    std::lock_guard lock(mutex_);
    auto owner = sessions_.find(session->name);
    if (owner == sessions_.end()) throw WriteError{Code::NotFound, "Not found: read stream " + name};
    streams_[primary.name] = {owner->second, primary};
    streams_[remainder.name] = {owner->second, remainder};
    return std::make_pair(primary, remainder);
}

} // namespace quarry::storageapi
