#include "erralert/core/ring.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <random>
#include <string>

namespace erralert::core {
namespace {

TEST(RingTest, KeepsOrderAcrossWrapsAndGrowth) {
  // Against std::deque, with the queue's length rising and falling through the array's growth
  // and wrapping around its end.
  Ring<std::string> ring;
  std::deque<std::string> model;
  std::mt19937 rng(7);
  int next = 0;
  for (int step = 0; step < 20000; ++step) {
    const bool filling = (step / 1000) % 2 == 0;  // mostly pushes, then mostly pops
    const bool push = model.empty() || (filling ? rng() % 4 != 0 : rng() % 4 == 0);
    if (push) {
      std::string s = "event " + std::to_string(next++) + std::string(rng() % 40, 'x');  // some on the heap
      model.push_back(s);
      ring.push_back(std::move(s));
    } else {
      ASSERT_EQ(ring.front(), model.front()) << "step " << step;
      std::string taken = std::move(ring.front());
      ring.pop_front();
      model.pop_front();
    }
    ASSERT_EQ(ring.size(), model.size());
    ASSERT_EQ(ring.empty(), model.empty());
  }
  while (!model.empty()) {
    ASSERT_EQ(ring.front(), model.front());
    ring.pop_front();
    model.pop_front();
  }
  EXPECT_TRUE(ring.empty());
}

TEST(RingTest, APoppedElementIsGoneEvenWhenNotMovedOut) {
  Ring<std::shared_ptr<int>> ring;
  auto held = std::make_shared<int>(1);
  ring.push_back(std::shared_ptr<int>(held));
  ring.push_back(std::make_shared<int>(2));
  EXPECT_EQ(held.use_count(), 2);
  ring.pop_front();  // not moved out first
  EXPECT_EQ(held.use_count(), 1);
  EXPECT_EQ(*ring.front(), 2);
}

TEST(RingTest, EmptiedAfterALongQueueItStartsSmallAgain) {
  Ring<std::shared_ptr<int>> ring;
  auto held = std::make_shared<int>(0);
  for (std::size_t i = 0; i < Ring<int>::kKeep * 4; ++i) ring.push_back(std::shared_ptr<int>(held));
  EXPECT_EQ(held.use_count(), static_cast<long>(Ring<int>::kKeep * 4 + 1));
  while (!ring.empty()) ring.pop_front();
  EXPECT_EQ(held.use_count(), 1);
  ring.push_back(std::make_shared<int>(5));  // grows again from nothing
  EXPECT_EQ(*ring.front(), 5);
  EXPECT_EQ(ring.size(), 1u);
}

}  // namespace
}  // namespace erralert::core
