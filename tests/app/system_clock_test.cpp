// SystemClock over a wall and a monotonic clock the test moves: it follows the wall clock and
// its forward steps, never goes back, and absorbs a step back at half speed, so a wait measured
// on it takes at most twice its length instead of the step's.
#include "erralert/app/system_clock.hpp"

#include <gtest/gtest.h>

namespace erralert::app {
namespace {

struct Clocks {
  std::int64_t wall = 1'764'000'000'000;
  std::int64_t mono = 5'000;
  void pass(std::int64_t ms) {
    wall += ms;
    mono += ms;
  }
  SystemClock make() {
    return SystemClock([this] { return wall; }, [this] { return mono; });
  }
};

TEST(SystemClock, FollowsTheWallClockAndItsStepsForward) {
  Clocks c;
  SystemClock clock = c.make();
  EXPECT_EQ(clock.now_ms(), c.wall);
  c.pass(1500);
  EXPECT_EQ(clock.now_ms(), c.wall);
  c.wall += 3'600'000;  // set forward an hour
  EXPECT_EQ(clock.now_ms(), c.wall);
  EXPECT_EQ(clock.ahead_ms(), 0);
}

TEST(SystemClock, AStepBackNeverStallsAWaitAndIsMetAtHalfSpeed) {
  Clocks c;
  SystemClock clock = c.make();
  const std::int64_t before = clock.now_ms();
  c.wall -= 3'600'000;  // set back an hour
  EXPECT_EQ(clock.now_ms(), before) << "never goes back";
  EXPECT_EQ(clock.ahead_ms(), 3'600'000);
  // A receiver waiting 10 s: on the wall clock that wait would end an hour and 10 s from now.
  const std::int64_t due = clock.now_ms() + 10'000;
  std::int64_t waited = 0;
  while (clock.now_ms() < due) {
    c.pass(100);
    waited += 100;
    ASSERT_LE(waited, 20'000) << "the wait took more than twice its length";
  }
  EXPECT_GE(waited, 10'000);
  // Meanwhile the wall clock gains on it, and after twice the step they agree again.
  c.pass(2 * 3'600'000);
  EXPECT_EQ(clock.now_ms(), c.wall);
  EXPECT_EQ(clock.ahead_ms(), 0);
  c.pass(1000);
  EXPECT_EQ(clock.now_ms(), c.wall) << "and it follows the wall clock at full speed again";
}

TEST(SystemClock, JitterOfAMillisecondBackIsAbsorbedAndOddMillisecondsAreNotLost) {
  Clocks c;
  SystemClock clock = c.make();
  std::int64_t last = clock.now_ms();
  c.wall -= 1;
  EXPECT_EQ(clock.now_ms(), last);
  for (int i = 0; i < 1001; ++i) {
    c.pass(1);
    const std::int64_t now = clock.now_ms();
    EXPECT_GE(now, last);
    last = now;
  }
  // 1 ms behind at half speed: met after about 2 ms of monotonic time, exactly on the wall.
  EXPECT_EQ(last, c.wall);
}

}  // namespace
}  // namespace erralert::app
