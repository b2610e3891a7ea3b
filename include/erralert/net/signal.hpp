// Signal: a wake-up for coroutines on one io_context thread (a condition variable without locks).
//
//   Signal s(ex);
//   co_await s.wait();   // in the consumer
//   s.notify();          // in the producer; wakes every current waiter
//   co_await s.wait_until(deadline);   // the same, but no later than the deadline
#pragma once

#include <chrono>
#include <vector>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

namespace erralert::net {

class Signal {
 public:
  explicit Signal(const boost::asio::any_io_executor& ex);
  /// Suspends until the next notify() (callers re-check their condition after it).
  boost::asio::awaitable<void> wait();
  /// Suspends until the next notify() or the deadline, whichever comes first. Reaching the
  /// deadline notifies, so other waiters wake too and re-check their own conditions.
  boost::asio::awaitable<void> wait_until(std::chrono::steady_clock::time_point deadline);
  /// Resumes every current waiter through the executor; costs nothing when none waits.
  void notify();

 private:
  boost::asio::any_io_executor ex_;
  std::vector<boost::asio::any_completion_handler<void()>> waiters_;
};

}  // namespace erralert::net
