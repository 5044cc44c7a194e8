// SPDX-License-Identifier: MIT
#pragma once
// Where Quarry keeps a user's files, by the platform's rules, one answer for the app, the CLI
// and the sandbox (so that the app's sandbox and one started by hand share a data folder).

#include <filesystem>

namespace quarry::platform {

/// Data (query history, the sandbox's tables): $XDG_DATA_HOME/quarry, else
/// ~/.local/share/quarry (Linux); ~/Library/Application Support/Quarry (macOS);
/// %LOCALAPPDATA%\Quarry (Windows: what Qt's GenericDataLocation holds). When none of those
/// can be told, a "quarry-data" folder in the current one.
std::filesystem::path dataFolder();
/// State that may be lost without harm to the data (upload journals): $XDG_STATE_HOME/quarry,
/// else ~/.local/state/quarry (Linux); dataFolder() elsewhere.
std::filesystem::path stateFolder();

} // namespace quarry::platform
