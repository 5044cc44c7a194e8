// SPDX-License-Identifier: MIT
#pragma once

class QApplication;

namespace quarry {

/// What the app and the tools that drive it set up before the first window: names and
/// version (settings and data folders follow them), the window icon at every size, and the
/// colour scheme that follows the desktop's.
void setUpApplication(QApplication& app);

} // namespace quarry
