// SPDX-License-Identifier: MIT
// libFuzzer: a row group as the sandbox reads it from its segment file. The first byte picks
// what the rest is: 'P' a whole payload (format byte, size, zstd frame), anything else a row
// group's body, compressed here so that the decoder's own reading is what gets fuzzed. A body
// that decodes must encode again into a group that decodes to the same rows.
#include "sandbox/Segment.h"

#include <cstdlib>
#include <stdexcept>

using namespace quarry;
using namespace quarry::sandbox;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
    try {
        const RowGroup g = data[0] == 'P' ? decodeRowGroup(in) : decodeRowGroup(packRowGroupBody(in));
        const RowGroup again = decodeRowGroup(encodeRowGroup(g.rows, g.schema, g.nextLog, g.more, g.ids));
        if (again.rows.size() != g.rows.size()) std::abort();
        for (std::size_t i = 0; i < g.rows.size(); ++i)
            if (!(again.rows[i] == g.rows[i])) std::abort();
    } catch (const std::runtime_error&) {
    }
    return 0;
}
