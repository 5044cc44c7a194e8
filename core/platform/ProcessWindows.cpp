// SPDX-License-Identifier: MIT
// Process.h on Windows: CreateProcessW with the command line quoted as the C runtime parses
// it, a UTF-16 environment block, and only the handles meant for the child inheritable.
#include "platform/Win32.h"

#include "platform/Process.h"

#include <cwchar>
#include <string_view>
#include <thread>

namespace quarry::platform {
namespace {

using win32::handleOf;

std::wstring wide(const std::string& s) { return std::filesystem::path(std::u8string(s.begin(), s.end())).wstring(); }

/// One argument as CommandLineToArgvW and the C runtime read it back.
void appendQuoted(std::wstring& line, const std::wstring& arg) {
    if (!line.empty()) line += L' ';
    if (!arg.empty() && arg.find_first_of(L" \t\n\v\"") == std::wstring::npos) {
        line += arg;
        return;
    }
    line += L'"';
    for (auto it = arg.begin();; ++it) {
        std::size_t slashes = 0;
        while (it != arg.end() && *it == L'\\') {
            ++it;
            ++slashes;
        }
        if (it == arg.end()) {
            line.append(slashes * 2, L'\\');
            break;
        }
        if (*it == L'"') {
            line.append(slashes * 2 + 1, L'\\');
        } else {
            line.append(slashes, L'\\');
        }
        line += *it;
    }
    line += L'"';
}

HANDLE appendTo(const std::filesystem::path& file) {
    SECURITY_ATTRIBUTES sa{sizeof sa, nullptr, TRUE};
    return CreateFileW(file.c_str(), FILE_APPEND_DATA | SYNCHRONIZE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, &sa,
                       OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
}

} // namespace

ChildProcess ChildProcess::start(const Options& o) {
    ChildProcess c;
    if (o.args.empty()) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return c;
    }
    std::wstring line;
    for (const auto& a : o.args) appendQuoted(line, wide(a));
    std::wstring env;
    for (const auto& e : o.environment) env += wide(e) + L'\0';
    if (o.addToParentEnvironment && !o.environment.empty())
        if (wchar_t* block = GetEnvironmentStringsW()) {
            for (const wchar_t* e = block; *e; e += std::wcslen(e) + 1) {
                const std::wstring_view entry(e);
                bool replaced = false;
                for (const auto& mine : o.environment) {
                    const std::wstring w = wide(mine);
                    replaced = replaced || entry.substr(0, entry.find(L'=') + 1) == std::wstring_view(w).substr(0, w.find(L'=') + 1);
                }
                if (!replaced) env.append(entry) += L'\0';
            }
            FreeEnvironmentStringsW(block);
        }
    env += L'\0';

    HANDLE readEnd = INVALID_HANDLE_VALUE, out = INVALID_HANDLE_VALUE, err = INVALID_HANDLE_VALUE;
    SECURITY_ATTRIBUTES sa{sizeof sa, nullptr, TRUE};
    if (o.pipeOutput) {
        if (!CreatePipe(&readEnd, &out, &sa, 0)) return c;
        SetHandleInformation(readEnd, HANDLE_FLAG_INHERIT, 0); // ours only
    } else if (!o.outputFile.empty()) {
        out = appendTo(o.outputFile);
    }
    if (o.errorToOutput) err = out;
    else if (!o.errorFile.empty()) err = appendTo(o.errorFile);

    STARTUPINFOW si{};
    si.cb = sizeof si;
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    si.hStdOutput = out != INVALID_HANDLE_VALUE ? out : GetStdHandle(STD_OUTPUT_HANDLE);
    si.hStdError = err != INVALID_HANDLE_VALUE ? err : GetStdHandle(STD_ERROR_HANDLE);
    PROCESS_INFORMATION pi{};
    const BOOL ok = CreateProcessW(wide(o.args[0]).c_str(), line.data(), nullptr, nullptr, TRUE,
                                   CREATE_UNICODE_ENVIRONMENT | CREATE_NO_WINDOW,
                                   o.environment.empty() ? nullptr : env.data(), nullptr, &si, &pi);
    const DWORD why = GetLastError();
    if (out != INVALID_HANDLE_VALUE) CloseHandle(out);
    if (err != INVALID_HANDLE_VALUE && err != out) CloseHandle(err);
    if (!ok) {
        if (readEnd != INVALID_HANDLE_VALUE) CloseHandle(readEnd);
        SetLastError(why);
        return c;
    }
    CloseHandle(pi.hThread);
    c.id_ = pi.dwProcessId;
    c.handle_ = reinterpret_cast<std::intptr_t>(pi.hProcess);
    if (readEnd != INVALID_HANDLE_VALUE) c.output_ = reinterpret_cast<std::intptr_t>(readEnd);
    return c;
}

ChildProcess::~ChildProcess() { release(); }

void ChildProcess::release() {
    if (output_ != -1) CloseHandle(handleOf(output_));
    output_ = -1;
    if (id_ > 0 && !exit_) {
        kill();
        wait();
    }
    if (handle_ != -1) CloseHandle(handleOf(handle_));
    handle_ = -1;
    id_ = -1;
}

bool ChildProcess::readLine(std::string& line) {
    line.clear();
    if (output_ == -1) return false;
    char c = 0;
    for (;;) {
        DWORD got = 0;
        if (!ReadFile(handleOf(output_), &c, 1, &got, nullptr) || got == 0) return !line.empty();
        if (c == '\n') {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            return true;
        }
        line.push_back(c);
    }
}

std::string ChildProcess::readAll() {
    std::string out;
    char buf[4096];
    DWORD got = 0;
    while (output_ != -1 && ReadFile(handleOf(output_), buf, sizeof buf, &got, nullptr) && got > 0) out.append(buf, got);
    return out;
}

void ChildProcess::terminate() { kill(); }

void ChildProcess::interrupt() { kill(); }

void ChildProcess::kill() {
    if (handle_ != -1 && !exit_) TerminateProcess(handleOf(handle_), 1);
}

std::optional<int> ChildProcess::wait(std::optional<std::chrono::milliseconds> limit) {
    if (exit_ || handle_ == -1) return exit_;
    const DWORD ms = limit ? static_cast<DWORD>(limit->count()) : INFINITE;
    if (WaitForSingleObject(handleOf(handle_), ms) != WAIT_OBJECT_0) return std::nullopt;
    DWORD code = 0;
    GetExitCodeProcess(handleOf(handle_), &code);
    return exit_ = static_cast<int>(code);
}

bool processExists(std::int64_t id) {
    const HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, static_cast<DWORD>(id));
    if (!h) return false;
    DWORD code = 0;
    const bool running = GetExitCodeProcess(h, &code) && code == STILL_ACTIVE;
    CloseHandle(h);
    return running;
}

bool killProcess(std::int64_t id) {
    const HANDLE h = OpenProcess(PROCESS_TERMINATE, FALSE, static_cast<DWORD>(id));
    if (!h) return false;
    const bool done = TerminateProcess(h, 1) != 0;
    CloseHandle(h);
    return done;
}

} // namespace quarry::platform
