// Signal: wakes every coroutine waiting at the time of notify(), and no one else; wait_until
// also wakes at its deadline.
#include "erralert/net/signal.hpp"

#include <chrono>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "support/io_poll.hpp"

namespace erralert::net {
namespace {

namespace asio = boost::asio;
using testing::poll;

TEST(Signal, NotifyWakesEveryCurrentWaiterOnce) {
  asio::io_context io;
  Signal signal(io.get_executor());
  int woken = 0;
  auto waiter = [&]() -> asio::awaitable<void> {
    co_await signal.wait();
    ++woken;
  };
  asio::co_spawn(io, waiter(), asio::detached);
  asio::co_spawn(io, waiter(), asio::detached);
  poll(io);
  EXPECT_EQ(woken, 0);  // nobody notified yet

  signal.notify();
  poll(io);
  EXPECT_EQ(woken, 2);

  signal.notify();  // no waiter: nothing to do, and nothing remembered
  asio::co_spawn(io, waiter(), asio::detached);
  poll(io);
  EXPECT_EQ(woken, 2);
  signal.notify();
  poll(io);
  EXPECT_EQ(woken, 3);
}

TEST(Signal, AWaiterThatWaitsAgainNeedsTheNextNotify) {
  asio::io_context io;
  Signal signal(io.get_executor());
  int rounds = 0;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (;;) {
          co_await signal.wait();
          ++rounds;
        }
      },
      asio::detached);
  for (int i = 1; i <= 3; ++i) {
    poll(io);
    signal.notify();
    poll(io);
    EXPECT_EQ(rounds, i);
  }
}

TEST(Signal, WaitUntilEndsAtTheDeadlineWithoutANotify) {
  asio::io_context io;
  Signal signal(io.get_executor());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
  std::optional<std::chrono::steady_clock::time_point> woke;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await signal.wait_until(deadline);
        woke = std::chrono::steady_clock::now();
      },
      asio::detached);
  io.run_for(std::chrono::seconds(30));  // returns once the waiter is done: nothing else is queued
  ASSERT_TRUE(woke.has_value());
  EXPECT_GE(*woke, deadline);
}

TEST(Signal, WaitUntilEndsAtANotifyBeforeTheDeadline) {
  asio::io_context io;
  Signal signal(io.get_executor());
  bool woke = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await signal.wait_until(std::chrono::steady_clock::now() + std::chrono::hours(1));
        woke = true;
      },
      asio::detached);
  poll(io);
  EXPECT_FALSE(woke);
  signal.notify();
  poll(io);
  EXPECT_TRUE(woke);
  EXPECT_TRUE(io.stopped());  // out of work: the hour-long timer was cancelled
}

}  // namespace
}  // namespace erralert::net
