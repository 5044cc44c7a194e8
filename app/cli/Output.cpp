// SPDX-License-Identifier: MIT
#include "Output.h"

#include "value/Display.h"
#include "value/Text.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <ostream>

namespace quarry::cli {
namespace {

std::size_t displayWidth(std::string_view s) {
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

std::string clip(const std::string& s, std::size_t max) {
    if (displayWidth(s) <= max) return s;
    std::string out;
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if ((c & 0xC0) != 0x80 && ++n > max - 1) break;
        out.push_back(s[i]);
    }
    return out + "\xE2\x80\xA6"; // …
}

std::string oneLine(std::string s) {
    for (auto& c : s)
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    return s;
}

std::string csvField(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
    }
    return out + "\"";
}

void printTable(std::ostream& os, const Grid& g) {
    constexpr std::size_t kMaxWidth = 60;
    std::vector<std::size_t> w(g.header.size(), 0);
    for (std::size_t i = 0; i < g.header.size(); ++i) w[i] = displayWidth(g.header[i]);
    std::vector<std::vector<std::string>> cells;
    cells.reserve(g.rows.size());
    for (const auto& r : g.rows) {
        std::vector<std::string> line;
        for (std::size_t i = 0; i < g.header.size(); ++i) {
            line.push_back(clip(oneLine(i < r.size() ? r[i] : std::string()), kMaxWidth));
            w[i] = std::max(w[i], displayWidth(line.back()));
        }
        cells.push_back(std::move(line));
    }
    auto rule = [&] {
        os << '+';
        for (auto x : w) os << std::string(x + 2, '-') << '+';
        os << '\n';
    };
    auto line = [&](const std::vector<std::string>& r) {
        os << '|';
        for (std::size_t i = 0; i < w.size(); ++i)
            os << ' ' << r[i] << std::string(w[i] - displayWidth(r[i]), ' ') << " |";
        os << '\n';
    };
    rule();
    line(g.header);
    rule();
    for (const auto& r : cells) line(r);
    rule();
}

struct TreeLine {
    std::string name, type, mode, description;
};

void collectTree(std::vector<TreeLine>& out, const std::vector<Field>& fs, std::size_t indent) {
    for (const auto& f : fs) {
        std::string type(legacyTypeName(f.type));
        if (f.type == TypeKind::Range) type += "<" + std::string(legacyTypeName(f.rangeElement)) + ">";
        out.push_back({std::string(indent * 2, ' ') + f.name, type, std::string(modeName(f.mode)),
                       oneLine(f.description)});
        if (f.isRecord()) collectTree(out, f.fields, indent + 1);
    }
}

} // namespace

bool parseFormat(const std::string& s, Format& out) {
    if (s == "table") out = Format::Table;
    else if (s == "json") out = Format::Json;
    else if (s == "ndjson") out = Format::NdJson;
    else if (s == "csv") out = Format::Csv;
    else return false;
    return true;
}

void printGrid(std::ostream& os, const Grid& g, Format f) {
    switch (f) {
    case Format::Table: printTable(os, g); return;
    case Format::Csv:
        for (std::size_t i = 0; i < g.header.size(); ++i) os << (i ? "," : "") << csvField(g.header[i]);
        os << "\r\n";
        for (const auto& r : g.rows) {
            for (std::size_t i = 0; i < r.size(); ++i) os << (i ? "," : "") << csvField(r[i]);
            os << "\r\n";
        }
        return;
    case Format::Json:
    case Format::NdJson: {
        const bool nd = f == Format::NdJson;
        if (!nd) os << '[';
        for (std::size_t k = 0; k < g.rows.size(); ++k) {
            std::string o = "{";
            for (std::size_t i = 0; i < g.header.size() && i < g.rows[k].size(); ++i) {
                if (i) o.push_back(',');
                text::appendJsonString(o, g.header[i]);
                o.push_back(':');
                text::appendJsonString(o, g.rows[k][i]);
            }
            o.push_back('}');
            os << (nd ? "" : (k ? "," : "")) << o << (nd ? "\n" : "");
        }
        if (!nd) os << "]\n";
        return;
    }
    }
}

void printRows(std::ostream& os, const RowPage& page, Format f) {
    const auto& fields = page.schema.fields;
    if (f == Format::Json || f == Format::NdJson) {
        Field rowField;
        rowField.type = TypeKind::Struct;
        rowField.fields = fields;
        if (f == Format::Json) os << '[';
        for (std::size_t k = 0; k < page.rows.size(); ++k) {
            std::string o;
            appendJsonValue(o, page.rows[k], rowField);
            if (f == Format::Json) os << (k ? "," : "") << o;
            else os << o << '\n';
        }
        if (f == Format::Json) os << "]\n";
        return;
    }
    Grid g;
    for (const auto& fl : fields) g.header.push_back(fl.name);
    for (const auto& r : page.rows) {
        std::vector<std::string> line;
        const auto items = r.items();
        for (std::size_t i = 0; i < fields.size(); ++i)
            line.push_back(i < items.size() ? displayCell(items[i], fields[i]) : std::string());
        g.rows.push_back(std::move(line));
    }
    printGrid(os, g, f);
}

void printSchemaTree(std::ostream& os, const Schema& s) {
    std::vector<TreeLine> lines;
    collectTree(lines, s.fields, 0);
    std::size_t nameW = 0, typeW = 0;
    for (const auto& l : lines) {
        nameW = std::max(nameW, displayWidth(l.name));
        typeW = std::max(typeW, l.type.size());
    }
    for (const auto& l : lines) {
        os << l.name << std::string(nameW - displayWidth(l.name) + 2, ' ') << l.type
           << std::string(typeW - l.type.size() + 2, ' ') << l.mode;
        if (!l.description.empty()) os << "  -- " << l.description;
        os << '\n';
    }
}

std::string timeText(const std::string& epochMs, Format f) {
    std::int64_t ms = 0;
    const auto* end = epochMs.data() + epochMs.size();
    if (epochMs.empty() || std::from_chars(epochMs.data(), end, ms).ptr != end) return epochMs;
    const std::time_t secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    std::tm tm{};
    if (!localtime_r(&secs, &tm)) return epochMs;
    char buf[64];
    if (f == Format::Table) {
        std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
        return buf;
    }
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    const long offset = tm.tm_gmtoff; // seconds east of UTC
    const long a = offset < 0 ? -offset : offset;
    char tail[32];
    std::snprintf(tail, sizeof tail, ".%03d%c%02ld:%02ld", static_cast<int>(((ms % 1000) + 1000) % 1000), offset < 0 ? '-' : '+',
                  a / 3600, (a % 3600) / 60);
    return std::string(buf) + tail;
}

} // namespace quarry::cli
