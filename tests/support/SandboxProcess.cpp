// SPDX-License-Identifier: MIT
#include "SandboxProcess.h"

#include "platform/File.h"

#include <fstream>
#include <random>
#include <stdexcept>

namespace quarry::test {

SandboxProcess::SandboxProcess(std::vector<std::string> extraArgs, std::filesystem::path data,
                               std::filesystem::path stderrFile)
    : args_(std::move(extraArgs)), data_(std::move(data)), stderrFile_(std::move(stderrFile)) {
    if (data_.empty()) {
        std::random_device rd;
        data_ = std::filesystem::temp_directory_path() / ("quarry-sandbox-test-" + std::to_string(rd()) + "-" + std::to_string(rd()));
        ownsData_ = true;
    }
    launch();
}

std::string SandboxProcess::grpcAddress() {
    if (!grpcRead_) {
        grpcRead_ = true;
        std::string line;
        if (child_.readLine(line))
            for (const std::string prefix : {"storage API (gRPC) on ", "storage API (gRPC, TLS) on "})
                if (line.rfind(prefix, 0) == 0) grpc_ = line.substr(prefix.size());
    }
    return grpc_;
}

void SandboxProcess::launch() {
    grpcRead_ = false;
    grpc_.clear();
    platform::ChildProcess::Options o;
    o.args = {QUARRY_SANDBOX, "--port", "0", "--data", data_.string()};
    o.args.insert(o.args.end(), args_.begin(), args_.end());
    o.pipeOutput = true;
    o.errorFile = stderrFile_;
    child_ = platform::ChildProcess::start(o);
    if (!child_.started()) throw std::runtime_error("cannot start quarry-sandbox: " + platform::lastErrorText());
    std::string line;
    child_.readLine(line);
    const std::string prefix = "listening on ";
    if (line.rfind(prefix, 0) != 0) {
        stop();
        throw std::runtime_error("quarry-sandbox did not start: '" + line + "'");
    }
    url_ = line.substr(prefix.size());
}

void SandboxProcess::killHard() {
    if (!child_.started()) return;
    child_.kill();
    child_.wait();
    child_ = {};
}

int SandboxProcess::stop() {
    if (!child_.started()) return -1;
    child_.terminate();
    const int code = child_.wait().value_or(-1);
    child_ = {};
    return code;
}

SandboxProcess::~SandboxProcess() {
    stop();
    if (ownsData_) {
        std::error_code ec;
        std::filesystem::remove_all(data_, ec);
    }
}

long SandboxProcess::peakRssMb() const {
    std::ifstream in("/proc/" + std::to_string(child_.id()) + "/status"); // Linux only: -1 elsewhere
    for (std::string line; std::getline(in, line);)
        if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6)) / 1024;
    return -1;
}

} // namespace quarry::test
