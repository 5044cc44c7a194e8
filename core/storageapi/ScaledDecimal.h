// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace quarry::storageapi {

/// NUMERIC and BIGNUMERIC as the Storage APIs carry them: the value times 10^scale as a
/// little-endian two's complement integer (the Write API's BigDecimalByteStringEncoder bytes,
/// Arrow's Decimal128/Decimal256 values).

/// The bytes' value as plain decimal text with at most `scale` fraction digits (trailing zeros
/// dropped). nullopt for no bytes or more than 32.
std::optional<std::string> scaledBytesText(std::string_view raw, int scale);
/// Plain decimal text ("-12.5", ".5", "7") as `width` bytes (16 or 32) at `scale`. nullopt when
/// it is not such text, has more than `scale` fraction digits or does not fit.
std::optional<std::string> scaledBytes(std::string_view decimal, int scale, int width);

} // namespace quarry::storageapi
