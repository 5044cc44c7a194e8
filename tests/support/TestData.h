// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace quarry::test {

std::filesystem::path dataDir();
std::string readFile(const std::filesystem::path& p);
/// Sub-folders of tests/data/<rel>, sorted by name: one test case each.
std::vector<std::string> caseFolders(const std::string& rel);

} // namespace quarry::test
