// SPDX-License-Identifier: MIT
#include "value/Value.h"

#include <cmath>
#include <cstring>
#include <new>
#include <utility>

namespace quarry {

void* ValueArena::allocate(std::size_t bytes, std::size_t align) {
    if (bytes > kBlock / 4) { // new[] aligns for any type
        large_.push_back(std::make_unique_for_overwrite<std::byte[]>(bytes));
        taken_ += bytes;
        return large_.back().get();
    }
    for (;;) {
        const std::size_t pad = (align - reinterpret_cast<std::uintptr_t>(at_) % align) % align;
        if (at_ && pad + bytes <= left_) {
            void* p = at_ + pad;
            at_ += pad + bytes;
            left_ -= pad + bytes;
            return p;
        }
        if (next_ == blocks_.size()) {
            blocks_.push_back(std::make_unique_for_overwrite<std::byte[]>(kBlock));
            taken_ += kBlock;
        }
        at_ = blocks_[next_++].get();
        left_ = kBlock;
    }
}

void ValueArena::reset() {
    large_.clear();
    taken_ = blocks_.size() * kBlock;
    next_ = 0;
    at_ = nullptr;
    left_ = 0;
}

Value Value::int64(std::int64_t v) {
    Value x;
    x.h_.kind = ValueKind::Int64;
    x.h_.i = v;
    return x;
}

Value Value::float64(double v) {
    Value x;
    x.h_.kind = ValueKind::Float64;
    x.h_.d = v;
    return x;
}

Value Value::boolean(bool v) {
    Value x;
    x.h_.kind = ValueKind::Bool;
    x.h_.i = v ? 1 : 0;
    return x;
}

Value Value::date(std::int32_t days) {
    Value x = int64(days);
    x.h_.kind = ValueKind::Date;
    return x;
}

Value Value::time(std::int64_t micros) {
    Value x = int64(micros);
    x.h_.kind = ValueKind::Time;
    return x;
}

Value Value::dateTime(std::int64_t micros) {
    Value x = int64(micros);
    x.h_.kind = ValueKind::DateTime;
    return x;
}

Value Value::timestamp(std::int64_t micros) {
    Value x = int64(micros);
    x.h_.kind = ValueKind::Timestamp;
    return x;
}

Value Value::text(ValueKind kind, std::string_view s) {
    Value x;
    x.h_.kind = kind;
    if (s.size() <= kInlineMax) {
        x.h_.tag = kInline;
        reinterpret_cast<unsigned char*>(&x.h_)[2] = static_cast<unsigned char>(s.size());
        if (!s.empty()) std::memcpy(x.inlineData(), s.data(), s.size());
    } else {
        x.h_.len = static_cast<std::uint32_t>(s.size());
        x.h_.s = new char[s.size()];
        std::memcpy(x.h_.s, s.data(), s.size());
    }
    return x;
}

Value Value::container(ValueKind kind, std::size_t n) {
    Value x;
    x.h_.kind = kind;
    x.h_.len = static_cast<std::uint32_t>(n);
    x.h_.items = n ? new Value[n] : nullptr;
    return x;
}

Value Value::containerIn(ValueArena& arena, ValueKind kind, std::size_t n) {
    Value x;
    x.h_.kind = kind;
    x.h_.len = static_cast<std::uint32_t>(n);
    if (n) {
        x.h_.tag = kBorrowed;
        x.h_.items = static_cast<Value*>(arena.allocate(n * sizeof(Value), alignof(Value)));
        for (std::size_t i = 0; i < n; ++i) new (&x.h_.items[i]) Value();
    }
    return x;
}

Value Value::textIn(ValueArena& arena, ValueKind kind, std::string_view s) {
    if (s.size() <= kInlineMax) return text(kind, s);
    Value x;
    x.h_.kind = kind;
    x.h_.tag = kBorrowed;
    x.h_.len = static_cast<std::uint32_t>(s.size());
    x.h_.s = static_cast<char*>(arena.allocate(s.size(), 1));
    std::memcpy(x.h_.s, s.data(), s.size());
    return x;
}

Value Value::rangeIn(ValueArena& arena, Value start, Value end) {
    Value x = containerIn(arena, ValueKind::Range, 2);
    x.h_.items[0] = std::move(start);
    x.h_.items[1] = std::move(end);
    return x;
}

Value Value::range(Value start, Value end) {
    Value x = container(ValueKind::Range, 2);
    x.h_.items[0] = std::move(start);
    x.h_.items[1] = std::move(end);
    return x;
}

void Value::releaseBlock() noexcept {
    // Not an arena's block (release() checks): the items of one are the arena's too.
    if (isContainer()) delete[] h_.items;
    else delete[] h_.s;
}

Value::Value(const Value& o) {
    if (o.isContainer()) {
        h_ = o.h_;
        h_.tag = 0; // its own block, whether the original's was borrowed or not
        h_.items = o.h_.len ? new Value[o.h_.len] : nullptr;
        for (std::uint32_t i = 0; i < o.h_.len; ++i) h_.items[i] = o.h_.items[i];
    } else if (o.isText() && !o.isInline()) {
        h_ = o.h_;
        h_.tag = 0;
        h_.s = new char[o.h_.len];
        std::memcpy(h_.s, o.h_.s, o.h_.len);
    } else {
        h_ = o.h_;
    }
}

Value& Value::operator=(const Value& o) {
    if (this != &o) {
        Value copy(o);
        *this = std::move(copy);
    }
    return *this;
}

bool Value::operator==(const Value& o) const {
    if (h_.kind != o.h_.kind) return false;
    if (isText()) return asText() == o.asText();
    if (isContainer()) {
        if (h_.len != o.h_.len) return false;
        for (std::uint32_t i = 0; i < h_.len; ++i)
            if (!(h_.items[i] == o.h_.items[i])) return false;
        return true;
    }
    if (h_.kind == ValueKind::Float64) {
        if (std::isnan(h_.d) && std::isnan(o.h_.d)) return true;
        return h_.d == o.h_.d;
    }
    return h_.kind == ValueKind::Null || h_.i == o.h_.i;
}

std::size_t Value::heapBytes() const {
    if (isContainer()) {
        std::size_t n = h_.len * sizeof(Value);
        for (std::uint32_t i = 0; i < h_.len; ++i) n += h_.items[i].heapBytes();
        return n;
    }
    if (isText() && !isInline()) return h_.len;
    return 0;
}

} // namespace quarry
