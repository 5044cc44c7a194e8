// SPDX-License-Identifier: MIT
#include "TestData.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace quarry::test {

std::filesystem::path dataDir() { return QUARRY_TEST_DATA_DIR; }

std::string readFile(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + p.string());
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string> caseFolders(const std::string& rel) {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dataDir() / rel))
        if (e.is_directory()) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace quarry::test
