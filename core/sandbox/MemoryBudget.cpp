// SPDX-License-Identifier: MIT
// Replaces the global operator new and delete: every allocation goes through here, and is
// counted only on a thread with a MemoryBudget in force (a thread-local test otherwise).
#include "sandbox/MemoryBudget.h"

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

namespace quarry::sandbox {
namespace {

struct Counter {
    std::int64_t used = 0;
    std::int64_t peak = 0;
    std::int64_t limit = 0;
};

thread_local Counter* tlCounter = nullptr;

} // namespace

MemoryBudget::MemoryBudget(std::size_t limit) : limit_(limit), previous_(tlCounter) {
    // The counter itself is allocated before counting starts, and freed after it ends.
    auto* c = new Counter{0, 0, static_cast<std::int64_t>(limit)};
    tlCounter = c;
}

MemoryBudget::~MemoryBudget() {
    Counter* c = tlCounter;
    tlCounter = static_cast<Counter*>(previous_);
    delete c;
}

std::int64_t MemoryBudget::used() const { return tlCounter ? tlCounter->used : 0; }
std::int64_t MemoryBudget::peak() const { return tlCounter ? tlCounter->peak : 0; }

MemoryBudgetPause::MemoryBudgetPause() : saved_(tlCounter) { tlCounter = nullptr; }
MemoryBudgetPause::~MemoryBudgetPause() { tlCounter = static_cast<Counter*>(saved_); }

bool MemoryBudget::supported() {
#if defined(QUARRY_NO_COUNTING)
    return false;
#else
    return true;
#endif
}

} // namespace quarry::sandbox

#if !defined(QUARRY_NO_COUNTING)
namespace {

void* allocate(std::size_t n) {
    void* p = std::malloc(n ? n : 1);
    if (!p) throw std::bad_alloc();
    if (auto* c = quarry::sandbox::tlCounter) {
        const auto size = static_cast<std::int64_t>(QUARRY_USABLE_SIZE(p));
        if (c->used + size > c->limit) {
            std::free(p);
            throw quarry::sandbox::QueryMemoryExceeded();
        }
        c->used += size;
        if (c->used > c->peak) c->peak = c->used;
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
    if (auto* c = quarry::sandbox::tlCounter) c->used -= static_cast<std::int64_t>(QUARRY_USABLE_SIZE(p));
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
