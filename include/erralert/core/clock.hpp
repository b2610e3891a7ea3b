// Clock: the one way stages learn the time, so tests drive it instead of sleeping.
//
//   void tick(Clock& clock) { auto now = clock.now_ms(); ... }
//   FakeClock c{1'795'323'000'000};  c.advance(std::chrono::seconds(5));
#pragma once

#include <chrono>
#include <cstdint>

namespace erralert::core {

class Clock {
 public:
  virtual ~Clock() = default;
  /// Wall-clock time, Unix epoch milliseconds.
  virtual std::int64_t now_ms() const = 0;
};

/// A clock that moves only when told: for tests and replay.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::int64_t start_ms = 0) : now_ms_(start_ms) {}
  std::int64_t now_ms() const override { return now_ms_; }
  void advance(std::chrono::milliseconds d) { now_ms_ += d.count(); }
  void set(std::int64_t ms) { now_ms_ = ms; }

 private:
  std::int64_t now_ms_;
};

}  // namespace erralert::core
