// SPDX-License-Identifier: MIT
#pragma once

#include <QIcon>

/// The toolbar's icons, drawn as vector paths at whatever size and device pixel ratio they
/// are asked for (sharp on high-DPI screens) in colours that read on light and dark palettes.
namespace quarry::icons {

enum class Kind { Run, Stop, Refresh, NewTab };

QIcon icon(Kind kind);

} // namespace quarry::icons
