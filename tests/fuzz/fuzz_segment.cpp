// SPDX-License-Identifier: MIT
// libFuzzer: a row group as the sandbox reads it from its segment file. The first byte picks
// what the rest is: 'P' a whole payload (format byte, size, head, compressed parts), anything else a
// row group's body, compressed here so that the decoder's own reading is what gets fuzzed (and
// again with a byte of the payload changed). A body
// that decodes must encode again into a group that decodes to the same rows; its head must
// say what the rows are (its column statistics included), and a scan of every other column
// must read those columns alike.
#include "sandbox/Segment.h"
#include "sandbox/SegmentStats.h"
#include "sandbox/sql/ValueOps.h"

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

using namespace quarry;
using namespace quarry::sandbox;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
    try {
        const std::string payload = data[0] == 'P' ? std::string(in) : packRowGroupBody(in);
        if (data[0] != 'P' && !in.empty()) {
            // The packed payload damaged where the input says (its table of parts, a part):
            // an error or rows, never a crash, whole or a column at a time.
            std::string bad = payload;
            const std::size_t at = (static_cast<std::uint8_t>(in[0]) * 131u + in.size()) % bad.size();
            bad[at] = static_cast<char>(bad[at] ^ static_cast<char>(in[in.size() / 2] | 1));
            const std::vector<bool> one{false, true};
            for (const auto* w : {static_cast<const std::vector<bool>*>(nullptr), &one}) try {
                    decodeRowGroup(bad, w);
                } catch (const std::runtime_error&) {
                }
        }
        const RowGroup g = decodeRowGroup(payload);
        std::size_t needed = 0;
        if (const auto head = readRowGroupHead(payload, needed); head && (head->rows != g.rows.size() || head->more != g.more || head->nextLog != g.nextLog))
            std::abort();
        std::vector<bool> wanted;
        for (std::size_t c = 0; c < 64; ++c) wanted.push_back(c % 2 == 0);
        const RowGroup some = decodeRowGroup(payload, &wanted);
        if (some.rows.size() != g.rows.size()) std::abort();
        for (std::size_t i = 0; i < g.rows.size(); ++i) {
            const Value& part = some.rows[i];
            if (part.size() > g.rows[i].size()) std::abort(); // a row ends at its last wanted column
            for (std::size_t c = 0; c < g.rows[i].size(); ++c) {
                const bool wantedHere = c < wanted.size() && wanted[c];
                if (wantedHere ? !(c < part.size() && part[c] == g.rows[i][c]) : c < part.size() && !part[c].isNull()) std::abort();
            }
        }
        {
            ValueArena arena; // the scan's way: the same rows, their blocks in the arena
            const RowGroup inArena = decodeRowGroup(payload, &wanted, &arena);
            if (inArena.rows.size() != some.rows.size()) std::abort();
            for (std::size_t i = 0; i < some.rows.size(); ++i)
                if (!(inArena.rows[i] == some.rows[i])) std::abort();
        }
        const std::string encoded = encodeRowGroup(g.rows, g.schema, g.nextLog, g.more, g.ids);
        const RowGroup again = decodeRowGroup(encoded);
        if (again.rows.size() != g.rows.size()) std::abort();
        for (std::size_t i = 0; i < g.rows.size(); ++i)
            if (!(again.rows[i] == g.rows[i])) std::abort();
        // Its statistics hold for its rows: the NULLs counted, every other value within bounds.
        const auto head = readRowGroupHead(encoded, needed);
        if (!head) std::abort();
        for (std::size_t c = 0; c < head->stats.size(); ++c) {
            const auto& s = head->stats[c];
            std::uint64_t nulls = 0, memory = 0;
            for (const auto& row : g.rows) {
                const Value& v = c < row.size() ? row[c] : Value();
                memory += valueMemory(v);
                if (v.isNull()) ++nulls;
                else if (s.min && (v.kind() != s.min->kind() || sql::compareValues(v, *s.min) < 0 || sql::compareValues(v, *s.max) > 0))
                    std::abort();
            }
            if (nulls != s.nulls || memory != s.memory) std::abort();
        }
    } catch (const std::runtime_error&) {
    }
    return 0;
}
