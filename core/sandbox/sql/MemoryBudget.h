// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

namespace quarry::sandbox::sql {

/// Thrown by an allocation that would take a thread past its MemoryBudget. A std::bad_alloc,
/// so code that copes with running out of memory copes with this too.
class QueryMemoryExceeded : public std::bad_alloc {
public:
    const char* what() const noexcept override { return "the query's memory budget is used up"; }
};

/// Counts the heap bytes the calling thread holds while this is in force (what it allocates
/// minus what it frees, as the allocator sizes them) and fails any allocation that would take
/// that past `limit` with QueryMemoryExceeded. A query runs on one thread, and the threads it
/// splits a scan over join its budget (MemoryBudgetShare), so this bounds what a query can
/// hold at once: STRING_AGG over a billion rows, a cross join, a sort.
/// Scopes nest; the innermost is in force. Not counted in builds where a sanitizer owns
/// operator new (supported() is false there).
class MemoryBudget {
public:
    explicit MemoryBudget(std::size_t limit);
    ~MemoryBudget();
    MemoryBudget(const MemoryBudget&) = delete;
    MemoryBudget& operator=(const MemoryBudget&) = delete;

    /// Bytes held now, counted from this scope's start (negative if it freed older memory).
    std::int64_t used() const;
    /// The most held at once.
    std::int64_t peak() const;
    std::size_t limit() const { return limit_; }
    static bool supported();

private:
    std::size_t limit_;
    void* previous_;
};

/// The budget in force on the thread that makes this (or none), for threads that work for the
/// same query: each puts itself under it with a Scope, and all of them count into it. The
/// budget must outlive every Scope.
class MemoryBudgetShare {
public:
    MemoryBudgetShare();
    class Scope {
    public:
        explicit Scope(const MemoryBudgetShare& share);
        ~Scope();
        Scope(const Scope&) = delete;
        Scope& operator=(const Scope&) = delete;

    private:
        void* saved_;
    };

private:
    void* counter_;
};

/// Suspends the calling thread's budget while in force: for the Store's commits, which must
/// not fail half-way (their memory is the table's, not the query's).
class MemoryBudgetPause {
public:
    MemoryBudgetPause();
    ~MemoryBudgetPause();
    MemoryBudgetPause(const MemoryBudgetPause&) = delete;
    MemoryBudgetPause& operator=(const MemoryBudgetPause&) = delete;

private:
    void* saved_;
};

} // namespace quarry::sandbox::sql
