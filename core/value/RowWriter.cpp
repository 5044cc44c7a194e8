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

RowFormatter::RowFormatter(RowFormat format, Schema schema) : format_(format), schema_(std::move(schema)) {
    rowField_.type = TypeKind::Struct;
    rowField_.fields = schema_.fields;
}

void RowFormatter::append(std::string& out, std::span<const Value> rows, std::uint64_t rowsBefore) const {
    for (const Value& row : rows) {
        switch (format_) {
        case RowFormat::NdJson:
            appendJsonValue(out, row, rowField_);
            out += '\n';
            break;
        case RowFormat::JsonArray:
            out += rowsBefore ? ",\n" : "\n";
            appendJsonValue(out, row, rowField_);
            break;
        case RowFormat::Csv: {
            const auto items = row.items();
            for (std::size_t i = 0; i < schema_.fields.size(); ++i) {
                if (i) out += ',';
                if (i >= items.size() || items[i].isNull()) continue;
                const Field& f = schema_.fields[i];
                const auto kind = items[i].kind();
                if (f.isRecord() || f.isRepeated()) {
                    std::string json;
                    appendJsonCell(json, items[i], f);
                    appendCsvField(out, json);
                } else if (items[i].isText() && kind != ValueKind::Bytes) {
                    appendCsvField(out, items[i].asText()); // displayCell's text, without a copy
                } else {
                    appendCsvField(out, displayCell(items[i], f));
                }
            }
            out += "\r\n";
            break;
        }
        }
        ++rowsBefore;
    }
}

RowWriter::RowWriter(std::ostream& out, RowFormat format, Schema schema) : out_(out), formatter_(format, std::move(schema)) {}

void RowWriter::begin() {
    begun_ = true;
    if (formatter_.format() == RowFormat::JsonArray) {
        out_ << '[';
    } else if (formatter_.format() == RowFormat::Csv) {
        std::string line;
        const auto& fields = formatter_.schema().fields;
        for (std::size_t i = 0; i < fields.size(); ++i) {
            if (i) line += ',';
            appendCsvField(line, fields[i].name);
        }
        out_ << line << "\r\n";
    }
}

void RowWriter::write(std::span<const Value> rows) {
    if (!begun_) begin();
    buf_.clear();
    formatter_.append(buf_, rows, rows_);
    rows_ += rows.size();
    out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
}

void RowWriter::writeFormatted(std::string_view text, std::uint64_t count) {
    if (!begun_) begin();
    if (rows_ == 0 && formatter_.format() == RowFormat::JsonArray && text.starts_with(',')) text.remove_prefix(1);
    rows_ += count;
    out_.write(text.data(), static_cast<std::streamsize>(text.size()));
}

void RowWriter::finish() {
    if (finished_) return;
    if (!begun_) begin();
    finished_ = true;
    if (formatter_.format() == RowFormat::JsonArray) out_ << (rows_ ? "\n]\n" : "]\n");
    out_.flush();
}

} // namespace quarry
