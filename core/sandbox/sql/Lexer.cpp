// SPDX-License-Identifier: MIT
#include "sandbox/sql/Lexer.h"

#include "value/Text.h"

#include <cctype>
#include <cstdint>
#include <cstdio>

namespace quarry::sandbox::sql {

bool Token::kw(std::string_view word) const {
    if (kind != Tok::Ident || text.size() != word.size()) return false;
    for (std::size_t i = 0; i < word.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(text[i])) != word[i]) return false;
    return true;
}

namespace {

class Lexer {
public:
    explicit Lexer(std::string_view s) : s_(s) {}

    std::vector<Token> run() {
        checkUtf8();
        std::vector<Token> out;
        while (true) {
            skipSpace();
            Token t;
            t.pos = pos();
            t.offset = i_;
            if (i_ >= s_.size()) {
                t.kind = Tok::End;
                out.push_back(t);
                return out;
            }
            const char c = s_[i_];
            const char n = i_ + 1 < s_.size() ? s_[i_ + 1] : '\0';
            if ((c == 'r' || c == 'R' || c == 'b' || c == 'B') && (n == '\'' || n == '"' ||
                ((n == 'r' || n == 'R' || n == 'b' || n == 'B') && i_ + 2 < s_.size() && (s_[i_ + 2] == '\'' || s_[i_ + 2] == '"')))) {
                bool raw = false, bytes = false;
                while (s_[i_] != '\'' && s_[i_] != '"') {
                    const char p = static_cast<char>(std::tolower(static_cast<unsigned char>(s_[i_])));
                    raw = raw || p == 'r';
                    bytes = bytes || p == 'b';
                    advance();
                }
                t.kind = bytes ? Tok::Bytes : Tok::String;
                t.text = quoted(raw, bytes, t.pos);
            } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
                t.kind = Tok::Ident;
                while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_'))
                    t.text.push_back(advance());
            } else if (std::isdigit(static_cast<unsigned char>(c)) || (c == '.' && std::isdigit(static_cast<unsigned char>(n)))) {
                number(t);
            } else if (c == '`') {
                t.kind = Tok::QuotedIdent;
                advance();
                while (true) {
                    if (i_ >= s_.size()) throw SqlError("Syntax error: Unclosed identifier literal", t.pos);
                    const char d = advance();
                    if (d == '`') break;
                    if (d == '\\' && i_ < s_.size()) {
                        t.text.push_back(advance());
                        continue;
                    }
                    t.text.push_back(d);
                }
                if (t.text.empty()) throw SqlError("Syntax error: Invalid empty identifier", t.pos);
            } else if (c == '\'' || c == '"') {
                t.kind = Tok::String;
                t.text = quoted(false, false, t.pos);
            } else if (c == '@' && n == '@') { // @@time_zone: a system variable
                advance();
                advance();
                t.kind = Tok::SystemVariable;
                while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_' || s_[i_] == '.'))
                    t.text.push_back(advance());
                if (t.text.empty()) throw SqlError("Syntax error: Expected a system variable name after @@", t.pos);
            } else if (c == '@' && n != '@') {
                advance();
                t.kind = Tok::Param;
                if (i_ < s_.size() && s_[i_] == '`') {
                    advance();
                    while (i_ < s_.size() && s_[i_] != '`') t.text.push_back(advance());
                    if (i_ >= s_.size()) throw SqlError("Syntax error: Unclosed identifier literal", t.pos);
                    advance();
                } else {
                    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_'))
                        t.text.push_back(advance());
                }
                if (t.text.empty()) throw SqlError("Syntax error: Expected parameter name after @", t.pos);
            } else if (c == '?') {
                advance();
                t.kind = Tok::Question;
            } else {
                t.kind = Tok::Op;
                static const char* two[] = {"<=", ">=", "<>", "!=", "||", "<<", ">>"};
                for (const char* op : two)
                    if (c == op[0] && n == op[1]) {
                        t.text = op;
                        advance();
                        advance();
                        break;
                    }
                if (t.text.empty()) {
                    if (std::string_view("+-*/%=<>(),.[];~&|^:").find(c) == std::string_view::npos)
                        throw SqlError(std::string("Syntax error: Illegal input character \"") + c + "\"", t.pos);
                    t.text = std::string(1, advance());
                }
            }
            out.push_back(std::move(t));
        }
    }

private:
    Pos pos() const { return {line_, col_}; }

    /// BigQuery takes query text as UTF-8 only; a stray byte is refused at its position
    /// before anything else looks at the text.
    void checkUtf8() {
        int line = 1, col = 1;
        for (std::size_t i = 0; i < s_.size();) {
            const auto b = static_cast<unsigned char>(s_[i]);
            const std::size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
            bool ok = n != 0 && i + n <= s_.size();
            std::uint32_t cp = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
            for (std::size_t k = 1; ok && k < n; ++k) {
                const auto c = static_cast<unsigned char>(s_[i + k]);
                ok = (c & 0xC0) == 0x80;
                cp = (cp << 6) | (c & 0x3F);
            }
            static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
            if (ok && (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) ok = false;
            if (!ok) {
                char hex[8];
                std::snprintf(hex, sizeof hex, "0x%02X", b);
                throw SqlError(std::string("Syntax error: The query is not valid UTF-8 (byte ") + hex +
                                   "); save it as UTF-8 or write the character as an escape such as \\u00e9",
                               {line, col});
            }
            if (b == '\n') {
                ++line;
                col = 1;
            } else {
                ++col;
            }
            i += n;
        }
    }

    /// Reads exactly `count` digits of `base` for an escape, or refuses the escape at `ep`.
    std::uint32_t escapeDigits(int count, int base, char e, Pos ep) {
        std::uint32_t v = 0;
        for (int k = 0; k < count; ++k) {
            const char d = i_ < s_.size() ? s_[i_] : '\0';
            const bool ok = base == 8 ? (d >= '0' && d <= '7') : std::isxdigit(static_cast<unsigned char>(d)) != 0;
            if (!ok) throw SqlError(std::string("Syntax error: Illegal escape sequence: \\") + e, ep);
            advance();
            v = v * static_cast<std::uint32_t>(base) +
                static_cast<std::uint32_t>(std::isdigit(static_cast<unsigned char>(d)) ? d - '0' : std::tolower(d) - 'a' + 10);
        }
        return v;
    }

    char advance() {
        const char c = s_[i_++];
        if (c == '\n') {
            ++line_;
            col_ = 1;
        } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
            ++col_;
        }
        return c;
    }

    void skipSpace() {
        while (i_ < s_.size()) {
            const char c = s_[i_];
            if (std::isspace(static_cast<unsigned char>(c))) {
                advance();
            } else if (c == '#' || (c == '-' && i_ + 1 < s_.size() && s_[i_ + 1] == '-')) {
                while (i_ < s_.size() && s_[i_] != '\n') advance();
            } else if (c == '/' && i_ + 1 < s_.size() && s_[i_ + 1] == '*') {
                const Pos start = pos();
                advance();
                advance();
                while (i_ + 1 < s_.size() && !(s_[i_] == '*' && s_[i_ + 1] == '/')) advance();
                if (i_ + 1 >= s_.size()) throw SqlError("Syntax error: Unclosed comment", start);
                advance();
                advance();
            } else {
                break;
            }
        }
    }

    void number(Token& t) {
        bool isFloat = false;
        if (s_[i_] == '0' && i_ + 1 < s_.size() && (s_[i_ + 1] == 'x' || s_[i_ + 1] == 'X')) {
            t.text.push_back(advance());
            t.text.push_back(advance());
            while (i_ < s_.size() && std::isxdigit(static_cast<unsigned char>(s_[i_]))) t.text.push_back(advance());
            t.kind = Tok::Int;
            return;
        }
        while (i_ < s_.size()) {
            const char c = s_[i_];
            if (std::isdigit(static_cast<unsigned char>(c))) {
                t.text.push_back(advance());
            } else if (c == '.' && !isFloat) {
                isFloat = true;
                t.text.push_back(advance());
            } else if ((c == 'e' || c == 'E') && i_ + 1 < s_.size() &&
                       (std::isdigit(static_cast<unsigned char>(s_[i_ + 1])) ||
                        ((s_[i_ + 1] == '+' || s_[i_ + 1] == '-') && i_ + 2 < s_.size() &&
                         std::isdigit(static_cast<unsigned char>(s_[i_ + 2]))))) {
                isFloat = true;
                t.text.push_back(advance());
                t.text.push_back(advance());
            } else {
                break;
            }
        }
        if (i_ < s_.size() && (std::isalpha(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_'))
            throw SqlError("Syntax error: Missing whitespace between literal and alias", pos());
        t.kind = isFloat ? Tok::Float : Tok::Int;
    }

    /// A quoted literal's decoded text. Escapes follow GoogleSQL: \xHH and \ooo are one
    /// character in a STRING and one byte in BYTES; \uXXXX and \UXXXXXXXX are STRING only.
    std::string quoted(bool raw, bool bytes, Pos start) {
        const char q = s_[i_];
        const bool triple = i_ + 2 < s_.size() && s_[i_ + 1] == q && s_[i_ + 2] == q;
        advance();
        if (triple) {
            advance();
            advance();
        }
        std::string out;
        while (true) {
            if (i_ >= s_.size()) throw SqlError("Syntax error: Unclosed string literal", start);
            const char c = s_[i_];
            if (triple) {
                if (c == q && i_ + 2 < s_.size() && s_[i_ + 1] == q && s_[i_ + 2] == q) {
                    advance();
                    advance();
                    advance();
                    return out;
                }
            } else {
                if (c == q) {
                    advance();
                    return out;
                }
                if (c == '\n') throw SqlError("Syntax error: Unclosed string literal", start);
            }
            if (c == '\\' && !raw) {
                advance();
                if (i_ >= s_.size()) throw SqlError("Syntax error: Unclosed string literal", start);
                const Pos ep = pos();
                const char e = advance();
                switch (e) {
                case 'n': out.push_back('\n'); break;
                case 't': out.push_back('\t'); break;
                case 'r': out.push_back('\r'); break;
                case 'b': out.push_back('\b'); break;
                case 'f': out.push_back('\f'); break;
                case 'v': out.push_back('\v'); break;
                case 'a': out.push_back('\a'); break;
                case '\\': case '\'': case '"': case '`': case '?': out.push_back(e); break;
                case 'x': case 'X': case '0': case '1': case '2': case '3': {
                    std::uint32_t v = 0;
                    if (e == 'x' || e == 'X') {
                        v = escapeDigits(2, 16, e, ep);
                    } else {
                        --i_; // the first octal digit is part of the three
                        --col_;
                        v = escapeDigits(3, 8, e, ep);
                    }
                    if (bytes) out.push_back(static_cast<char>(v));
                    else text::appendUtf8(out, v);
                    break;
                }
                case 'u': case 'U': {
                    if (bytes) throw SqlError(std::string("Syntax error: Illegal escape sequence: \\") + e + " in a BYTES literal", ep);
                    const std::uint32_t v = escapeDigits(e == 'u' ? 4 : 8, 16, e, ep);
                    if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
                        throw SqlError("Syntax error: Illegal escape sequence: not a Unicode code point", ep);
                    text::appendUtf8(out, v);
                    break;
                }
                default: throw SqlError(std::string("Syntax error: Illegal escape sequence: \\") + e, ep);
                }
                continue;
            }
            out.push_back(advance());
        }
    }

    std::string_view s_;
    std::size_t i_ = 0;
    int line_ = 1, col_ = 1;
};

} // namespace

std::vector<Token> lex(std::string_view sql) { return Lexer(sql).run(); }

} // namespace quarry::sandbox::sql
