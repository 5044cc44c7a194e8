// SPDX-License-Identifier: MIT
#pragma once
// Starting a command as a child process the test can kill, and waiting for it with a limit.

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <vector>

extern char** environ;

namespace quarry::test {

/// Starts args[0] with its arguments, XDG_STATE_HOME=`state` (its journals), standard output
/// and error appended to `log`. Returns the pid, or -1.
inline pid_t spawnCli(std::vector<std::string> args, const std::string& state, const std::string& log) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    std::vector<std::string> env = {"XDG_STATE_HOME=" + state, "PATH=/usr/bin:/bin"};
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_t pid = -1;
    if (posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp.data()) != 0) pid = -1;
    posix_spawn_file_actions_destroy(&fa);
    return pid;
}

/// Waits up to `limit` for `pid` to end; kills it (SIGKILL) past that. Returns its exit
/// status (-1 if killed or not exited); `stillRunning` says whether it had to be killed.
inline int waitFor(pid_t pid, std::chrono::milliseconds limit, bool* stillRunning = nullptr) {
    const auto end = std::chrono::steady_clock::now() + limit;
    int status = 0;
    for (;;) {
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) break;
        if (std::chrono::steady_clock::now() >= end) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            if (stillRunning) *stillRunning = true;
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (stillRunning) *stillRunning = false;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

} // namespace quarry::test
