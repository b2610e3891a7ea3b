// Signal: a wake-up for coroutines on one io_context thread (a condition variable without locks).
//
//   Signal s(ex);
//   co_await s.wait();   // in the consumer
//   s.notify();          // in the producer; wakes every current waiter
#pragma once

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
  /// Resumes every current waiter through the executor; costs nothing when none waits.
  void notify();

 private:
  boost::asio::any_io_executor ex_;
  std::vector<boost::asio::any_completion_handler<void()>> waiters_;
};

}  // namespace erralert::net
