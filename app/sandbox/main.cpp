// SPDX-License-Identifier: MIT
// quarry-sandbox: the local BigQuery-compatible server. The server itself is the Sandbox issue;
// until it lands this executable only answers --version and says so plainly.
#include "quarry/Version.h"

#include <CLI/CLI.hpp>
#include <iostream>

int main(int argc, char** argv) {
    CLI::App app{"quarry-sandbox: a local BigQuery-compatible REST server"};
    app.set_version_flag("--version", std::string("quarry-sandbox ") + quarry::kVersion);
    CLI11_PARSE(app, argc, argv);
    std::cerr << "quarry-sandbox: the server is not built yet in this version\n";
    return 2;
}
