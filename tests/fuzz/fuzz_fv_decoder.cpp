// SPDX-License-Identifier: MIT
// libFuzzer: arbitrary bytes as a getQueryResults/tabledata.list response body.
#include "value/FvCodec.h"

using namespace quarry;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const Schema known = Schema::parse(R"({"fields":[{"name":"a","type":"INTEGER"},
      {"name":"r","type":"RECORD","mode":"REPEATED","fields":[{"name":"t","type":"TIMESTAMP"},{"name":"s","type":"STRING","mode":"REPEATED"}]}]})");
    static FvDecoder decoder(TimestampEncoding::Auto);
    try {
        decoder.decodeResponse(std::string_view(reinterpret_cast<const char*>(data), size), &known);
    } catch (const DecodeError&) {
    }
    return 0;
}
