// SPDX-License-Identifier: MIT
#pragma once
// RowLog's record framing for readers that index a log without replaying it whole
// (SegmentFile reads a segment file's row groups one at a time):
//   magic "QRL1" | u32 payload length | u32 CRC-32 of the payload | payload   (little-endian)

#include "platform/File.h"

#include <cstdint>
#include <optional>
#include <string>

namespace quarry::sandbox::rowlog {

inline constexpr std::size_t kHeader = 12;
inline constexpr std::uint32_t kMaxRecord = 64u << 20;

/// Where one record's payload is, and the CRC it must have.
struct Frame {
    std::uint64_t offset = 0; ///< of the payload
    std::uint32_t length = 0, crc = 0;
};

/// The frame of the record starting at `at` in a file of `size` bytes, or nullopt when there is
/// no whole record there (a torn tail or damage; the payload's CRC is not checked here).
std::optional<Frame> frameAt(platform::File& f, std::uint64_t at, std::uint64_t size);
/// Reads exactly `n` bytes at `offset`; false when the file is shorter or a read fails.
bool readExactly(platform::File& f, char* into, std::size_t n, std::uint64_t offset);
/// Reads the payload of `frame` into `into` (frame.length bytes) and checks its CRC; throws
/// StorageError naming `file` when it cannot be read or does not match.
void readPayload(platform::File& f, const Frame& frame, char* into, const std::string& file);

} // namespace quarry::sandbox::rowlog
