// Pacer: sliding-window request limits per receiver, tightened by what the platform says.
//
//   Pacer p({{5, 2s}, {30, 1min}});
//   if (auto t = p.next_allowed(now); t <= now) { send(); p.record(now); }
//   p.hold_until(now + retry_after);      // after a 429 or an exhausted bucket
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <vector>

namespace erralert::core {

struct Window {
  std::uint32_t count = 0;
  std::chrono::milliseconds per{0};
};

class Pacer {
 public:
  /// No windows: unpaced (still honours hold_until).
  explicit Pacer(std::vector<Window> windows = {});

  /// The earliest time (epoch ms) at which one more request keeps every window within its count.
  std::int64_t next_allowed(std::int64_t now_ms) const;
  /// Notes a request sent at `now_ms`.
  void record(std::int64_t now_ms);
  /// When the request `behind` places after the next one could go, if each went as soon as
  /// allowed from `first_ms` on (the next one's time); stops early once past `stop_after_ms`.
  std::int64_t projected(std::int64_t first_ms, std::size_t behind, std::int64_t stop_after_ms) const;
  /// Sends nothing before `until_ms` (a platform's Retry-After or bucket reset).
  void hold_until(std::int64_t until_ms);

 private:
  std::vector<Window> windows_;
  std::deque<std::int64_t> sent_;  // send times within the longest window, oldest first
  std::int64_t hold_until_ms_ = 0;
};

}  // namespace erralert::core
