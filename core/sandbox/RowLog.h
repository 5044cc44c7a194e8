// SPDX-License-Identifier: MIT
#pragma once

#include "platform/File.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>

namespace quarry::sandbox {

class StorageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// An append-only file of records, each framed as
///   magic "QRL1" | u32 payload length | u32 CRC-32 of the payload | payload.
/// append() returns only after the record is on disk (fdatasync). Reading stops at the first
/// record that is incomplete or fails its CRC: when nothing intact follows, that is a torn tail
/// from a crash, and it is cut off (the file truncated to the last good record) so the next
/// append starts clean; when intact records follow, the file is damaged and replay() throws
/// StorageError without cutting anything.
class RowLog {
public:
    /// ReadOnly: a log that must not change (a past version's, hard-linked from the table's
    /// history): it must exist, a torn tail or unfinished statement is left on disk (replay
    /// still stops before it), and append(), write() and clear() throw.
    enum class Access { ReadWrite, ReadOnly };
    explicit RowLog(std::filesystem::path file, Access access = Access::ReadWrite);
    ~RowLog();
    RowLog(const RowLog&) = delete;
    RowLog& operator=(const RowLog&) = delete;

    /// Calls `onRecord` for each intact record in order, with the offset it starts at; returns
    /// the number of bytes dropped from a torn tail (0 when the file was clean).
    std::uint64_t replay(const std::function<void(std::string_view payload, std::uint64_t offset)>& onRecord);
    /// Cuts the file back to `offset` (a record boundary), durably: records of a statement
    /// that never finished. Read-only: nothing (the caller has left those records out).
    void truncateTo(std::uint64_t offset);
    /// Appends one record durably. Throws StorageError on I/O failure (nothing half-visible:
    /// a short write is truncated away before the error is reported).
    void append(std::string_view payload);
    /// Group commit: write() appends a record without waiting for the disk and returns the
    /// offset it ends at; syncTo() returns once everything up to that offset is on disk. One
    /// fdatasync covers every record written before it, so concurrent writers share syncs.
    std::uint64_t write(std::string_view payload);
    void syncTo(std::uint64_t end);
    /// Empties the file (durably).
    void clear();

    /// After a failed sync the file's state on disk is unknown (Linux may have dropped the
    /// unsynced pages): every later write and sync throws, with this reason. Empty while fine.
    std::string failure() const;

    /// Test hook (quarry-sandbox --faults sync:eio:P): when it returns true, a sync fails
    /// with EIO, as a failing disk's would. Set before any log is written.
    static void setSyncFault(std::function<bool()> fault);

    std::uint64_t size() const { return size_; }
    const std::filesystem::path& path() const { return file_; }

private:
    std::filesystem::path file_;
    platform::File fh_;
    bool readOnly_ = false;
    void checkWritable() const;
    std::uint64_t size_ = 0;
    std::uint64_t synced_ = 0; ///< everything below this offset is on disk
    std::string failure_;      ///< guarded by mutex_
    mutable std::mutex mutex_;
    std::mutex syncMutex_;
};

/// Writes a small file atomically: temp file, fsync, rename, fsync of the directory.
void writeFileAtomic(const std::filesystem::path& file, std::string_view content);
std::string readWholeFile(const std::filesystem::path& file);
/// fsync of a folder: its entries (files made, renamed or removed) survive a crash.
void syncFolder(const std::filesystem::path& dir);
/// rename(2) and a sync of the directory: after it returns, `to` is `from` even after a crash.
void renameDurably(const std::filesystem::path& from, const std::filesystem::path& to);

} // namespace quarry::sandbox
