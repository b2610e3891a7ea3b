// ConnectionGuard: pausing after descriptor exhaustion, refusing past max_connections.
#include "erralert/net/connection_guard.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace erralert::net {
namespace {

/// Connections open at once after which, when the last closes, memory is handed back.
constexpr std::size_t kTrimAfter = 16;

/// The guards of this thread's listeners (one io thread in the daemon: all of them).
thread_local std::vector<ConnectionGuard*> guards;

}  // namespace

ConnectionGuard::ConnectionGuard(const boost::asio::any_io_executor& ex, std::string listener,
                                 std::size_t max_connections, std::function<bool()> close_longest_idle)
    : timer_(ex),
      listener_(std::move(listener)),
      max_(std::max<std::size_t>(max_connections, 1)),
      close_longest_idle_(std::move(close_longest_idle)) {
  guards.push_back(this);
}

ConnectionGuard::~ConnectionGuard() { guards.erase(std::remove(guards.begin(), guards.end(), this), guards.end()); }

bool ConnectionGuard::make_room() {
  if (close_longest_idle_()) return true;
  for (ConnectionGuard* other : guards) {
    if (other != this && other->close_longest_idle_()) {
      ++other->evicted_;
      return true;
    }
  }
  return false;
}

boost::asio::awaitable<void> ConnectionGuard::accept_failed(const boost::system::error_code& ec) {
  namespace err = boost::asio::error;
  const bool exhausted = ec == err::no_descriptors || ec == boost::system::errc::too_many_files_open_in_system ||
                         ec == err::no_buffer_space || ec == err::no_memory;
  if (!exhausted) {  // the client gave up before we took it (ECONNABORTED) and the like
    spdlog::debug("{}: accept: {}", listener_, ec.message());
    co_return;
  }
  if (!warned_) {
    spdlog::warn("{}: cannot accept a connection: {}; closing idle connections, else pausing {} ms between tries",
                 listener_, ec.message(), kPause.count());
    warned_ = true;
  }
  if (make_room()) {
    ++evicted_;
    co_return;
  }
  ++refused_;
  timer_.expires_after(kPause);
  co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
}

bool ConnectionGuard::admit(std::size_t open) {
  if (open < max_) {
    warned_ = false;
    peak_ = std::max(peak_, open + 1);
    return true;
  }
  if (close_longest_idle_()) {
    ++evicted_;
    return true;
  }
  ++refused_;
  if (!warned_) {
    spdlog::warn("{}: {} connections open (server.max_connections) and none idle; refusing new ones", listener_, open);
    warned_ = true;
  }
  return false;
}

void ConnectionGuard::closed(std::size_t open) {
  if (open != 0 || peak_ < kTrimAfter) return;
  peak_ = 0;
#if defined(__GLIBC__)
  ::malloc_trim(0);
#endif
}

}  // namespace erralert::net
