// SPDX-License-Identifier: MIT
#include "SandboxProcess.h"

#include <fstream>

#include <csignal>
#include <fcntl.h>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

namespace quarry::test {

SandboxProcess::SandboxProcess(std::vector<std::string> extraArgs, std::filesystem::path data,
                               std::filesystem::path stderrFile)
    : args_(std::move(extraArgs)), data_(std::move(data)), stderrFile_(std::move(stderrFile)) {
    if (data_.empty()) {
        std::random_device rd;
        data_ = std::filesystem::temp_directory_path() / ("quarry-sandbox-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
        ownsData_ = true;
    }
    launch();
}

void SandboxProcess::launch() {
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
    std::vector<std::string> argv = {QUARRY_SANDBOX, "--port", "0", "--data", data_.string()};
    argv.insert(argv.end(), args_.begin(), args_.end());
    pid_ = ::fork();
    if (pid_ == 0) {
        ::dup2(out[1], 1);
        if (!stderrFile_.empty()) {
            const int err = ::open(stderrFile_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
            if (err >= 0) ::dup2(err, 2);
        }
        ::close(out[0]);
        ::close(out[1]);
        std::vector<char*> cargs;
        for (auto& a : argv) cargs.push_back(a.data());
        cargs.push_back(nullptr);
        ::execv(cargs[0], cargs.data());
        std::perror("execv quarry-sandbox");
        ::_exit(127);
    }
    ::close(out[1]);
    std::string line;
    char c;
    while (::read(out[0], &c, 1) == 1 && c != '\n') line.push_back(c);
    ::close(out[0]);
    const std::string prefix = "listening on ";
    if (line.rfind(prefix, 0) != 0) {
        stop();
        throw std::runtime_error("quarry-sandbox did not start: '" + line + "'");
    }
    url_ = line.substr(prefix.size());
}

void SandboxProcess::killHard() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
    }
}

int SandboxProcess::stop() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

SandboxProcess::~SandboxProcess() {
    stop();
    if (ownsData_) {
        std::error_code ec;
        std::filesystem::remove_all(data_, ec);
    }
}

long SandboxProcess::peakRssMb() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6)) / 1024;
    return -1;
}

} // namespace quarry::test
