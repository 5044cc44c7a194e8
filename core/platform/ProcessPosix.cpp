// SPDX-License-Identifier: MIT
// Process.h on Linux and macOS.
#include "platform/Process.h"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <string_view>
#include <unistd.h>

extern char** environ;

namespace quarry::platform {
namespace {

std::optional<int> codeOf(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return -1;
}

} // namespace

ChildProcess ChildProcess::start(const Options& o) {
    ChildProcess c;
    if (o.args.empty()) {
        errno = EINVAL;
        return c;
    }
    int pipe[2] = {-1, -1};
    if (o.pipeOutput && ::pipe(pipe) != 0) return c;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (o.pipeOutput) {
        posix_spawn_file_actions_adddup2(&fa, pipe[1], 1);
        posix_spawn_file_actions_addclose(&fa, pipe[0]);
        posix_spawn_file_actions_addclose(&fa, pipe[1]);
    } else if (!o.outputFile.empty()) {
        posix_spawn_file_actions_addopen(&fa, 1, o.outputFile.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    }
    if (o.errorToOutput) posix_spawn_file_actions_adddup2(&fa, 1, 2);
    else if (!o.errorFile.empty()) posix_spawn_file_actions_addopen(&fa, 2, o.errorFile.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    std::vector<std::string> args = o.args, env = o.environment;
    if (o.addToParentEnvironment && !env.empty()) {
        const auto named = [&](const char* entry) {
            const std::string_view e(entry);
            for (const auto& mine : o.environment)
                if (e.substr(0, e.find('=') + 1) == std::string_view(mine).substr(0, mine.find('=') + 1)) return true;
            return false;
        };
        for (char** e = environ; *e; ++e)
            if (!named(*e)) env.emplace_back(*e);
    }
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), env.empty() ? environ : envp.data());
    posix_spawn_file_actions_destroy(&fa);
    if (o.pipeOutput) {
        ::close(pipe[1]);
        if (rc == 0) {
            ::fcntl(pipe[0], F_SETFD, FD_CLOEXEC);
            c.output_ = pipe[0];
        } else {
            ::close(pipe[0]);
        }
    }
    if (rc != 0) {
        errno = rc;
        return c;
    }
    c.id_ = pid;
    return c;
}

ChildProcess::~ChildProcess() { release(); }

void ChildProcess::release() {
    if (output_ >= 0) ::close(static_cast<int>(output_));
    output_ = -1;
    if (id_ > 0 && !exit_) {
        kill();
        wait();
    }
    id_ = -1;
}

bool ChildProcess::readLine(std::string& line) {
    line.clear();
    if (output_ < 0) return false;
    char c = 0;
    for (;;) {
        const auto n = ::read(static_cast<int>(output_), &c, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return !line.empty();
        if (c == '\n') return true;
        line.push_back(c);
    }
}

std::string ChildProcess::readAll() {
    std::string out;
    char buf[4096];
    while (output_ >= 0) {
        const auto n = ::read(static_cast<int>(output_), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

void ChildProcess::terminate() {
    if (id_ > 0 && !exit_) ::kill(static_cast<pid_t>(id_), SIGTERM);
}

void ChildProcess::interrupt() {
    if (id_ > 0 && !exit_) ::kill(static_cast<pid_t>(id_), SIGINT);
}

void ChildProcess::kill() {
    if (id_ > 0 && !exit_) ::kill(static_cast<pid_t>(id_), SIGKILL);
}

std::optional<int> ChildProcess::wait(std::optional<std::chrono::milliseconds> limit) {
    if (exit_ || id_ <= 0) return exit_;
    const auto end = std::chrono::steady_clock::now() + limit.value_or(std::chrono::milliseconds(0));
    for (;;) {
        int status = 0;
        const pid_t r = ::waitpid(static_cast<pid_t>(id_), &status, limit ? WNOHANG : 0);
        if (r == static_cast<pid_t>(id_)) return exit_ = codeOf(status);
        if (r < 0 && errno != EINTR) return exit_ = -1; // not our child any more
        if (limit && std::chrono::steady_clock::now() >= end) return std::nullopt;
        if (limit) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

bool processExists(std::int64_t id) { return id > 0 && ::kill(static_cast<pid_t>(id), 0) == 0; }

bool killProcess(std::int64_t id) { return id > 0 && ::kill(static_cast<pid_t>(id), SIGKILL) == 0; }

} // namespace quarry::platform
