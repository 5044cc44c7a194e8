// SPDX-License-Identifier: MIT
#include "sandbox/Faults.h"

#include <charconv>

namespace quarry::sandbox {

Faults::Faults(const std::string& spec, std::uint64_t seed) : rng_(seed) {
    std::size_t start = 0;
    while (start < spec.size()) {
        auto end = spec.find(',', start);
        if (end == std::string::npos) end = spec.size();
        const std::string item = spec.substr(start, end - start);
        start = end + 1;
        if (item.empty()) continue;
        const auto c1 = item.find(':');
        const auto c2 = item.rfind(':');
        if (c1 == std::string::npos || c1 == c2)
            throw std::invalid_argument("fault rule '" + item + "': write TARGET:ACTION:PROBABILITY");
        Rule r;
        r.target = item.substr(0, c1);
        const std::string action = item.substr(c1 + 1, c2 - c1 - 1);
        const std::string prob = item.substr(c2 + 1);
        try {
            std::size_t used = 0;
            r.probability = std::stod(prob, &used);
            if (used != prob.size() || r.probability < 0 || r.probability > 1) throw std::invalid_argument("");
        } catch (...) {
            throw std::invalid_argument("fault rule '" + item + "': probability must be a number from 0 to 1");
        }
        if (action == "reset") {
            r.reset = true;
        } else if (action == "eio") {
            r.ioError = true;
        } else if (action.rfind("delay=", 0) == 0) {
            std::string d = action.substr(6);
            long long n = 0;
            const auto [p, ec] = std::from_chars(d.data(), d.data() + d.size(), n);
            const std::string unit(p, static_cast<const char*>(d.data() + d.size()));
            if (ec != std::errc() || n < 0 || (unit != "ms" && unit != "s"))
                throw std::invalid_argument("fault rule '" + item + "': write delay=300ms or delay=2s");
            r.delay = std::chrono::milliseconds(unit == "s" ? n * 1000 : n);
        } else {
            int status = 0;
            const auto [p, ec] = std::from_chars(action.data(), action.data() + action.size(), status);
            if (ec != std::errc() || p != action.data() + action.size() || status < 400 || status > 599)
                throw std::invalid_argument("fault rule '" + item + "': action must be an HTTP status 400-599, reset, delay=... or eio");
            r.status = status;
        }
        rules_.push_back(std::move(r));
    }
}

bool Faults::names(const std::string& target) const {
    for (const auto& r : rules_)
        if (r.target == target) return true;
    return false;
}

Faults::Decision Faults::decide(const std::string& target) {
    Decision d;
    if (rules_.empty()) return d;
    std::lock_guard g(mutex_);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    for (const auto& r : rules_) {
        if (r.target != target && r.target != "any") continue;
        if (u(rng_) >= r.probability) continue;
        if (r.delay.count()) d.delay += r.delay;
        if (r.reset && !d.status) d.reset = true;
        if (r.ioError) d.ioError = true;
        if (r.status && !d.reset && !d.status) d.status = r.status;
    }
    return d;
}

} // namespace quarry::sandbox
