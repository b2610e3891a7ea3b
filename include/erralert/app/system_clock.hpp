// SystemClock: the real time behind core::Clock, safe from steps of the system clock.
//
// Every wait in erralertd (a window's end, a receiver's pace, a retry) is a difference of two
// now_ms() values, and a step of the wall clock would turn one into hours: set back by an hour
// and every receiver would stall for that hour. So this clock moves with the monotonic clock and
// meets the wall clock without going back: a forward step it takes at once (waits end early,
// which costs at most a summary sent sooner); a step back it absorbs by running at half speed
// until the wall clock has caught up (waits take up to twice as long meanwhile, never forever),
// and says so once in the log.
//
//   SystemClock clock;                              // the system's wall and monotonic clocks
//   SystemClock test_clock(wall_fn, monotonic_fn);  // for tests: both in milliseconds
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>

#include "erralert/core/clock.hpp"

namespace erralert::app {

class SystemClock final : public core::Clock {
 public:
  using Source = std::function<std::int64_t()>;  ///< milliseconds
  SystemClock();
  SystemClock(Source wall, Source monotonic);

  /// Unix epoch milliseconds; never less than the value before, and after a step back of the
  /// system clock within half of it of the monotonic time that passed.
  std::int64_t now_ms() const override;
  /// How far this clock is ahead of the wall clock (after a step back), in milliseconds.
  std::int64_t ahead_ms() const;

 private:
  Source wall_;
  Source monotonic_;
  mutable std::mutex mutex_;
  mutable std::int64_t last_ = 0;       ///< the value returned last
  mutable std::int64_t last_mono_ = 0;  ///< the monotonic time it was returned at
  mutable std::int64_t ahead_ = 0;      ///< last_ - the wall clock then
  mutable bool told_ = false;           ///< the step back is logged (once per step)
};

}  // namespace erralert::app
