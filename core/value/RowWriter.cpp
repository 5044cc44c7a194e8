// SPDX-License-Identifier: MIT
#include "value/RowWriter.h"

#include "value/Display.h"

#include <algorithm>
#include <cctype>

namespace quarry {
namespace {

void appendCsvField(std::string& out, std::string_view s) {
    if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
        out += s;
        return;
    }
    out += '"';
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

} // namespace

std::optional<RowFormat> parseRowFormat(std::string_view name) {
    const std::string n = lower(name);
    if (n == "csv") return RowFormat::Csv;
    if (n == "ndjson" || n == "jsonl") return RowFormat::NdJson;
    if (n == "json") return RowFormat::JsonArray;
    return std::nullopt;
}

std::optional<RowFormat> rowFormatForPath(std::string_view path) {
    const auto dot = path.rfind('.');
    const auto slash = path.find_last_of("/\\");
    if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return std::nullopt;
    return parseRowFormat(path.substr(dot + 1));
}

std::string_view rowFormatName(RowFormat f) {
    switch (f) {
    case RowFormat::Csv: return "csv";
    case RowFormat::NdJson: return "ndjson";
    case RowFormat::JsonArray: return "json";
    }
    return "";
}

RowWriter::RowWriter(std::ostream& out, RowFormat format, Schema schema)
    : out_(out), format_(format), schema_(std::move(schema)) {
    rowField_.type = TypeKind::Struct;
    rowField_.fields = schema_.fields;
}

void RowWriter::begin() {
    begun_ = true;
    if (format_ == RowFormat::JsonArray) {
        out_ << '[';
    } else if (format_ == RowFormat::Csv) {
        std::string line;
        for (std::size_t i = 0; i < schema_.fields.size(); ++i) {
            if (i) line += ',';
            appendCsvField(line, schema_.fields[i].name);
        }
        out_ << line << "\r\n";
    }
}

void RowWriter::write(std::span<const Value> rows) {
    if (!begun_) begin();
    buf_.clear();
    for (const Value& row : rows) {
        switch (format_) {
        case RowFormat::NdJson:
            appendJsonValue(buf_, row, rowField_);
            buf_ += '\n';
            break;
        case RowFormat::JsonArray:
            buf_ += rows_ ? ",\n" : "\n";
            appendJsonValue(buf_, row, rowField_);
            break;
        case RowFormat::Csv: {
            const auto items = row.items();
            for (std::size_t i = 0; i < schema_.fields.size(); ++i) {
                if (i) buf_ += ',';
                if (i >= items.size() || items[i].isNull()) continue;
                const Field& f = schema_.fields[i];
                if (f.isRecord() || f.isRepeated()) {
                    std::string json;
                    appendJsonCell(json, items[i], f);
                    appendCsvField(buf_, json);
                } else {
                    appendCsvField(buf_, displayCell(items[i], f));
                }
            }
            buf_ += "\r\n";
            break;
        }
        }
        ++rows_;
    }
    out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
}

void RowWriter::finish() {
    if (finished_) return;
    if (!begun_) begin();
    finished_ = true;
    if (format_ == RowFormat::JsonArray) out_ << (rows_ ? "\n]\n" : "]\n");
    out_.flush();
}

} // namespace quarry
