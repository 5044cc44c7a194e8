// SPDX-License-Identifier: MIT
#include "upload/FileCheck.h"

#include "net/CancelToken.h"
#include "upload/RowChecker.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

namespace quarry::upload {
namespace {

/// Records copied out of the reader's buffer, with readable padding after the last one.
struct Block {
    struct Item {
        std::uint64_t ordinal, line, column;
        std::size_t offset, length;
        std::string error;
    };
    std::size_t index = 0;
    std::string text;
    std::vector<Item> items;
};

constexpr std::size_t kBlockBytes = 4u << 20;

} // namespace

CheckResult checkFile(const std::string& path, RecordReader::Options readerOptions, const Schema& schema,
                      bool ignoreUnknown, std::size_t maxText, const CancelToken* cancel,
                      const std::function<void(const std::vector<Reject>&)>& onRejects,
                      const std::function<void(const CheckProgress&)>& onProgress) {
    RecordReader reader(path, readerOptions);
    const unsigned workers = std::max(1u, std::min(8u, std::thread::hardware_concurrency()));
    std::mutex m;
    std::condition_variable cv;
    std::deque<Block> queue;
    std::map<std::size_t, std::vector<Reject>> finished; // block index -> its rejects
    bool closing = false;
    std::exception_ptr failure;
    std::uint64_t rejected = 0;

    auto work = [&] {
        RowChecker checker(schema, ignoreUnknown);
        for (;;) {
            Block b;
            {
                std::unique_lock lk(m);
                cv.wait(lk, [&] { return !queue.empty() || closing; });
                if (queue.empty()) return;
                b = std::move(queue.front());
                queue.pop_front();
            }
            cv.notify_all();
            std::vector<Reject> bad;
            try {
                Record r;
                Rejection why;
                for (const auto& it : b.items) {
                    r.ordinal = it.ordinal;
                    r.line = it.line;
                    r.column = it.column;
                    r.text = std::string_view(b.text.data() + it.offset, it.length);
                    r.error = it.error;
                    r.readableAfter = true; // the block ends with padding
                    if (!checker.accept(r, maxText, why))
                        bad.push_back({r.ordinal, why.line, why.column, why.message, std::string(r.text)});
                }
            } catch (...) {
                std::lock_guard g(m);
                if (!failure) failure = std::current_exception();
            }
            {
                std::lock_guard g(m);
                rejected += bad.size();
                finished.emplace(b.index, std::move(bad));
            }
            cv.notify_all();
        }
    };
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < workers; ++i) threads.emplace_back(work);

    std::size_t nextToReport = 0;
    // Hands finished blocks' rejects on in file order (called with the lock held).
    auto report = [&](std::unique_lock<std::mutex>& lk) {
        while (!finished.empty() && finished.begin()->first == nextToReport) {
            auto bad = std::move(finished.begin()->second);
            finished.erase(finished.begin());
            ++nextToReport;
            lk.unlock();
            if (!bad.empty()) onRejects(bad);
            lk.lock();
        }
    };
    CheckResult result;
    Block b;
    b.text.reserve(kBlockBytes + (64u << 10));
    std::size_t blocks = 0;
    auto push = [&] {
        b.text.append(Record::kReadablePadding, ' ');
        b.index = blocks++;
        std::unique_lock lk(m);
        for (;;) { // hand on what is finished while waiting for room: memory stays bounded
            report(lk);
            if (queue.size() < workers && finished.size() < 4 * workers) break;
            cv.wait(lk);
        }
        queue.push_back(std::move(b));
        cv.notify_all();
        b = Block();
        b.text.reserve(kBlockBytes + (64u << 10));
    };
    try {
        Record r;
        while (reader.next(r)) {
            if (cancel && cancel->isCancelled()) {
                result.cancelled = true;
                break;
            }
            ++result.records;
            b.items.push_back({r.ordinal, r.line, r.column, b.text.size(), r.text.size(), r.error});
            b.text += r.text;
            if (b.text.size() >= kBlockBytes) push();
            if (onProgress && (result.records & 4095) == 0) {
                std::lock_guard g(m);
                onProgress({result.records, rejected, reader.fileBytesRead(), reader.fileSize()});
            }
        }
        if (!b.items.empty()) push();
        if (!result.cancelled) {
            result.contentHash = reader.contentHash();
            result.contentIdentity = reader.contentIdentity();
        }
    } catch (...) {
        std::lock_guard g(m);
        if (!failure) failure = std::current_exception();
    }
    {
        std::unique_lock lk(m);
        closing = true;
        cv.notify_all();
        cv.wait(lk, [&] { return queue.empty(); });
    }
    cv.notify_all();
    for (auto& t : threads) t.join();
    {
        std::unique_lock lk(m);
        report(lk);
        result.rejected = rejected;
    }
    if (failure) std::rethrow_exception(failure);
    return result;
}

} // namespace quarry::upload
