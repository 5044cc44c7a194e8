// SPDX-License-Identifier: MIT
#include "sandbox/sql/Legacy.h"

#include "sandbox/sql/ParserCore.h"

#include <charconv>
#include <chrono>
#include <map>
#include <set>

namespace quarry::sandbox::sql {
namespace {

class LegacyParser : public detail::Parser {
public:
    explicit LegacyParser(std::vector<Token> t) : Parser(std::move(t)) { legacy_ = true; }
};

/// `[project:dataset.table]` -> `` `project.dataset.table` `` (same length, so positions hold),
/// outside strings and comments.
std::string bracketsToBackticks(std::string_view in) {
    std::string s(in);
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '\'' || c == '"' || c == '`') {
            for (++i; i < s.size() && s[i] != c; ++i)
                if (s[i] == '\\') ++i;
        } else if (c == '#' || (c == '-' && i + 1 < s.size() && s[i + 1] == '-')) {
            while (i < s.size() && s[i] != '\n') ++i;
        } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
            const auto end = s.find("*/", i + 2);
            i = end == std::string::npos ? s.size() : end + 1;
        } else if (c == '[') {
            std::size_t j = i + 1;
            while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_' || s[j] == '.' || s[j] == ':' || s[j] == '-' ||
                                    s[j] == '@')) // [d.t@-3600000]: a snapshot decorator
                ++j;
            if (j < s.size() && s[j] == ']' && j > i + 1) {
                s[i] = s[j] = '`';
                for (std::size_t k = i + 1; k < j; ++k)
                    if (s[k] == ':') s[k] = '.';
                i = j;
            }
        }
    }
    return s;
}

std::string joined(const std::vector<std::string>& parts, std::size_t n, const char* sep) {
    std::string out;
    for (std::size_t i = 0; i < n && i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
    return out;
}

ExprPtr pathTo(std::vector<std::string> path, Pos pos) {
    auto e = std::make_unique<Expr>();
    e->kind = Expr::Kind::Path;
    e->path = std::move(path);
    e->pos = pos;
    return e;
}

/// A snapshot decorator on a table name (`[d.t@1700000000000]`, `[d.t@-3600000]`: ms since
/// the epoch, or before now) becomes FOR SYSTEM_TIME AS OF that time.
void snapshotDecorator(FromItem& f) {
    if (f.tablePath.empty()) return;
    auto& last = f.tablePath.back();
    const auto at = last.find('@');
    if (at == std::string::npos) return;
    const std::string text = last.substr(at + 1);
    std::int64_t ms = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
    if (text.find('-', 1) != std::string::npos)
        throw SqlError("Range decorators (@<time1>-<time2>) are not supported by the sandbox yet; read the table with "
                       "FOR SYSTEM_TIME AS OF in GoogleSQL",
                       f.pos);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || ms == 0)
        throw SqlError("Invalid snapshot decorator @" + text + ": write @<ms since the epoch> or @-<ms before now>", f.pos);
    if (ms < 0) {
        const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
        ms = ms < -now ? 0 : now + ms;
    }
    last.erase(at);
    auto lit = std::make_unique<Expr>();
    lit->kind = Expr::Kind::Literal;
    lit->value = Value::timestamp(ms * 1000);
    lit->type = SqlType::scalar(TypeKind::Timestamp);
    lit->pos = f.pos;
    f.systemTime = std::move(lit);
}

ExprPtr oneLiteral(Pos pos) {
    auto lit = std::make_unique<Expr>();
    lit->kind = Expr::Kind::Literal;
    lit->value = Value::int64(1);
    lit->type = SqlType::scalar(TypeKind::Int64);
    lit->pos = pos;
    return lit;
}

/// A path read against the table's schema: field names as the schema spells them, and which of
/// them are repeated.
struct Resolved {
    std::vector<std::string> names;
    std::vector<std::size_t> repeated; ///< indices into names
    const Field* field = nullptr;
    /// The key of the repeated prefix ending at names[i]: "citiesLived.yearsLived".
    std::string key(std::size_t i) const { return joined(names, i + 1, "."); }
    std::vector<std::string> keys() const {
        std::vector<std::string> out;
        for (auto i : repeated) out.push_back(key(i));
        return out;
    }
};

bool isPrefix(const std::string& a, const std::string& b) { return a == b || b.rfind(a + ".", 0) == 0; }

class Translator {
public:
    explicit Translator(const TableLookup& lookup) : lookup_(lookup) {}

    Select translate(Select sel) {
        if (!sel.setBranches.empty()) {
            for (auto& b : sel.setBranches) b = std::make_shared<Select>(Translator(lookup_).translate(std::move(*b)));
            return sel;
        }
        if (!sel.with.empty()) throw SqlError("WITH is not part of legacy SQL", sel.pos);
        source(sel);
        if (!fields_) return sel; // a subquery's flat output: nothing to flatten
        for (auto& it : sel.items) names(it);
        expandRecords(sel);
        // Pass 1: the repeated fields read (outside WITHIN aggregates), and WITHIN nodes.
        std::map<std::string, std::string> outputKeys; // key -> the output column reading it
        for (auto& it : sel.items) collect(it.expr, &outputKeys, it.alias);
        filtering_ = true;
        collect(sel.where, nullptr, "");
        filtering_ = false;
        for (auto& g : sel.groupBy) collect(g, nullptr, "");
        collect(sel.having, nullptr, "");
        for (auto& o : sel.orderBy) collect(o.expr, nullptr, "");
        checkIndependence(outputKeys, sel.pos);
        assignVariables(sel);
        for (const auto& it : sel.items)
            if (!it.alias.empty()) aliases_.insert(text::upper(it.alias));
        // Pass 2: rewrite every path onto those variables.
        for (auto& it : sel.items) rewrite(it.expr);
        filter(sel);
        for (auto& g : sel.groupBy) rewrite(g);
        rewrite(sel.having);
        for (auto& o : sel.orderBy) rewrite(o.expr);
        return sel;
    }

private:
    static constexpr const char* kRow = "__legacy_row";

    /// The FROM clause: one table (perhaps FLATTENed), tables of one schema separated by commas
    /// (UNION ALL), or a subquery.
    void source(Select& sel) {
        if (sel.from.empty()) return;
        for (const auto& f : sel.from)
            if (f.join != FromItem::Join::Comma || f.kind != FromItem::Kind::Table)
                throw SqlError("JOIN in legacy SQL is not supported by the sandbox yet; use GoogleSQL", f.pos);
        FromItem& first = sel.from.front();
        if (first.subquery) {
            if (!first.flatten.empty()) throw SqlError("FLATTEN of a subquery is not supported by the sandbox yet", first.pos);
            if (sel.from.size() > 1) throw SqlError("A subquery in a comma-separated FROM list is not supported by the sandbox yet", sel.from[1].pos);
            first.subquery = std::make_shared<Select>(Translator(lookup_).translate(std::move(*first.subquery)));
            return;
        }
        for (auto& f : sel.from) snapshotDecorator(f);
        std::vector<std::shared_ptr<TableData>> tables;
        for (const auto& f : sel.from) {
            tables.push_back(lookup_(f.tablePath, f.pos));
            if (!tables.back()) throw SqlError("Table not found", f.pos);
            if (!(tables.back()->schema.fields == tables.front()->schema.fields))
                throw SqlError("Tables of different schemas in one FROM list (UNION ALL) are not supported by the sandbox yet", f.pos);
        }
        schema_ = tables.front()->schema;
        tableName_ = tables.front()->dataset + "." + tables.front()->id;
        fields_ = &schema_.fields;
        userAlias_ = first.alias.empty() ? first.tablePath.back() : first.alias;
        if (!first.flatten.empty()) {
            const auto r = resolve(first.flatten, first.pos);
            if (!r || r->repeated.empty()) throw SqlError("FLATTEN needs a repeated field, not " + joined(first.flatten, first.flatten.size(), "."), first.pos);
            flattened_ = r->key(r->repeated.back());
            for (const auto& k : r->keys()) {
                used_.insert(k);
                shaping_.insert(k);
            }
        }
        if (sel.from.size() > 1) {
            auto u = std::make_shared<Select>();
            u->pos = sel.pos;
            for (auto& f : sel.from) {
                auto b = std::make_shared<Select>();
                b->pos = f.pos;
                SelectItem star;
                star.star = true;
                star.pos = f.pos;
                b->items.push_back(std::move(star));
                FromItem t;
                t.tablePath = f.tablePath;
                t.systemTime = std::move(f.systemTime);
                t.pos = f.pos;
                b->from.push_back(std::move(t));
                u->setBranches.push_back(b);
                if (u->setBranches.size() > 1) u->setOps.push_back("UNION ALL");
            }
            FromItem all;
            all.subquery = std::move(u);
            all.pos = first.pos;
            sel.from.clear();
            sel.from.push_back(std::move(all));
        }
        sel.from.front().alias = kRow;
        sel.from.front().flatten.clear();
    }

    /// A path as fields of the table (after an optional leading alias); nullopt when it names
    /// no field (a SELECT alias, say).
    std::optional<Resolved> resolve(std::vector<std::string> path, Pos) const {
        if (path.size() > 1 && text::iequals(path[0], userAlias_) && !find(*fields_, path[0])) path.erase(path.begin());
        Resolved r;
        const std::vector<Field>* level = fields_;
        for (std::size_t i = 0; i < path.size(); ++i) {
            const Field* f = level ? find(*level, path[i]) : nullptr;
            if (!f) return std::nullopt;
            r.names.push_back(f->name);
            if (f->isRepeated()) r.repeated.push_back(i);
            r.field = f;
            level = f->isRecord() ? &f->fields : nullptr;
        }
        return r;
    }

    static const Field* find(const std::vector<Field>& fs, const std::string& name) {
        for (const auto& f : fs)
            if (text::iequals(f.name, name)) return &f;
        return nullptr;
    }

    /// Legacy output names: a field path without an alias is named with `_` between its parts.
    void names(SelectItem& it) {
        if (it.star || !it.alias.empty() || !it.expr || it.expr->kind != Expr::Kind::Path) return;
        if (const auto r = resolve(it.expr->path, it.pos)) it.alias = joined(r->names, r->names.size(), "_");
    }

    /// A RECORD read whole, and `*`, become a column per leaf field.
    void expandRecords(Select& sel) {
        std::vector<SelectItem> out;
        for (auto& it : sel.items) {
            std::vector<std::string> base;
            if (it.star && !it.expr) {
                // every field
            } else if (it.expr && it.expr->kind == Expr::Kind::Path) {
                const auto r = resolve(it.expr->path, it.pos);
                if (!r || !r->field->isRecord()) {
                    out.push_back(std::move(it));
                    continue;
                }
                base = r->names;
            } else {
                out.push_back(std::move(it));
                continue;
            }
            const std::vector<Field>& leaves = base.empty() ? *fields_ : resolve(base, it.pos)->field->fields;
            addLeaves(out, base, leaves, it.pos, base.empty() ? "" : (it.alias.empty() ? joined(base, base.size(), "_") : it.alias));
        }
        sel.items = std::move(out);
    }

    void addLeaves(std::vector<SelectItem>& out, const std::vector<std::string>& base, const std::vector<Field>& fs, Pos pos,
                   const std::string& prefix) {
        for (const auto& f : fs) {
            auto path = base;
            path.push_back(f.name);
            const std::string name = prefix.empty() ? f.name : prefix + "_" + f.name;
            if (f.isRecord()) {
                addLeaves(out, path, f.fields, pos, name);
                continue;
            }
            SelectItem it;
            it.pos = pos;
            it.expr = pathTo(path, pos);
            it.alias = name;
            out.push_back(std::move(it));
        }
    }

    void collect(ExprPtr& e, std::map<std::string, std::string>* outputKeys, const std::string& column) {
        if (!e) return;
        if (e->kind == Expr::Kind::Call && !e->within.empty()) {
            if (e->within != "RECORD") {
                const auto node = resolve(splitDots(e->within), e->pos);
                if (!node || node->repeated.empty() || node->repeated.back() + 1 != node->names.size())
                    throw SqlError("WITHIN " + e->within + " must name a repeated field", e->pos);
                for (const auto& k : node->keys()) {
                    used_.insert(k);
                    if (!filtering_) shaping_.insert(k);
                    if (outputKeys) outputKeys->emplace(k, column);
                }
            }
            return; // the aggregate's own paths are read inside the record
        }
        if (e->kind == Expr::Kind::Subquery) return;
        if (e->kind == Expr::Kind::Path) {
            const auto r = resolve(e->path, e->pos);
            if (!r) return;
            for (const auto& k : r->keys()) {
                used_.insert(k);
                if (!filtering_) shaping_.insert(k);
                if (outputKeys) outputKeys->emplace(k, column.empty() ? joined(r->names, r->names.size(), "_") : column);
                else readKeys_.emplace(k, joined(r->names, r->names.size(), "."));
            }
            return;
        }
        for (auto& a : e->args) collect(a, outputKeys, column);
    }

    static std::vector<std::string> splitDots(const std::string& s) {
        std::vector<std::string> out;
        std::size_t start = 0;
        while (true) {
            const auto dot = s.find('.', start);
            out.push_back(s.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
            if (dot == std::string::npos) return out;
            start = dot + 1;
        }
    }

    /// Every repeated field read must lie on one path from the root (or be the FLATTENed one):
    /// two that branch apart would be a cross product, which legacy SQL refuses.
    void checkIndependence(const std::map<std::string, std::string>& outputKeys, Pos pos) {
        std::vector<std::string> keys;
        for (const auto& k : used_)
            if (flattened_.empty() || !isPrefix(k, flattened_)) keys.push_back(k);
        for (std::size_t i = 0; i < keys.size(); ++i)
            for (std::size_t j = i + 1; j < keys.size(); ++j) {
                const auto& a = keys[i];
                const auto& b = keys[j];
                if (isPrefix(a, b) || isPrefix(b, a)) continue;
                const auto oa = outputKeys.find(a), ob = outputKeys.find(b);
                if (oa != outputKeys.end() && ob != outputKeys.end())
                    throw SqlError("Cannot output multiple independently repeated fields at the same time. Found " + oa->second +
                                       " and " + ob->second,
                                   pos);
                const auto ra = readKeys_.count(a) ? readKeys_[a] : a, rb = readKeys_.count(b) ? readKeys_[b] : b;
                throw SqlError("Cannot query the cross product of repeated fields " + std::min(ra, rb) + " and " + std::max(ra, rb), pos);
            }
    }

    /// A LEFT JOIN UNNEST per repeated field read, outermost first.
    void assignVariables(Select& sel) {
        std::vector<std::string> keys(shaping_.begin(), shaping_.end());
        std::sort(keys.begin(), keys.end(), [](const std::string& a, const std::string& b) {
            return std::count(a.begin(), a.end(), '.') < std::count(b.begin(), b.end(), '.') ||
                   (std::count(a.begin(), a.end(), '.') == std::count(b.begin(), b.end(), '.') && a < b);
        });
        for (const auto& k : keys) {
            sel.from.push_back(unnestVariable(k, "__legacy_", sel.pos));
            sel.from.back().join = FromItem::Join::Left;
        }
    }

    /// `UNNEST(parent.rest) AS prefixN` for a repeated field's key, where parent is the variable
    /// of its deepest repeated ancestor; the new variable then stands for the key.
    FromItem unnestVariable(const std::string& key, const char* prefix, Pos pos) {
        const auto names = splitDots(key);
        auto [parentVar, rest] = variableFor(names, names.size() - 1);
        std::vector<std::string> path{parentVar};
        for (std::size_t i = rest; i < names.size(); ++i) path.push_back(names[i]);
        const std::string var = prefix + std::to_string(++variables_);
        vars_[key] = var;
        FromItem u;
        u.kind = FromItem::Kind::Unnest;
        u.unnest = pathTo(path, pos);
        u.alias = var;
        u.pos = pos;
        return u;
    }

    /// The variable holding names[0..upTo) 's deepest repeated prefix, and where the rest of the
    /// path starts.
    std::pair<std::string, std::size_t> variableFor(const std::vector<std::string>& names, std::size_t upTo) const {
        for (std::size_t n = upTo; n > 0; --n) {
            const auto it = vars_.find(joined(names, n, "."));
            if (it != vars_.end()) return {it->second, n};
        }
        return {kRow, 0};
    }

    /// WHERE keeps the structure of the rows the rest of the query shapes: a repeated field
    /// read only in WHERE does not multiply rows; a row is kept when some value of it passes,
    /// as `EXISTS (SELECT 1 FROM UNNEST(...) ... WHERE condition)`.
    void filter(Select& sel) {
        if (!sel.where) return;
        std::vector<std::string> only;
        for (const auto& k : used_)
            if (!shaping_.count(k)) only.push_back(k);
        if (only.empty()) {
            rewrite(sel.where);
            return;
        }
        std::sort(only.begin(), only.end(), [](const std::string& a, const std::string& b) { return a.size() < b.size(); });
        const Pos pos = sel.where->pos;
        auto saved = vars_;
        auto sub = std::make_shared<Select>();
        sub->pos = pos;
        for (const auto& k : only) sub->from.push_back(unnestVariable(k, "__filter_", pos));
        rewrite(sel.where);
        vars_ = std::move(saved);
        SelectItem item;
        item.pos = pos;
        item.expr = oneLiteral(pos);
        sub->items.push_back(std::move(item));
        sub->where = std::move(sel.where);
        auto exists = std::make_unique<Expr>();
        exists->kind = Expr::Kind::Subquery;
        exists->op = "EXISTS";
        exists->pos = pos;
        exists->subquery = std::move(sub);
        sel.where = std::move(exists);
    }

    /// Legacy functions under their GoogleSQL names.
    static void legacyFunction(Expr& e) {
        if (e.kind != Expr::Kind::Call) return;
        const std::string& n = e.op;
        if (n == "GROUP_CONCAT" || n == "GROUP_CONCAT_UNQUOTED") {
            e.op = "STRING_AGG";
            if (e.args.size() == 1) {
                auto sep = std::make_unique<Expr>();
                sep->kind = Expr::Kind::Literal;
                sep->value = Value::string(",");
                sep->type = SqlType::scalar(TypeKind::String);
                sep->pos = e.pos;
                e.args.push_back(std::move(sep));
            }
        } else if (n == "EXACT_COUNT_DISTINCT") {
            e.op = "COUNT";
            e.distinct = true;
        } else if (n == "REGEXP_MATCH") {
            e.op = "REGEXP_CONTAINS";
        } else if ((n == "INTEGER" || n == "FLOAT" || n == "STRING" || n == "BOOLEAN") && e.args.size() == 1) {
            e.kind = Expr::Kind::Cast;
            e.safe = true; // legacy conversions give NULL for what they cannot read
            e.castType = SqlType::scalar(n == "INTEGER" ? TypeKind::Int64 : n == "FLOAT" ? TypeKind::Float64
                                         : n == "STRING"  ? TypeKind::String : TypeKind::Bool);
        }
    }

    void rewrite(ExprPtr& e) {
        if (!e) return;
        legacyFunction(*e);
        if (e->kind == Expr::Kind::Call && !e->within.empty()) {
            within(e);
            return;
        }
        if (e->kind == Expr::Kind::Subquery) return;
        if (e->kind == Expr::Kind::Path) {
            const auto r = resolve(e->path, e->pos);
            if (!r) {
                if (e->path.size() == 1 && aliases_.count(text::upper(e->path[0]))) return; // a SELECT alias
                if (e->path[0].rfind("__", 0) == 0) return;                               // ours
                throw SqlError("Field '" + joined(e->path, e->path.size(), ".") + "' not found in table '" + tableName_ + "'", e->pos);
            }
            auto [var, rest] = variableFor(r->names, r->names.size());
            std::vector<std::string> path{var};
            for (std::size_t i = rest; i < r->names.size(); ++i) path.push_back(r->names[i]);
            e->path = std::move(path);
            return;
        }
        for (auto& a : e->args) rewrite(a);
    }

    /// AGG(x) WITHIN RECORD / WITHIN node -> (SELECT AGG(x') FROM UNNEST(...) ...), over the
    /// record's (or the node element's) own repeated values of x.
    void within(ExprPtr& e) {
        std::string rootKey;
        if (e->within != "RECORD") rootKey = resolve(splitDots(e->within), e->pos)->key(resolve(splitDots(e->within), e->pos)->names.size() - 1);
        // The repeated fields below the root that the arguments read.
        std::set<std::string> inner;
        std::function<void(const ExprPtr&)> scan = [&](const ExprPtr& x) {
            if (!x) return;
            if (x->kind == Expr::Kind::Path) {
                if (const auto r = resolve(x->path, x->pos))
                    for (const auto& k : r->keys())
                        if (rootKey.empty() || (k != rootKey && isPrefix(rootKey, k))) inner.insert(k);
                return;
            }
            for (const auto& a : x->args) scan(a);
        };
        for (const auto& a : e->args) scan(a);
        std::vector<std::string> chain(inner.begin(), inner.end());
        std::sort(chain.begin(), chain.end(), [](const std::string& a, const std::string& b) { return a.size() < b.size(); });
        for (std::size_t i = 1; i < chain.size(); ++i)
            if (!isPrefix(chain[i - 1], chain[i]))
                throw SqlError("Cannot query the cross product of repeated fields " + chain[i - 1] + " and " + chain[i], e->pos);
        // Inner variables shadow the outer ones for the keys below the root.
        auto saved = vars_;
        auto sub = std::make_shared<Select>();
        sub->pos = e->pos;
        for (const auto& k : chain) sub->from.push_back(unnestVariable(k, "__within_", e->pos));
        if (chain.empty()) {
            FromItem one;
            one.kind = FromItem::Kind::Unnest;
            auto arr = std::make_unique<Expr>();
            arr->kind = Expr::Kind::ArrayCtor;
            arr->pos = e->pos;
            arr->args.push_back(oneLiteral(e->pos));
            one.unnest = std::move(arr);
            one.pos = e->pos;
            sub->from.push_back(std::move(one));
        }
        e->within.clear();
        legacyFunction(*e);
        for (auto& a : e->args) rewrite(a);
        vars_ = std::move(saved);
        const Pos pos = e->pos;
        SelectItem it;
        it.pos = pos;
        it.expr = std::move(e);
        sub->items.push_back(std::move(it));
        auto q = std::make_unique<Expr>();
        q->kind = Expr::Kind::Subquery;
        q->op = "SCALAR";
        q->pos = pos;
        q->subquery = std::move(sub);
        e = std::move(q);
    }

    const TableLookup& lookup_;
    Schema schema_;
    const std::vector<Field>* fields_ = nullptr;
    std::string userAlias_;
    std::string flattened_;
    std::set<std::string> used_;    ///< every repeated field read
    std::set<std::string> shaping_; ///< those read outside WHERE: they decide the result's rows
    bool filtering_ = false;        ///< collecting WHERE's
    std::set<std::string> aliases_; ///< the SELECT list's, upper case
    std::string tableName_;
    std::map<std::string, std::string> readKeys_;
    std::map<std::string, std::string> vars_;
    int variables_ = 0; ///< numbers the variables this translation makes
};

} // namespace

bool isLegacySql(std::string_view text, bool useLegacySql) {
    const auto start = text.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos) return useLegacySql;
    const std::string head = text::upper(std::string(text.substr(start, 12)));
    if (head.rfind("#STANDARDSQL", 0) == 0) return false;
    if (head.rfind("#LEGACYSQL", 0) == 0) return true;
    return useLegacySql;
}

Select translateLegacy(std::string_view sql, const TableLookup& lookup) {
    auto tokens = lex(bracketsToBackticks(sql));
    for (const auto& t : tokens)
        if (t.kind == Tok::Ident) {
            const std::string w = text::upper(t.text);
            if (w == "INSERT" || w == "UPDATE" || w == "DELETE" || w == "MERGE" || w == "CREATE" || w == "DROP")
                throw SqlError("Legacy SQL runs queries only: for " + w + " statements set useLegacySql to false (or start with #standardSQL)", t.pos);
            break;
        }
    return Translator(lookup).translate(LegacyParser(std::move(tokens)).query());
}

} // namespace quarry::sandbox::sql
