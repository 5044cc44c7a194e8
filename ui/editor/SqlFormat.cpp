// SPDX-License-Identifier: MIT
#include "SqlFormat.h"

#include "query/SqlTokens.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <vector>

namespace quarry {
namespace {

using K = SqlTokenKind;
using Tok = SqlToken;

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

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
    auto scanned = tokenizeSql(sql);
    if (!scanned.ok()) return {false, {}, "Cannot format: " + scanned.error};
    const std::vector<Tok>& toks = scanned.tokens;
    if (toks.empty()) return {true, std::string(sql), {}};
    Writer w;
    w.format(toks);
    return {true, std::move(w.out), {}};
}

} // namespace quarry
