// SPDX-License-Identifier: MIT
#pragma once

#include <QPalette>

class QObject;

/// Light and dark: the app follows the desktop's preference. QUARRY_THEME=light or dark
/// decides instead. On Linux the preference comes from the XDG desktop portal
/// (org.freedesktop.appearance color-scheme, asked asynchronously and followed when it
/// changes); elsewhere the platform's own palette is kept.
namespace quarry::theme {

enum class Scheme { Light, Dark };

bool isDark(const QPalette& p);
QPalette darkPalette();
/// Sets the application's palette (Fusion style for dark, so every widget honours it).
void apply(Scheme scheme);
/// Applies QUARRY_THEME if set, else starts following the desktop. Never blocks.
void followSystem(QObject* context);

} // namespace quarry::theme
