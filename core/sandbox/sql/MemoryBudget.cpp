// SPDX-License-Identifier: MIT
// Replaces the global operator new and delete: every allocation goes through here, and is
// counted only on a thread with a MemoryBudget in force (a thread-local test otherwise).
#include "sandbox/sql/MemoryBudget.h"

#include <atomic>
#include <cstdlib>

#if defined(__GLIBC__)
#include <malloc.h>
#define QUARRY_USABLE_SIZE(p) ::malloc_usable_size(p)
#elif defined(__APPLE__)
#include <malloc/malloc.h>
#define QUARRY_USABLE_SIZE(p) ::malloc_size(p)
#elif defined(_WIN32)
#include <malloc.h>
#define QUARRY_USABLE_SIZE(p) ::_msize(p)
#endif

// Clang's sanitizer runtimes define operator new themselves (GCC's shared libasan is
// interposed by these definitions and still checks the malloc underneath).
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || __has_feature(thread_sanitizer)
#define QUARRY_NO_COUNTING 1
#endif
#endif
#if !defined(QUARRY_USABLE_SIZE)
#define QUARRY_NO_COUNTING 1
#endif

namespace quarry::sandbox::sql {
namespace {

/// Atomic: a query's worker threads count into their query's counter too.
struct Counter {
    std::atomic<std::int64_t> used{0};
    std::atomic<std::int64_t> peak{0};
    std::int64_t limit = 0;
};

thread_local Counter* tlCounter = nullptr;

} // namespace

MemoryBudget::MemoryBudget(std::size_t limit) : limit_(limit), previous_(tlCounter) {
    // The counter itself is allocated before counting starts, and freed after it ends.
    auto* c = new Counter;
    c->limit = static_cast<std::int64_t>(limit);
    tlCounter = c;
}

MemoryBudget::~MemoryBudget() {
    Counter* c = tlCounter;
    tlCounter = static_cast<Counter*>(previous_);
    delete c;
}

std::int64_t MemoryBudget::used() const { return tlCounter ? tlCounter->used.load() : 0; }
std::int64_t MemoryBudget::peak() const { return tlCounter ? tlCounter->peak.load() : 0; }

MemoryBudgetShare::MemoryBudgetShare() : counter_(tlCounter) {}
MemoryBudgetShare::Scope::Scope(const MemoryBudgetShare& share) : saved_(tlCounter) { tlCounter = static_cast<Counter*>(share.counter_); }
MemoryBudgetShare::Scope::~Scope() { tlCounter = static_cast<Counter*>(saved_); }

MemoryBudgetPause::MemoryBudgetPause() : saved_(tlCounter) { tlCounter = nullptr; }
MemoryBudgetPause::~MemoryBudgetPause() { tlCounter = static_cast<Counter*>(saved_); }

bool MemoryBudget::supported() {
#if defined(QUARRY_NO_COUNTING)
    return false;
#else
    return true;
#endif
}

} // namespace quarry::sandbox::sql

#if !defined(QUARRY_NO_COUNTING)
namespace {

void* allocate(std::size_t n) {
    void* p = std::malloc(n ? n : 1);
    if (!p) throw std::bad_alloc();
    if (auto* c = quarry::sandbox::sql::tlCounter) {
        const auto size = static_cast<std::int64_t>(QUARRY_USABLE_SIZE(p));
        const std::int64_t used = c->used.fetch_add(size, std::memory_order_relaxed) + size;
        if (used > c->limit) {
            c->used.fetch_sub(size, std::memory_order_relaxed);
            std::free(p);
            throw quarry::sandbox::sql::QueryMemoryExceeded();
        }
        std::int64_t peak = c->peak.load(std::memory_order_relaxed);
        while (used > peak && !c->peak.compare_exchange_weak(peak, used, std::memory_order_relaxed)) {
        }
    }
    return p;
}

void* allocateNothrow(std::size_t n) noexcept {
    try {
        return allocate(n);
    } catch (...) {
        return nullptr;
    }
}

void release(void* p) noexcept {
    if (!p) return;
    if (auto* c = quarry::sandbox::sql::tlCounter) c->used.fetch_sub(static_cast<std::int64_t>(QUARRY_USABLE_SIZE(p)), std::memory_order_relaxed);
    std::free(p);
}

} // namespace

void* operator new(std::size_t n) { return allocate(n); }
void* operator new[](std::size_t n) { return allocate(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return allocateNothrow(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return allocateNothrow(n); }
void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p); }
#endif
