// Signal: the waiting coroutines' completion handlers, kept until notify() posts them. No timer,
// so a wake-up is one queued handler rather than a timer re-armed in the reactor; only
// wait_until arms one, for its deadline.
#include "erralert/net/signal.hpp"

#include <utility>

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace erralert::net {

namespace asio = boost::asio;

Signal::Signal(const asio::any_io_executor& ex) : ex_(ex) {}

asio::awaitable<void> Signal::wait() {
  co_await asio::async_initiate<const asio::use_awaitable_t<>, void()>(
      [this](asio::any_completion_handler<void()> handler) { waiters_.push_back(std::move(handler)); },
      asio::use_awaitable);
}

asio::awaitable<void> Signal::wait_until(std::chrono::steady_clock::time_point deadline) {
  asio::steady_timer timer(ex_, deadline);
  timer.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) notify();
  });
  co_await wait();
  timer.cancel();
}

void Signal::notify() {
  if (waiters_.empty()) return;
  std::vector<asio::any_completion_handler<void()>> woken;
  woken.swap(waiters_);
  for (auto& handler : woken) asio::post(ex_, std::move(handler));
}

}  // namespace erralert::net
