// Signal: a timer that never expires on its own; cancel() is the wake-up.
#include "erralert/net/signal.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace erralert::net {

namespace asio = boost::asio;

Signal::Signal(const asio::any_io_executor& ex) : timer_(ex, asio::steady_timer::time_point::max()) {}

asio::awaitable<void> Signal::wait() {
  co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
}

void Signal::notify() {
  timer_.expires_at(asio::steady_timer::time_point::max());  // cancels every pending wait
}

}  // namespace erralert::net
