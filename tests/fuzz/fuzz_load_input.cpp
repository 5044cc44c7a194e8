// SPDX-License-Identifier: MIT
// libFuzzer: arbitrary bytes through the load path's parsers: as a CSV file (the first byte
// picks delimiter, quoting, line breaks in quotes and Latin-1), as a Content-Range header, and
// as a multipart/related upload body. Nothing may crash; every CSV row is either fields of
// valid UTF-8 or an error, its line never before the previous row's; a multipart body is split
// or refused with ApiFailure.
#include "sandbox/ApiFailure.h"
#include "sandbox/Uploads.h"
#include "upload/CsvReader.h"
#include "upload/RecordReader.h"
#include "value/Text.h"
#include "platform/File.h"
#include "platform/System.h"

#include <filesystem>
#include <string>

using namespace quarry;
using namespace quarry::upload;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t mode = data[0];
    const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
    static std::filesystem::path scratchPath;
    static quarry::platform::File scratch = quarry::platform::File::scratch("fuzz-load", scratchPath);
    if (!scratch.isOpen() || !scratch.truncate(0) || !scratch.writeAllAt(bytes, 0)) return 0;
    const std::string path = scratchPath.string();

    CsvOptions o;
    o.delimiter = (mode & 1) ? '\t' : ',';
    if (mode & 2) o.quote.reset();
    o.allowQuotedNewlines = (mode & 4) != 0;
    o.latin1 = (mode & 8) != 0;
    o.maxRecordBytes = (mode & 16) ? 32 : 1u << 20;
    try {
        CsvReader reader(path, o);
        CsvRecord rec;
        std::uint64_t lastLine = 0;
        while (reader.next(rec)) {
            if (rec.line < lastLine) __builtin_trap();
            lastLine = rec.line;
            if (!rec.error.empty()) continue;
            if (rec.fields.size() != rec.quoted.size()) __builtin_trap();
            for (const auto& f : rec.fields)
                if (!text::isValidUtf8(f)) __builtin_trap();
        }
    } catch (const InputError&) { // a corrupt gzip stream
    }

    try {
        (void)sandbox::Uploads::parseRange(bytes.substr(0, 80), bytes.size());
    } catch (const sandbox::ApiFailure&) {
    }

    static const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("quarry-fuzz-load-" + std::to_string(quarry::platform::processId()));
    static sandbox::Uploads uploads(dir);
    const auto out = dir / "data";
    try {
        (void)uploads.splitMultipart(path, "multipart/related; boundary=" + std::string((mode & 32) ? "\"b\"" : "b"), out);
    } catch (const sandbox::ApiFailure&) {
    }
    std::error_code ec;
    std::filesystem::remove(out, ec);
    return 0;
}
