// SystemClock: the wall clock, advanced by the monotonic one so that a step cannot stall a wait.
#include "erralert/app/system_clock.hpp"

#include <algorithm>
#include <chrono>

#include <spdlog/spdlog.h>

namespace erralert::app {

namespace {

template <typename C>
std::int64_t millis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(C::now().time_since_epoch()).count();
}

// A step back smaller than this is a correction within noise; it is absorbed without a word.
constexpr std::int64_t kTellAboveMs = 1000;

}  // namespace

SystemClock::SystemClock()
    : SystemClock(millis<std::chrono::system_clock>, millis<std::chrono::steady_clock>) {}

SystemClock::SystemClock(Source wall, Source monotonic) : wall_(std::move(wall)), monotonic_(std::move(monotonic)) {
  last_ = wall_();
  last_mono_ = monotonic_();
}

std::int64_t SystemClock::now_ms() const {
  const std::int64_t wall = wall_();
  const std::int64_t mono = monotonic_();
  std::lock_guard lock(mutex_);
  const std::int64_t elapsed = std::max<std::int64_t>(mono - last_mono_, 0);
  std::int64_t next = wall;  // the wall clock, as long as it does not go back
  last_mono_ = mono;
  if (wall < last_ + elapsed) {
    // Behind where the monotonic clock says we are: the wall clock went back. Run at half speed
    // until it catches up; the odd millisecond of a halving is carried in the monotonic mark.
    next = std::max(wall, last_ + elapsed / 2);
    last_mono_ = mono - (elapsed % 2);
  }
  const std::int64_t ahead = next - wall;
  if (ahead > kTellAboveMs && !told_) {
    spdlog::warn("the system clock went back by {} ms; erralertd's clock runs at half speed until it meets it "
                 "(waits take up to twice as long meanwhile)", ahead);
    told_ = true;
  } else if (ahead <= 0 && told_) {
    spdlog::info("erralertd's clock meets the system clock again");
    told_ = false;
  }
  last_ = next;
  ahead_ = std::max<std::int64_t>(ahead, 0);
  return next;
}

std::int64_t SystemClock::ahead_ms() const {
  std::lock_guard lock(mutex_);
  return ahead_;
}

}  // namespace erralert::app
