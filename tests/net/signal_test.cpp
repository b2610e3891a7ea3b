// Signal: wakes every coroutine waiting at the time of notify(), and no one else.
#include "erralert/net/signal.hpp"

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

}  // namespace
}  // namespace erralert::net
