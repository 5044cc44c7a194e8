// SPDX-License-Identifier: MIT
// The statement runner: table resolution, queries, INSERT, TRUNCATE and the DDL statements.
// UPDATE, DELETE and MERGE are in StatementsDml.cpp.
#include "sandbox/Statements.h"

#include "sandbox/InformationSchema.h"
#include "sandbox/Partitioning.h"
#include "sandbox/Snapshots.h"
#include "sandbox/sql/Functions.h"
#include "sandbox/StatementHelpers.h"
#include "sandbox/Views.h"
#include "sandbox/sql/TimeZone.h"
#include "value/Civil.h"
#include "value/Text.h"

namespace quarry::sandbox {

using namespace dml;
using sql::SqlError;
using sql::SqlType;
using K = sql::Statement::Kind;

StatementRunner::StatementRunner(Store& store, StatementScope scope) : store_(store), scope_(std::move(scope)) {
    if (!scope_.state) scope_.state = std::make_shared<ScriptState>();
    if (scope_.timeZone.empty()) scope_.timeZone = scope_.state->timeZone; // a session's SET @@time_zone
}

StatementRunner::TableRef StatementRunner::tableRef(const std::vector<std::string>& path, sql::Pos pos) const {
    // A temporary table: `t`, or `_SESSION.t` as a session's queries may also write it.
    const bool sessionName = path.size() == 2 && path[0] == "_SESSION";
    if ((path.size() == 1 || sessionName) && scope_.state->tempTables.count(path.back()))
        return {scope_.project, scope_.state->tempDataset, path.back()};
    if (sessionName) throw ApiFailure("notFound", "Not found: Table _SESSION." + path[1] + " (no temporary table of that name in this script or session)");
    if (path.size() == 1) {
        if (scope_.defaultDataset.empty())
            throw SqlError("Table \"" + path[0] + "\" must be qualified with a dataset (e.g. dataset.table)", pos);
        return {scope_.defaultProject.empty() ? scope_.project : scope_.defaultProject, scope_.defaultDataset, path[0]};
    }
    if (path.size() == 2) return {scope_.project, path[0], path[1]};
    if (path.size() == 3) return {path[0], path[1], path[2]};
    throw SqlError("Invalid table name: too many parts", pos);
}

std::shared_ptr<Table> StatementRunner::stored(const TableRef& r) const {
    try {
        return store_.table(r.project, r.dataset, r.table);
    } catch (const ApiFailure& e) {
        throw ApiFailure("notFound", std::string(e.what()) + " was not found in location " + scope_.location);
    }
}

sql::QueryContext StatementRunner::contextWith(const TableRef& target, std::shared_ptr<Table> view) const {
    sql::QueryContext ctx;
    ctx.namedParams = scope_.namedParams;
    ctx.positionalParams = scope_.positionalParams;
    ctx.cancelled = scope_.cancelled;
    ctx.timeZone = scope_.timeZone;
    ctx.variables = scope_.state->variables;
    ctx.variables["@@time_zone"] = {SqlType::scalar(TypeKind::String), Value::string(scope_.timeZone.empty() ? "UTC" : scope_.timeZone)};
    ctx.variables["@@project_id"] = {SqlType::scalar(TypeKind::String), Value::string(scope_.project)};
    ctx.variables["@@location"] = {SqlType::scalar(TypeKind::String), Value::string(scope_.location)};
    ctx.resolveFunction = [this](const std::vector<std::string>& path, sql::Pos pos) { return userFunction(path, pos); };
    ctx.resolveTable = [this, target, view](const std::vector<std::string>& path, sql::Pos pos) -> std::shared_ptr<Table> {
        if (const auto is = informationSchemaRef(path)) {
            if (isJobsView(is->dataset, is->view)) {
                const std::string project = is->project.empty() ? scope_.project : is->project;
                return jobsView(project, is->dataset, is->view, scope_.jobHistory ? scope_.jobHistory(project, is->view == "JOBS_BY_USER") : std::vector<Json>{});
            }
            try {
                return informationSchema(store_, is->project.empty() ? scope_.project : is->project, is->dataset, is->view);
            } catch (const ApiFailure& e) {
                throw ApiFailure("notFound", std::string(e.what()) + " was not found in location " + scope_.location);
            }
        }
        const auto ref = tableRef(path, pos);
        if (view && ref == target) return view;
        try {
            return store_.tableToRead(ref.project, ref.dataset, ref.table); // read in place when large
        } catch (const ApiFailure& e) {
            throw ApiFailure("notFound", std::string(e.what()) + " was not found in location " + scope_.location);
        }
    };
    ctx.resolveTableAsOf = [this](const std::vector<std::string>& path, std::int64_t ms, sql::Pos pos) -> std::shared_ptr<Table> {
        if (informationSchemaRef(path)) throw sql::SqlError("FOR SYSTEM_TIME AS OF cannot read INFORMATION_SCHEMA views", pos);
        const auto ref = tableRef(path, pos);
        try {
            return store_.tableAsOf(ref.project, ref.dataset, ref.table, ms);
        } catch (const ApiFailure& e) {
            if (e.reason() == "notFound") throw ApiFailure("notFound", std::string(e.what()) + " was not found in location " + scope_.location);
            if (e.reason() == "invalidQuery") throw sql::SqlError(e.what(), pos);
            throw;
        }
    };
    return ctx;
}

sql::QueryContext StatementRunner::queryContext() const { return contextWith({}, nullptr); }

StatementRunner::Snapshot StatementRunner::snapshot(const TableRef& r) const {
    Snapshot s;
    s.stored = stored(r);
    if (isView(*s.stored))
        throw ApiFailure("invalidQuery", "Table " + r.project + ":" + r.dataset + "." + r.table + " is a view: DML statements cannot change it");
    s.view = std::make_shared<Table>();
    s.view->project = r.project;
    s.view->dataset = r.dataset;
    s.view->id = r.table;
    std::shared_lock lock(s.stored->mutex);
    s.version = s.stored->version;
    s.view->version = s.version;
    s.view->schema = s.stored->schema;
    Field rowField;
    rowField.name = kRowColumn;
    rowField.type = TypeKind::Int64;
    s.view->schema.fields.push_back(rowField);
    const std::size_t n = s.stored->schema.fields.size();
    // The statement's WHERE prunes and is checked for a partition filter as a query's is; an
    // ingestion-time partition's hidden time follows the row number.
    s.view->partitioning = s.stored->partitioning;
    const bool hidden = s.view->partitioning && s.view->partitioning->ingestion;
    if (hidden) s.view->partitioning->column = static_cast<int>(n + 1);
    s.view->rows.reserve(s.stored->rows.size());
    for (std::size_t i = 0; i < s.stored->rows.size(); ++i) {
        Value v = Value::structOf(n + (hidden ? 2 : 1));
        const Value& r0 = s.stored->rows[i];
        for (std::size_t k = 0; k < n && k < r0.size(); ++k) v[k] = r0[k];
        v[n] = Value::int64(static_cast<std::int64_t>(i));
        if (hidden && n < r0.size()) v[n + 1] = r0[n];
        s.view->rows.push_back(std::move(v));
    }
    return s;
}

StatementResult StatementRunner::run(sql::Statement&& s, bool dryRun) {
    StatementResult r;
    switch (s.kind) {
    case K::Query: {
        auto q = sql::PreparedQuery::prepare(std::move(*s.query), queryContext());
        r.schema = q->schema();
        if (dryRun) {
            r.bytesProcessed = q->estimateBytes();
            break;
        }
        auto result = q->run();
        r.rows = std::move(result.rows);
        r.bytesProcessed = result.bytesProcessed;
        r.plan = std::move(result.plan);
        break;
    }
    case K::Insert: r = insert(s, dryRun); break;
    case K::Update: r = update(s, dryRun); break;
    case K::Delete: r = remove(s, dryRun); break;
    case K::Truncate: r = truncate(s, dryRun); break;
    case K::Merge: r = merge(s, dryRun); break;
    case K::CreateTable: r = createTable(s, dryRun); break;
    case K::DropTable: r = dropTable(s, dryRun); break;
    case K::CreateSchema: r = createSchema(s, dryRun); break;
    case K::DropSchema: r = dropSchema(s, dryRun); break;
    case K::SetSystemVariable: r = setSystemVariable(s); break;
    case K::CreateView: r = createView(s, dryRun); break;
    case K::DropView: r = dropView(s, dryRun); break;
    case K::CreateFunction: r = createFunction(s, dryRun); break;
    case K::DropFunction: r = dropFunction(s, dryRun); break;
    }
    r.statementType = sql::statementType(s);
    if (s.kind == K::Insert || s.kind == K::Update || s.kind == K::Delete || s.kind == K::Merge || s.kind == K::Truncate)
        r.affectedRows = r.inserted + r.updated + r.deleted;
    return r;
}

namespace {

/// The columns an INSERT names (all, in order, when it names none), as indices.
std::vector<int> insertColumns(const sql::Statement& s, const Table& t) {
    std::vector<int> cols;
    if (s.columns.empty()) {
        for (std::size_t i = 0; i < t.schema.fields.size(); ++i) cols.push_back(static_cast<int>(i));
        return cols;
    }
    for (const auto& name : s.columns) {
        int i = columnIndex(t.schema.fields, name);
        if (i < 0 && t.partitioning && t.partitioning->ingestion && text::iequals(name, sql::TableData::kPartitionTime))
            i = t.partitioning->column; // the rows' partition, named as BigQuery allows
        if (i < 0) throw SqlError("Column " + name + " is not present in table " + t.dataset + "." + t.id, s.targetPos);
        if (std::find(cols.begin(), cols.end(), i) != cols.end())
            throw SqlError("INSERT has columns with duplicate name: " + name, s.targetPos);
        cols.push_back(i);
    }
    return cols;
}

void checkAssignable(const SqlType& from, const Field& to, sql::Pos pos, const std::string& what, Literal lit = Literal::None) {
    if (!assignable(from, SqlType::fromField(to), lit))
        throw SqlError(what + " has type " + from.name() + " which cannot be inserted into column " + to.name +
                           ", which has type " + SqlType::fromField(to).name(),
                       pos);
}

/// INSERT ... (_PARTITIONTIME, ...): each row's time must be where a partition starts.
void checkPartitionTimes(const std::vector<Value>& rows, const Table& t, sql::Pos pos) {
    const auto& part = *t.partitioning;
    const std::size_t at = static_cast<std::size_t>(part.column);
    for (const auto& row : rows) {
        const Value& v = row[at];
        if (v.isNull()) throw SqlError("_PARTITIONTIME cannot be NULL: name the partition each row goes to", pos);
        if (partitionTimeAt(part, civil::floorDiv(v.asInt64(), 1000)).asInt64() != v.asInt64())
            throw SqlError("_PARTITIONTIME " + civil::formatTimestampDisplay(v.asInt64()) + " is not the start of a partition of " +
                               t.dataset + "." + t.id + " (partitioned by " + t.meta["timePartitioning"].value("type", std::string("DAY")) +
                               " of ingestion time)",
                           pos);
    }
}

} // namespace

StatementResult StatementRunner::insert(sql::Statement& s, bool dryRun) {
    StatementResult r;
    const auto t = stored(tableRef(s.target, s.targetPos));
    const auto cols = insertColumns(s, *t);
    const Schema stored = t->storedSchema();
    const auto& fields = stored.fields;
    // Rows that name no partition time get the statement's (Store::appendValues).
    const std::size_t width = t->schema.fields.size() + (std::find(cols.begin(), cols.end(), static_cast<int>(t->schema.fields.size())) != cols.end());
    std::vector<Value> rows;
    auto place = [&](Value& row, int col, const Value& v) { row[static_cast<std::size_t>(col)] = fit(v, SqlType::fromField(fields[static_cast<std::size_t>(col)])); };
    if (s.query) {
        auto q = sql::PreparedQuery::prepare(std::move(*s.query), queryContext());
        const auto& types = q->columnTypes();
        if (types.size() != cols.size())
            throw SqlError("Inserted row has wrong column count; Has " + std::to_string(types.size()) + ", expected " +
                               std::to_string(cols.size()),
                           s.pos);
        for (std::size_t c = 0; c < cols.size(); ++c)
            checkAssignable(types[c], fields[static_cast<std::size_t>(cols[c])], s.pos, "Query column " + std::to_string(c + 1));
        auto result = runQuery(*q, dryRun, r);
        if (!result) return r;
        for (const auto& in : result->rows) {
            Value row = Value::structOf(width);
            for (std::size_t c = 0; c < cols.size(); ++c) place(row, cols[c], in[c]);
            rows.push_back(std::move(row));
        }
    } else {
        for (auto& values : s.values) {
            if (values.size() != cols.size())
                throw SqlError("Inserted row has wrong column count; Has " + std::to_string(values.size()) + ", expected " +
                                   std::to_string(cols.size()),
                               s.pos);
            sql::Select one;
            one.pos = s.pos;
            std::vector<int> where; // which column each select item fills
            std::vector<sql::Pos> positions;
            std::vector<Literal> literals;
            for (std::size_t c = 0; c < values.size(); ++c) {
                if (!values[c]) continue;
                positions.push_back(values[c]->pos);
                literals.push_back(literalKind(*values[c]));
                one.items.push_back(item(std::move(values[c]), "c" + std::to_string(c)));
                where.push_back(cols[c]);
            }
            Value row = Value::structOf(width);
            if (!one.items.empty()) {
                auto q = sql::PreparedQuery::prepare(std::move(one), queryContext());
                for (std::size_t k = 0; k < where.size(); ++k)
                    checkAssignable(q->columnTypes()[k], fields[static_cast<std::size_t>(where[k])], positions[k], "Value", literals[k]);
                if (dryRun) continue;
                auto result = q->run();
                for (std::size_t k = 0; k < where.size(); ++k) place(row, where[k], result.rows.at(0)[k]);
            }
            rows.push_back(std::move(row));
        }
        if (dryRun) return r;
    }
    for (const auto& row : rows) checkRequired(row, t->schema.fields);
    if (width > t->schema.fields.size()) checkPartitionTimes(rows, *t, s.pos);
    r.inserted = static_cast<std::int64_t>(rows.size());
    store_.appendValues(*t, std::move(rows));
    return r;
}

StatementResult StatementRunner::truncate(sql::Statement& s, bool dryRun) {
    StatementResult r;
    const auto t = stored(tableRef(s.target, s.targetPos));
    if (dryRun) return r;
    std::uint64_t version = 0;
    {
        std::shared_lock lock(t->mutex);
        version = t->version;
        r.deleted = static_cast<std::int64_t>(t->rows.size());
    }
    store_.replaceRows(*t, version, {});
    return r;
}

namespace {

Json tableJson(const StatementRunner::TableRef& r) {
    return {{"projectId", r.project}, {"datasetId", r.dataset}, {"tableId", r.table}};
}

/// BigQuery refuses columns named like its system columns (_PARTITIONTIME, _TABLE_SUFFIX, ...).
void checkReservedNames(const std::vector<Field>& fields, sql::Pos pos) {
    for (const auto& f : fields) {
        if (auto e = reservedFieldNameError(f.name)) throw SqlError(*e, pos);
        checkReservedNames(f.fields, pos);
    }
}

} // namespace

std::optional<bool> StatementRunner::createTarget(const sql::Statement& s, const TableRef& ref, StatementResult& r) const {
    r.ddlTargetTable = tableJson(ref);
    bool exists = true;
    try {
        store_.table(ref.project, ref.dataset, ref.table);
    } catch (const ApiFailure&) {
        exists = false;
    }
    if (exists && s.ifNotExists) {
        r.ddlOperation = "SKIP";
        return std::nullopt;
    }
    if (exists && !s.orReplace)
        throw ApiFailure("duplicate", "Already Exists: Table " + ref.project + ":" + ref.dataset + "." + ref.table);
    store_.getDataset(ref.project, ref.dataset); // notFound before any work
    return exists;
}

void StatementRunner::dropTemporaryTables() {
    auto& st = *scope_.state;
    if (st.tempDataset.empty()) return;
    try {
        store_.deleteDataset(scope_.project, st.tempDataset, true);
    } catch (const ApiFailure&) { // already gone
    }
    st.tempDataset.clear();
    st.tempTables.clear();
}

/// CREATE TEMP TABLE t: a table of the script's own hidden dataset, named without one.
void StatementRunner::declareTemporaryTable(const sql::Statement& s) {
    auto& st = *scope_.state;
    if (!st.inScript)
        throw SqlError("CREATE TEMP TABLE needs a script (several statements) or a session", s.pos);
    if (s.target.size() != 1 && !(s.target.size() == 2 && s.target[0] == "_SESSION"))
        throw SqlError("A temporary table's name must not be qualified: write just " + s.target.back() + " (or _SESSION." +
                           s.target.back() + ")",
                       s.targetPos);
    if (st.tempDataset.empty()) {
        static std::atomic<unsigned> counter{0};
        st.tempDataset = "_script_" + std::to_string(Store::nowMs()) + "_" + std::to_string(++counter);
        Json body = {{"datasetReference", {{"projectId", scope_.project}, {"datasetId", st.tempDataset}}}};
        if (!scope_.location.empty()) body["location"] = scope_.location;
        store_.insertDataset(scope_.project, body);
    }
    st.tempTables.insert(s.target.back());
}

namespace {

/// BigQuery's rule for what PARTITION BY may say, by the type of the column it names.
/// Whether PARTITION BY names ingestion time: _PARTITIONDATE, DATE(_PARTITIONTIME) or
/// TIMESTAMP_TRUNC(_PARTITIONTIME, unit).
bool ingestionPartitioned(const sql::Statement& s) {
    const std::string& f = s.partitionField;
    const std::string& fn = s.partitionFn;
    return (text::iequals(f, "_PARTITIONDATE") && fn.empty()) ||
           (text::iequals(f, sql::TableData::kPartitionTime) && (fn == "DATE" || fn == "TIMESTAMP_TRUNC"));
}

void checkPartitionBy(const sql::Statement& s, const Schema& schema) {
    if (s.partitionField.empty()) return;
    if (ingestionPartitioned(s)) {
        if (s.query)
            throw SqlError("PARTITION BY " + s.partitionField + " (ingestion time) cannot be used with AS query_statement: create "
                           "the table with a column list, then INSERT the query's rows",
                           s.pos);
        return;
    }
    const int c = schema.indexOf(s.partitionField);
    const TypeKind t = c < 0 ? TypeKind::String : schema.fields[static_cast<std::size_t>(c)].type;
    const std::string& fn = s.partitionFn;
    const bool ok = c >= 0 && ((fn.empty() && t == TypeKind::Date) ||
                               (fn == "DATE" && (t == TypeKind::Timestamp || t == TypeKind::DateTime)) ||
                               (fn == "DATE_TRUNC" && t == TypeKind::Date && (s.partitionUnit == "MONTH" || s.partitionUnit == "YEAR")) ||
                               (fn == "DATETIME_TRUNC" && t == TypeKind::DateTime) || (fn == "TIMESTAMP_TRUNC" && t == TypeKind::Timestamp) ||
                               (fn == "RANGE_BUCKET" && t == TypeKind::Int64));
    if (!ok)
        throw SqlError("PARTITION BY expression must be _PARTITIONDATE, DATE(_PARTITIONTIME), DATE(<timestamp_column>), "
                       "DATE(<datetime_column>), DATETIME_TRUNC(<datetime_column>, DAY/HOUR/MONTH/YEAR), a DATE-type column, "
                       "TIMESTAMP_TRUNC(<timestamp_column>, DAY/HOUR/MONTH/YEAR), DATE_TRUNC(<date_column>, MONTH/YEAR), or "
                       "RANGE_BUCKET(<int64_column>, GENERATE_ARRAY(<int64_value>, <int64_value>[, <int64_value>]))",
                       s.pos);
}

/// The Table resource fields CREATE TABLE's PARTITION BY, CLUSTER BY and OPTIONS give.
Json tableProperties(const sql::Statement& s) {
    Json out = Json::object();
    if (s.partitionFn == "RANGE_BUCKET")
        out["rangePartitioning"] = {{"field", s.partitionField},
                                    {"range", {{"start", std::to_string(s.rangeStart)}, {"end", std::to_string(s.rangeEnd)},
                                               {"interval", std::to_string(s.rangeInterval)}}}};
    else if (ingestionPartitioned(s)) out["timePartitioning"] = {{"type", s.partitionUnit}};
    else if (!s.partitionField.empty()) out["timePartitioning"] = {{"type", s.partitionUnit}, {"field", s.partitionField}};
    if (!s.clusterBy.empty()) out["clustering"] = {{"fields", s.clusterBy}};
    for (const auto& [name, v] : s.tableOptions) {
        if (v.isNull()) continue;
        if (name == "description") out["description"] = std::string(v.asText());
        else if (name == "friendly_name") out["friendlyName"] = std::string(v.asText());
        else if (name == "require_partition_filter") out["requirePartitionFilter"] = v.asBool();
        else if (name == "partition_expiration_days" && out.contains("timePartitioning"))
            out["timePartitioning"]["expirationMs"] = std::to_string(static_cast<std::int64_t>(
                (v.kind() == ValueKind::Int64 ? static_cast<double>(v.asInt64()) : v.asDouble()) * 86400000.0));
    }
    return out;
}

} // namespace

StatementResult StatementRunner::createTable(sql::Statement& s, bool dryRun) {
    StatementResult r;
    if (s.temp) declareTemporaryTable(s);
    const auto ref = tableRef(s.target, s.targetPos);
    const auto target = createTarget(s, ref, r);
    if (!target) return r;
    const bool exists = *target;
    if (s.clone) return cloneTable(s, ref, exists, dryRun, std::move(r));
    Schema schema;
    for (const auto& c : s.schema) {
        if (columnIndex(schema.fields, c.name) >= 0) throw SqlError("Duplicate column name " + c.name + " in CREATE TABLE", c.pos);
        Field f = c.type.toField(c.name);
        if (c.notNull) {
            if (c.type.array) throw SqlError("NOT NULL cannot be applied to ARRAY column " + c.name, c.pos);
            f.mode = Mode::Required;
        }
        schema.fields.push_back(std::move(f));
    }
    for (const auto& c : s.schema) checkReservedNames({c.type.toField(c.name)}, c.pos);
    std::vector<Value> rows;
    if (s.query) {
        auto q = sql::PreparedQuery::prepare(std::move(*s.query), queryContext());
        const auto& types = q->columnTypes();
        if (s.schema.empty()) {
            schema = q->schema();
            for (std::size_t c = 0; c < schema.fields.size(); ++c) {
                const auto& name = schema.fields[c].name;
                if (name.empty() || (name.size() > 2 && name[0] == 'f' && name.back() == '_' &&
                                       std::all_of(name.begin() + 1, name.end() - 1, [](char ch) { return ch >= '0' && ch <= '9'; })))
                    throw SqlError("CREATE TABLE columns must be named, but column " + std::to_string(c + 1) + " has no name", s.pos);
                if (columnIndex(std::vector<Field>(schema.fields.begin(), schema.fields.begin() + static_cast<long>(c)), name) >= 0)
                    throw SqlError("CREATE TABLE has columns with duplicate name " + name, s.pos);
            }
        } else {
            if (types.size() != schema.fields.size())
                throw SqlError("The number of columns in the column definition list does not match the query: " +
                                   std::to_string(schema.fields.size()) + " and " + std::to_string(types.size()),
                               s.pos);
            for (std::size_t c = 0; c < types.size(); ++c)
                checkAssignable(types[c], schema.fields[c], s.pos, "Query column " + std::to_string(c + 1));
        }
        checkReservedNames(schema.fields, s.pos);
        auto result = runQuery(*q, dryRun, r);
        if (!result && !s.temp) return r;
        const auto rowType = SqlType::fromFields(schema.fields);
        for (const auto& in : result ? result->rows : std::vector<Value>{}) {
            rows.push_back(fit(in, rowType));
            checkRequired(rows.back(), schema.fields);
        }
    }
    checkPartitionBy(s, schema);
    if (dryRun && !s.temp) return r; // a dry run's temporary table is made empty: the statements after it read it
    store_.putTable(ref.project, ref.dataset, ref.table, schema, dryRun ? std::vector<Value>{} : std::move(rows), exists,
                    tableProperties(s));
    r.ddlOperation = exists ? "REPLACE" : "CREATE";
    return r;
}

StatementResult StatementRunner::cloneTable(sql::Statement& s, const TableRef& ref, bool exists, bool dryRun, StatementResult r) {
    std::int64_t ms = Store::nowMs();
    std::shared_ptr<Table> base;
    if (s.cloneOf.systemTime) {
        const sql::Pos at = s.cloneOf.systemTime->pos;
        auto [v, type] = evaluate(std::move(s.cloneOf.systemTime));
        if (type.kind == TypeKind::String && !type.array) v = sql::castValue(v, SqlType::scalar(TypeKind::Timestamp), false);
        else if (type.kind != TypeKind::Timestamp || type.array)
            throw SqlError("FOR SYSTEM_TIME AS OF expects an expression of type TIMESTAMP but got " + type.name(), at);
        if (v.isNull()) throw SqlError("FOR SYSTEM_TIME AS OF expects a TIMESTAMP but got NULL", at);
        const std::int64_t micros = v.asInt64();
        ms = micros >= 0 ? micros / 1000 : -((-micros + 999) / 1000);
        base = std::static_pointer_cast<Table>(queryContext().resolveTableAsOf(s.cloneOf.tablePath, ms, s.cloneOf.pos));
    } else {
        base = stored(tableRef(s.cloneOf.tablePath, s.cloneOf.pos));
    }
    if (isView(*base))
        throw ApiFailure("invalidQuery", "CLONE cannot copy view " + base->project + ":" + base->dataset + "." + base->id +
                                             "; only a table can be cloned or snapshotted");
    if (dryRun) return r;
    putCopyOf(store_, *base, ms, s.snapshot ? CopyOf::Snapshot : CopyOf::Clone, ref.project, ref.dataset, ref.table, exists,
              tableProperties(s));
    r.ddlOperation = exists ? "REPLACE" : "CREATE";
    return r;
}

StatementResult StatementRunner::dropTable(sql::Statement& s, bool dryRun) {
    StatementResult r;
    const auto ref = tableRef(s.target, s.targetPos);
    r.ddlTargetTable = tableJson(ref);
    std::shared_ptr<Table> t;
    try {
        t = store_.table(ref.project, ref.dataset, ref.table);
    } catch (const ApiFailure&) {
        if (!s.ifExists) throw ApiFailure("notFound", "Not found: Table " + ref.project + ":" + ref.dataset + "." + ref.table);
        r.ddlOperation = "SKIP";
        return r;
    }
    const bool view = s.kind == sql::Statement::Kind::DropView;
    if (s.snapshot && t->meta.value("type", std::string()) != "SNAPSHOT")
        throw ApiFailure("invalidQuery", "DROP SNAPSHOT TABLE cannot drop " + ref.project + ":" + ref.dataset + "." + ref.table +
                                             ", which is not a table snapshot; use DROP " + (isView(*t) ? "VIEW" : "TABLE"));
    if (isView(*t) != view)
        throw ApiFailure("invalidQuery", (view ? "DROP VIEW cannot drop table " : "DROP TABLE cannot drop view ") + ref.project + ":" +
                                             ref.dataset + "." + ref.table + (view ? "; use DROP TABLE" : "; use DROP VIEW"));
    if (dryRun) return r;
    store_.deleteTable(ref.project, ref.dataset, ref.table);
    r.ddlOperation = "DROP";
    return r;
}

StatementResult StatementRunner::dropView(sql::Statement& s, bool dryRun) { return dropTable(s, dryRun); }

/// CREATE [OR REPLACE] VIEW [IF NOT EXISTS] d.v AS query: the query's text is stored, after
/// it binds (and gives the view's schema).
StatementResult StatementRunner::createView(sql::Statement& s, bool dryRun) {
    StatementResult r;
    const auto ref = tableRef(s.target, s.targetPos);
    const auto target = createTarget(s, ref, r);
    if (!target) return r;
    const bool exists = *target;
    Json body = {{"tableReference", {{"projectId", ref.project}, {"datasetId", ref.dataset}, {"tableId", ref.table}}},
                 {"view", {{"query", s.viewSql}, {"useLegacySql", false}}}};
    body = viewBody(store_, ref.project, ref.dataset, std::move(body), &s.viewSqlPos);
    if (dryRun) return r;
    if (exists) store_.deleteTable(ref.project, ref.dataset, ref.table);
    store_.insertTable(ref.project, ref.dataset, body);
    r.ddlOperation = exists ? "REPLACE" : "CREATE";
    return r;
}

namespace {

std::pair<std::string, std::string> schemaRef(const sql::Statement& s, const std::string& project) {
    if (s.target.size() == 1) return {project, s.target[0]};
    if (s.target.size() == 2) return {s.target[0], s.target[1]};
    throw SqlError("A schema name has one or two parts (project.dataset)", s.targetPos);
}

} // namespace

StatementResult StatementRunner::createSchema(sql::Statement& s, bool dryRun) {
    StatementResult r;
    const auto [project, dataset] = schemaRef(s, scope_.project);
    r.ddlTargetDataset = {{"projectId", project}, {"datasetId", dataset}};
    bool exists = true;
    try {
        store_.getDataset(project, dataset);
    } catch (const ApiFailure&) {
        exists = false;
    }
    if (exists) {
        if (!s.ifNotExists) throw ApiFailure("duplicate", "Already Exists: Dataset " + project + ":" + dataset);
        r.ddlOperation = "SKIP";
        return r;
    }
    if (dryRun) return r;
    Json body = {{"datasetReference", {{"projectId", project}, {"datasetId", dataset}}}};
    if (!scope_.location.empty()) body["location"] = scope_.location;
    store_.insertDataset(project, body);
    r.ddlOperation = "CREATE";
    return r;
}

/// SET @@time_zone = expr: the zone the script's later statements read times in (a dry run
/// sets it too, so that the statements after it are checked as they would run).
StatementResult StatementRunner::setSystemVariable(sql::Statement& s) {
    const std::string name = s.target.empty() ? std::string() : s.target[0];
    if (!text::iequals(name, "time_zone"))
        throw sql::SqlError("The system variable @@" + name + " is not supported by the sandbox yet (only @@time_zone)", s.targetPos);
    const sql::Pos at = s.value->pos;
    const auto [v, type] = evaluate(std::move(s.value));
    if ((!type.unknown && type.kind != TypeKind::String) || type.array)
        throw sql::SqlError("Cannot coerce expression to the type of @@time_zone: STRING", at);
    if (v.isNull()) throw sql::SqlError("@@time_zone cannot be set to NULL", at);
    if (!sql::TimeZone::find(v.asText())) throw sql::SqlError("Invalid time zone: " + std::string(v.asText()), at);
    scope_.timeZone = std::string(v.asText());
    scope_.state->timeZone = scope_.timeZone; // a session keeps it for its next jobs
    return {};
}

StatementResult StatementRunner::dropSchema(sql::Statement& s, bool dryRun) {
    StatementResult r;
    const auto [project, dataset] = schemaRef(s, scope_.project);
    r.ddlTargetDataset = {{"projectId", project}, {"datasetId", dataset}};
    try {
        store_.getDataset(project, dataset);
    } catch (const ApiFailure&) {
        if (!s.ifExists) throw ApiFailure("notFound", "Not found: Dataset " + project + ":" + dataset);
        r.ddlOperation = "SKIP";
        return r;
    }
    if (dryRun) return r;
    try {
        store_.deleteDataset(project, dataset, s.cascade);
    } catch (const ApiFailure& e) {
        if (e.reason() != "resourceInUse") throw;
        throw ApiFailure("invalidQuery", "Schema " + project + ":" + dataset +
                                             " is not empty: drop its tables first, or use DROP SCHEMA ... CASCADE");
    }
    r.ddlOperation = "DROP";
    return r;
}

} // namespace quarry::sandbox
