// SPDX-License-Identifier: MIT
#include "query/SqlTokens.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

namespace quarry {
namespace {

using K = SqlTokenKind;

bool isWordStart(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }
bool isWordChar(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }

struct Scanner {
    std::string_view s;
    std::size_t i = 0;
    SqlTokens& out;

    bool fail(const char* what, std::size_t at) {
        const auto p = sqlPosition(s, at);
        out.error = std::string(what) + " at [" + std::to_string(p.line) + ":" + std::to_string(p.col) + "]";
        out.errorOffset = at;
        return false;
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
        return fail("unterminated string", start);
    }

    bool next() {
        while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
        if (i >= s.size()) return false;
        const std::size_t start = i;
        const auto c = static_cast<unsigned char>(s[i]);
        auto push = [&](K k) { out.tokens.push_back({k, std::string(s.substr(start, i - start)), start}); };
        if ((c == '-' && i + 1 < s.size() && s[i + 1] == '-') || c == '#') {
            while (i < s.size() && s[i] != '\n') ++i;
            push(K::LineComment);
            auto& text = out.tokens.back().text;
            while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
            return true;
        }
        if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
            const auto end = s.find("*/", i + 2);
            if (end == std::string_view::npos) return fail("unterminated comment", start);
            i = end + 2;
            push(K::BlockComment);
            return true;
        }
        if (c == '`') {
            const auto end = s.find('`', i + 1);
            if (end == std::string_view::npos) return fail("unterminated quoted name", start);
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

} // namespace

SqlTokens tokenizeSql(std::string_view sql) {
    SqlTokens out;
    Scanner sc{sql, 0, out};
    while (sc.next()) {
    }
    return out;
}

SqlPosition sqlPosition(std::string_view sql, std::size_t offset) {
    SqlPosition p;
    for (std::size_t k = 0; k < offset && k < sql.size(); ++k) {
        if (sql[k] == '\n') ++p.line, p.col = 1;
        else if ((static_cast<unsigned char>(sql[k]) & 0xC0) != 0x80) ++p.col;
    }
    return p;
}

} // namespace quarry
