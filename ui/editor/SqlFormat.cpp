// SPDX-License-Identifier: MIT
#include "SqlFormat.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <vector>

namespace quarry {
namespace {

enum class K { Word, Quoted, String, Number, Param, Op, Open, Close, Comma, Semicolon, LineComment, BlockComment };

struct Tok {
    K kind;
    std::string text;
};

bool isWordStart(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }
bool isWordChar(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

struct Scanner {
    std::string_view s;
    std::size_t i = 0;
    std::string error;

    std::string where(std::size_t at) const {
        int line = 1, col = 1;
        for (std::size_t k = 0; k < at && k < s.size(); ++k) {
            if (s[k] == '\n') ++line, col = 1;
            else if ((static_cast<unsigned char>(s[k]) & 0xC0) != 0x80) ++col;
        }
        return " at [" + std::to_string(line) + ":" + std::to_string(col) + "]";
    }

    // A quoted literal starting at i (after any r/b prefix): '...', "...", '''...''', """...""".
    bool quoted(std::size_t start, bool raw) {
        const char q = s[i];
        const bool triple = i + 2 < s.size() && s[i + 1] == q && s[i + 2] == q;
        i += triple ? 3 : 1;
        while (i < s.size()) {
            if (!raw && s[i] == '\\') {
                i += 2;
                continue;
            }
            if (triple ? (s.compare(i, 3, std::string(3, q)) == 0) : s[i] == q) {
                i += triple ? 3 : 1;
                return true;
            }
            if (!triple && s[i] == '\n') break;
            ++i;
        }
        error = "unterminated string" + where(start);
        return false;
    }

    bool next(std::vector<Tok>& out) {
        while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
        if (i >= s.size()) return false;
        const std::size_t start = i;
        const auto c = static_cast<unsigned char>(s[i]);
        auto push = [&](K k) { out.push_back({k, std::string(s.substr(start, i - start))}); };
        if ((c == '-' && i + 1 < s.size() && s[i + 1] == '-') || c == '#') {
            while (i < s.size() && s[i] != '\n') ++i;
            out.push_back({K::LineComment, std::string(s.substr(start, i - start))});
            while (!out.back().text.empty() && std::isspace(static_cast<unsigned char>(out.back().text.back()))) out.back().text.pop_back();
            return true;
        }
        if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
            const auto end = s.find("*/", i + 2);
            if (end == std::string_view::npos) {
                error = "unterminated comment" + where(start);
                return false;
            }
            i = end + 2;
            push(K::BlockComment);
            return true;
        }
        if (c == '`') {
            const auto end = s.find('`', i + 1);
            if (end == std::string_view::npos) {
                error = "unterminated quoted name" + where(start);
                return false;
            }
            i = end + 1;
            push(K::Quoted);
            return true;
        }
        if (c == '[') { // legacy SQL's [project:dataset.table]; GoogleSQL's array brackets
            const auto end = s.find(']', i + 1);
            const bool legacyName = end != std::string_view::npos && end > i + 1 &&
                                    std::all_of(s.begin() + static_cast<long>(i) + 1, s.begin() + static_cast<long>(end), [](char ch) {
                                        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == ':' || ch == '.' || ch == '-';
                                    }) && !std::isdigit(static_cast<unsigned char>(s[i + 1]));
            if (legacyName) {
                i = end + 1;
                push(K::Quoted);
                return true;
            }
        }
        if (c == '\'' || c == '"') {
            if (!quoted(start, false)) return false;
            push(K::String);
            return true;
        }
        if (isWordStart(c)) {
            // r'..', b'..', rb'..', br'..' prefixes
            std::size_t j = i;
            while (j < s.size() && j - i < 2 && std::strchr("rRbB", s[j])) ++j;
            if (j > i && j < s.size() && (s[j] == '\'' || s[j] == '"')) {
                const bool raw = std::any_of(s.begin() + static_cast<long>(i), s.begin() + static_cast<long>(j), [](char ch) { return ch == 'r' || ch == 'R'; });
                i = j;
                if (!quoted(start, raw)) return false;
                push(K::String);
                return true;
            }
            while (i < s.size() && isWordChar(static_cast<unsigned char>(s[i]))) ++i;
            push(K::Word);
            return true;
        }
        if (std::isdigit(c) || (c == '.' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
            while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '.' ||
                                    ((s[i] == '+' || s[i] == '-') && (s[i - 1] == 'e' || s[i - 1] == 'E'))))
                ++i;
            push(K::Number);
            return true;
        }
        if (c == '@' || c == '?') {
            ++i;
            while (i < s.size() && (isWordChar(static_cast<unsigned char>(s[i])) || s[i] == '@')) ++i;
            push(K::Param);
            return true;
        }
        ++i;
        if (c == '(' || c == '[') return push(K::Open), true;
        if (c == ')' || c == ']') return push(K::Close), true;
        if (c == ',') return push(K::Comma), true;
        if (c == ';') return push(K::Semicolon), true;
        // Two-character operators.
        static const std::array<const char*, 8> two = {"<=", ">=", "<>", "!=", "||", "<<", ">>", "=>"};
        if (i < s.size())
            for (const char* op : two)
                if (s[start] == op[0] && s[i] == op[1]) {
                    ++i;
                    break;
                }
        push(K::Op);
        return true;
    }
};

// GoogleSQL's reserved keywords. Only these are upper-cased: a non-reserved word (OFFSET,
// TABLE, VIEW, ...) may be a table or column name, and table names are case-sensitive.
const char* const kKeywords[] = {
    "ALL", "AND", "ANY", "ARRAY", "AS", "ASC", "ASSERT_ROWS_MODIFIED", "AT", "BETWEEN", "BY", "CASE", "CAST",
    "COLLATE", "CONTAINS", "CREATE", "CROSS", "CUBE", "CURRENT", "DEFAULT", "DEFINE", "DESC", "DISTINCT", "ELSE",
    "END", "ENUM", "ESCAPE", "EXCEPT", "EXCLUDE", "EXISTS", "EXTRACT", "FALSE", "FETCH", "FOLLOWING", "FOR",
    "FROM", "FULL", "GROUP", "GROUPING", "GROUPS", "HASH", "HAVING", "IF", "IGNORE", "IN", "INNER", "INTERSECT",
    "INTERVAL", "INTO", "IS", "JOIN", "LATERAL", "LEFT", "LIKE", "LIMIT", "LOOKUP", "MERGE", "NATURAL", "NEW", "NO",
    "NOT", "NULL", "NULLS", "OF", "ON", "OR", "ORDER", "OUTER", "OVER", "PARTITION", "PRECEDING", "PROTO",
    "QUALIFY", "RANGE", "RECURSIVE", "RESPECT", "RIGHT", "ROLLUP", "ROWS", "SELECT", "SET", "SOME", "STRUCT",
    "TABLESAMPLE", "THEN", "TO", "TREAT", "TRUE", "UNBOUNDED", "UNION", "UNNEST", "USING", "WHEN", "WHERE",
    "WINDOW", "WITH", "WITHIN"};

bool isKeyword(std::string_view upperWord) {
    return std::find_if(std::begin(kKeywords), std::end(kKeywords), [&](const char* k) { return upperWord == k; }) != std::end(kKeywords);
}

// Words after which "(" belongs to the word, as in a call: UNNEST(x), ARRAY(SELECT ...).
bool callLike(const std::string& upperWord) {
    return upperWord == "UNNEST" || upperWord == "ARRAY" || upperWord == "STRUCT" || upperWord == "CAST" ||
           upperWord == "SAFE_CAST" || upperWord == "EXTRACT" || upperWord == "IF" || upperWord == "FLATTEN" ||
           upperWord == "REPLACE" || upperWord == "EXCEPT" || upperWord == "OFFSET";
}

constexpr int kListIndent = 7; // select items line up under the first: "SELECT " is 7 wide

class Writer {
public:
    std::string out;

    void format(const std::vector<Tok>& toks) {
        for (std::size_t k = 0; k < toks.size(); ++k) step(toks, k);
        while (!out.empty() && (out.back() == ' ' || out.back() == '\n')) out.pop_back();
        out += '\n';
    }

private:
    struct Level {
        int indent;           ///< clause indentation of this level
        bool subquery;        ///< opened by "(" before SELECT/WITH
        bool inList = false;  ///< in a SELECT list: top-level commas break lines
    };
    std::vector<Level> levels_{{0, true}};
    const Tok* prev_ = nullptr;
    std::string prevUpper_;
    bool lineStart_ = true;
    int caseDepth_ = 0;

    Level& level() { return levels_.back(); }

    void newline(int indent) {
        while (!out.empty() && out.back() == ' ') out.pop_back();
        if (!out.empty() && out.back() != '\n') out += '\n';
        out.append(static_cast<std::size_t>(indent), ' ');
        lineStart_ = true;
    }

    void emit(const std::string& text, bool spaceBefore) {
        if (!lineStart_ && spaceBefore && !out.empty() && out.back() != ' ' && out.back() != '\n') out += ' ';
        out += text;
        lineStart_ = false;
    }

    bool startsClause(const std::string& u, const std::vector<Tok>& toks, std::size_t k) {
        if (!level().subquery) return false; // FROM in EXTRACT(DAY FROM d), ORDER BY in OVER (...)
        auto nextUpper = [&](std::size_t d) {
            for (std::size_t j = k + 1; j < toks.size(); ++j)
                if (toks[j].kind != K::LineComment && toks[j].kind != K::BlockComment) {
                    if (--d == 0) return toks[j].kind == K::Word ? upper(toks[j].text) : std::string();
                }
            return std::string();
        };
        if (u == "SELECT" || u == "FROM" || u == "WHERE" || u == "HAVING" || u == "QUALIFY" || u == "WINDOW" ||
            u == "LIMIT" || u == "UNION" || u == "INTERSECT")
            return true;
        if (u == "JOIN")
            return prevUpper_ != "LEFT" && prevUpper_ != "RIGHT" && prevUpper_ != "FULL" && prevUpper_ != "INNER" &&
                   prevUpper_ != "CROSS" && prevUpper_ != "OUTER";
        if (u == "WITH") // WITH x AS (...) opens a query; UNNEST(a) WITH OFFSET does not
            return !prev_ || prev_->kind == K::Open || prev_->kind == K::Semicolon || prev_->kind == K::LineComment ||
                   prev_->kind == K::BlockComment;
        if (u == "GROUP" || u == "ORDER") return nextUpper(1) == "BY";
        if (u == "EXCEPT") return nextUpper(1) == "DISTINCT" || nextUpper(1) == "ALL";
        if (u == "LEFT" || u == "RIGHT" || u == "FULL" || u == "INNER" || u == "CROSS")
            return nextUpper(1) == "JOIN" || nextUpper(2) == "JOIN";
        return false;
    }

    void step(const std::vector<Tok>& toks, std::size_t k) {
        const Tok& t = toks[k];
        std::string text = t.text;
        std::string u = t.kind == K::Word ? upper(t.text) : std::string();
        const bool keyword = t.kind == K::Word && isKeyword(u) && !(prev_ && prev_->kind == K::Op && prev_->text == ".");
        if (keyword) text = u;
        const bool afterDot = prev_ && prev_->kind == K::Op && prev_->text == ".";

        switch (t.kind) {
        case K::LineComment:
            emit(text, true);
            newline(level().indent + (level().inList ? kListIndent : 0));
            break;
        case K::Semicolon:
            emit(text, false);
            levels_.resize(1);
            levels_[0].inList = false;
            out += "\n\n";
            lineStart_ = true;
            break;
        case K::Comma:
            emit(text, false);
            if (level().inList && caseDepth_ == 0 && angleDepth_ == 0) newline(level().indent + kListIndent);
            break;
        case K::Open: {
            // A subquery: "(" followed by SELECT or WITH.
            std::size_t j = k + 1;
            while (j < toks.size() && (toks[j].kind == K::LineComment || toks[j].kind == K::BlockComment)) ++j;
            const bool sub = t.text == "(" && j < toks.size() && toks[j].kind == K::Word &&
                             (upper(toks[j].text) == "SELECT" || upper(toks[j].text) == "WITH");
            // Glued to what comes before in a call f(x), a subscript a[0] or a typed literal STRUCT<...>(..).
            const bool glued = prev_ && ((prev_->kind == K::Word && (!isKeyword(prevUpper_) || callLike(prevUpper_))) ||
                                         prev_->kind == K::Quoted || prev_->kind == K::Close || closedAngle_);
            emit(text, !glued && !(prev_ && prev_->kind == K::Open));
            const int base = level().indent + (level().inList ? kListIndent : 0);
            levels_.push_back({sub ? base + 2 : level().indent, sub});
            if (!sub) levels_.back().inList = false;
            break;
        }
        case K::Close: {
            const bool sub = levels_.size() > 1 && level().subquery;
            if (levels_.size() > 1) levels_.pop_back();
            if (sub) newline(level().indent + (level().inList ? kListIndent : 0));
            emit(text, false);
            break;
        }
        case K::Op: {
            if (t.text == ".") {
                emit(text, false);
                break;
            }
            // Type parameters: STRUCT<a INT64, b ARRAY<STRING>> stays tight.
            if (t.text == "<" && (prevUpper_ == "STRUCT" || prevUpper_ == "ARRAY")) {
                ++angleDepth_;
                emit(text, false);
                prev_ = &t;
                prevUpper_.clear();
                glueNext_ = true;
                return;
            }
            if ((t.text == ">" || t.text == ">>") && angleDepth_ > 0) {
                angleDepth_ = std::max(0, angleDepth_ - static_cast<int>(t.text.size()));
                emit(text, false);
                prev_ = &t;
                prevUpper_.clear();
                closedAngle_ = angleDepth_ == 0;
                return;
            }
            const bool unary = (t.text == "-" || t.text == "+" || t.text == "~") &&
                               (!prev_ || prev_->kind == K::Op || prev_->kind == K::Open || prev_->kind == K::Comma ||
                                (prev_->kind == K::Word && isKeyword(prevUpper_) && prevUpper_ != "END" && prevUpper_ != "NULL" &&
                                 prevUpper_ != "TRUE" && prevUpper_ != "FALSE"));
            emit(text, !(prev_ && prev_->kind == K::Open));
            if (unary) {
                prev_ = &t;
                prevUpper_.clear();
                // glue the operand: remember to write it without a space
                glueNext_ = true;
                return;
            }
            break;
        }
        default: {
            if (keyword && !afterDot && startsClause(u, toks, k)) {
                level().inList = false;
                if (prev_) newline(level().indent);
                emit(text, true);
                if (u == "SELECT") level().inList = true;
                break;
            }
            if (keyword && u == "CASE") ++caseDepth_;
            if (keyword && u == "END" && caseDepth_ > 0) --caseDepth_;
            const bool glue = glueNext_ || afterDot || (prev_ && prev_->kind == K::Open);
            emit(text, !glue);
            break;
        }
        }
        glueNext_ = false;
        closedAngle_ = false;
        prev_ = &t;
        prevUpper_ = t.kind == K::Word ? u : std::string();
    }

    bool glueNext_ = false;
    bool closedAngle_ = false;
    int angleDepth_ = 0;
};

} // namespace

bool isReservedKeyword(std::string_view upperWord) { return isKeyword(upperWord); }

FormatResult formatSql(std::string_view sql) {
    Scanner sc{sql, 0, {}};
    std::vector<Tok> toks;
    while (sc.next(toks)) {
    }
    if (!sc.error.empty()) return {false, {}, "Cannot format: " + sc.error};
    if (toks.empty()) return {true, std::string(sql), {}};
    Writer w;
    w.format(toks);
    return {true, std::move(w.out), {}};
}

} // namespace quarry
