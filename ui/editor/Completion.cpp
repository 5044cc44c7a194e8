// SPDX-License-Identifier: MIT
#include "Completion.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace quarry {
namespace {

struct Token {
    enum Kind { Word, Quoted, Dot, Open, Close, Comma, Other } kind;
    std::string text; ///< for Quoted: without backticks
    std::size_t at;
};

bool identChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Comments and string literals are skipped; a backtick path `a.b.c` becomes words and dots.
std::vector<Token> tokenize(const std::string& s, std::size_t end) {
    std::vector<Token> out;
    std::size_t i = 0;
    while (i < end) {
        const char c = s[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
            ++i;
        } else if ((c == '-' && i + 1 < end && s[i + 1] == '-') || c == '#') {
            while (i < end && s[i] != '\n') ++i;
        } else if (c == '/' && i + 1 < end && s[i + 1] == '*') {
            const auto close = s.find("*/", i + 2);
            i = close == std::string::npos ? end : close + 2;
        } else if (c == '\'' || c == '"') {
            ++i;
            while (i < end && s[i] != c) i += (s[i] == '\\') ? 2 : 1;
            ++i;
        } else if (c == '`') {
            const std::size_t start = ++i;
            while (i < end && s[i] != '`') ++i;
            std::string inner = s.substr(start, std::min(i, end) - start);
            std::size_t p = 0;
            for (;;) {
                const auto dot = inner.find('.', p);
                out.push_back({Token::Quoted, inner.substr(p, dot == std::string::npos ? std::string::npos : dot - p), start + p});
                if (dot == std::string::npos) break;
                out.push_back({Token::Dot, ".", start + dot});
                p = dot + 1;
            }
            ++i;
        } else if (identChar(c) && c != '-') {
            const std::size_t start = i;
            while (i < end && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
            out.push_back({Token::Word, s.substr(start, i - start), start});
        } else {
            out.push_back({c == '.' ? Token::Dot : c == '(' ? Token::Open : c == ')' ? Token::Close : c == ',' ? Token::Comma : Token::Other,
                           std::string(1, c), i});
            ++i;
        }
    }
    return out;
}

bool isKeyword(const Token& t, const char* kw) { return t.kind == Token::Word && lower(t.text) == kw; }

const std::set<std::string>& reserved() {
    static const std::set<std::string> words = {
        "select", "from", "where", "group", "by", "order", "having", "limit", "join", "inner", "left", "right",
        "full", "outer", "cross", "on", "using", "unnest", "as", "with", "offset", "union", "all", "distinct",
        "and", "or", "not", "in", "is", "null", "qualify", "window", "except", "intersect", "asc", "desc", "when",
        "then", "else", "end", "case"};
    return words;
}

/// What a name in scope stands for.
struct Binding {
    std::vector<Field> fields; ///< its sub-fields (a table's columns, a record's fields)
    std::string detail;
    bool scalar = false;
};

const Field* findField(const std::vector<Field>& fields, const std::string& name) {
    const auto n = lower(name);
    for (const auto& f : fields)
        if (lower(f.name) == n) return &f;
    return nullptr;
}

// Reads a dotted path starting at tokens[i]; returns the parts and moves i past it.
std::vector<std::string> readPath(const std::vector<Token>& t, std::size_t& i) {
    std::vector<std::string> parts;
    while (i < t.size() && (t[i].kind == Token::Word || t[i].kind == Token::Quoted)) {
        parts.push_back(t[i].text);
        ++i;
        if (i < t.size() && t[i].kind == Token::Dot) ++i;
        else break;
    }
    return parts;
}

class Scope {
public:
    explicit Scope(const Catalog& c) : catalog_(c) {}

    void scan(const std::vector<Token>& t, Completions& out) {
        for (std::size_t i = 0; i < t.size(); ++i) {
            const bool from = isKeyword(t[i], "from") || isKeyword(t[i], "join");
            const bool comma = t[i].kind == Token::Comma && inFrom_;
            if (isKeyword(t[i], "select") || isKeyword(t[i], "where") || isKeyword(t[i], "group") ||
                isKeyword(t[i], "order") || isKeyword(t[i], "on"))
                inFrom_ = false;
            if (!from && !comma) continue;
            inFrom_ = true;
            std::size_t j = i + 1;
            if (j < t.size() && isKeyword(t[j], "unnest")) {
                scanUnnest(t, j);
                i = j - 1;
                continue;
            }
            const std::size_t start = j;
            auto path = readPath(t, j);
            if (path.empty() || j == start) continue;
            const std::string alias = aliasAt(t, j, path.back());
            i = j - 1;
            bindTable(path, alias, out);
        }
    }

    const Binding* lookup(const std::string& name) const {
        const auto it = bindings_.find(lower(name));
        return it == bindings_.end() ? nullptr : &it->second;
    }
    const std::map<std::string, Binding>& bindings() const { return bindings_; }
    const std::vector<std::string>& tables() const { return tableAliases_; }

private:
    std::string aliasAt(const std::vector<Token>& t, std::size_t& j, const std::string& fallback) {
        if (j < t.size() && isKeyword(t[j], "as")) ++j;
        if (j < t.size() && (t[j].kind == Token::Word || t[j].kind == Token::Quoted) && !reserved().count(lower(t[j].text)))
            return t[j++].text;
        return fallback;
    }

    void bindTable(const std::vector<std::string>& path, const std::string& alias, Completions& out) {
        if (path.size() == 1) {
            // A single name: a WITH alias or an alias path (`p.children` handled by UNNEST), or a
            // table of the default dataset; nothing to bind without knowing more.
            if (const Binding* b = resolve(path); b && !b->scalar) bindings_[lower(alias)] = {b->fields, "alias", false};
            return;
        }
        const std::string& dataset = path[path.size() - 2];
        const std::string& table = path.back();
        // `alias.children` in FROM (a correlated array path) before trying the catalog.
        if (const Binding* b = resolve(path); b && !b->scalar) {
            bindings_[lower(alias)] = {b->fields, "element of " + path.back(), false};
            return;
        }
        const auto schema = catalog_.schema ? catalog_.schema(dataset, table) : std::nullopt;
        if (!schema) {
            out.missing.emplace_back(dataset, table);
            return;
        }
        bindings_[lower(alias)] = {schema->fields, "table " + dataset + "." + table, false};
        tableAliases_.push_back(lower(alias));
    }

    void scanUnnest(const std::vector<Token>& t, std::size_t& j) {
        ++j; // UNNEST
        if (j >= t.size() || t[j].kind != Token::Open) return;
        ++j;
        auto path = readPath(t, j);
        int depth = 1;
        while (j < t.size() && depth > 0) {
            if (t[j].kind == Token::Open) ++depth;
            if (t[j].kind == Token::Close) --depth;
            ++j;
        }
        const std::string alias = aliasAt(t, j, std::string());
        if (alias.empty() || path.empty()) return;
        const Field* f = resolveField(path);
        if (!f) return;
        Binding b;
        b.detail = "alias of UNNEST(" + path.back() + ")";
        if (f->isRecord()) b.fields = f->fields;
        else b.scalar = true;
        bindings_[lower(alias)] = std::move(b);
    }

public:
    /// The field a path names: alias.field.sub or column.sub of any table in scope.
    const Field* resolveField(const std::vector<std::string>& path) const {
        const std::vector<Field>* fields = nullptr;
        std::size_t k = 0;
        if (const Binding* b = lookup(path[0]); b && path.size() > 1) {
            fields = &b->fields;
            k = 1;
        }
        const Field* f = nullptr;
        if (!fields) {
            for (const auto& a : tableAliases_)
                if ((f = findField(bindings_.at(a).fields, path[0]))) break;
            if (!f) return nullptr;
            k = 1;
            fields = &f->fields;
        }
        for (; k < path.size(); ++k) {
            f = findField(*fields, path[k]);
            if (!f) return nullptr;
            fields = &f->fields;
        }
        return f;
    }

    /// What a path stands for: a binding, or a RECORD reached through one.
    const Binding* resolve(const std::vector<std::string>& path) const {
        if (path.size() == 1)
            if (const Binding* b = lookup(path[0])) return b;
        const Field* f = resolveField(path);
        if (!f) return nullptr;
        scratch_ = {f->fields, f->typeDescription(), !f->isRecord()};
        return &scratch_;
    }

private:
    const Catalog& catalog_;
    std::map<std::string, Binding> bindings_;
    std::vector<std::string> tableAliases_;
    bool inFrom_ = false;
    mutable Binding scratch_;
};

void addFields(const std::vector<Field>& fields, Completions& out) {
    for (const auto& f : fields) out.items.push_back({f.name, f.typeDescription()});
}

} // namespace

Completions complete(const std::string& sql, std::size_t cursor, const Catalog& catalog) {
    Completions out;
    cursor = std::min(cursor, sql.size());
    std::size_t start = cursor;
    while (start > 0 && (std::isalnum(static_cast<unsigned char>(sql[start - 1])) || sql[start - 1] == '_')) --start;
    out.replaceFrom = start;
    out.prefix = sql.substr(start, cursor - start);

    // The dotted chain before the prefix: `a.b.` -> {a, b}.
    std::vector<std::string> chain;
    std::size_t p = start;
    while (p > 0 && sql[p - 1] == '.') {
        std::size_t e = p - 1, b = e;
        if (b > 0 && sql[b - 1] == '`') {
            // `project.dataset`.  -> split the quoted path
            const auto open = sql.rfind('`', b - 2);
            if (open == std::string::npos) break;
            std::string inner = sql.substr(open + 1, b - 2 - open);
            std::vector<std::string> parts;
            std::size_t q = 0;
            for (;;) {
                const auto dot = inner.find('.', q);
                parts.push_back(inner.substr(q, dot == std::string::npos ? std::string::npos : dot - q));
                if (dot == std::string::npos) break;
                q = dot + 1;
            }
            chain.insert(chain.begin(), parts.begin(), parts.end());
            p = open;
            continue;
        }
        while (b > 0 && (std::isalnum(static_cast<unsigned char>(sql[b - 1])) || sql[b - 1] == '_' || sql[b - 1] == '-')) --b;
        if (b == e) break;
        chain.insert(chain.begin(), sql.substr(b, e - b));
        p = b;
    }

    // Scope comes from the whole statement, including the FROM after the cursor.
    Scope scope(catalog);
    scope.scan(tokenize(sql, sql.size()), out);

    if (!chain.empty()) {
        if (const Binding* b = scope.resolve(chain); b && !b->scalar) {
            addFields(b->fields, out);
        } else if (chain.size() <= 2 && catalog.tables) {
            // dataset. or project.dataset.
            for (const auto& t : catalog.tables(chain.back())) out.items.push_back({t, "table"});
        }
    } else {
        for (const auto& [name, b] : scope.bindings()) out.items.push_back({name, b.detail});
        for (const auto& a : scope.tables())
            if (const Binding* b = scope.lookup(a)) addFields(b->fields, out);
        if (catalog.datasets)
            for (const auto& d : catalog.datasets()) out.items.push_back({d, "dataset"});
        for (auto k : reserved()) {
            for (auto& ch : k) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
            out.items.push_back({k, "keyword"});
        }
    }

    // Keep what starts with the prefix (case-insensitive), once each, in a stable order.
    const auto pre = lower(out.prefix);
    std::vector<CompletionItem> kept;
    std::set<std::string> seen;
    for (auto& item : out.items)
        if (lower(item.text).rfind(pre, 0) == 0 && seen.insert(item.text).second) kept.push_back(std::move(item));
    std::stable_sort(kept.begin(), kept.end(), [](const CompletionItem& a, const CompletionItem& b) {
        return (a.detail == "keyword") < (b.detail == "keyword");
    });
    out.items = std::move(kept);
    return out;
}

} // namespace quarry
