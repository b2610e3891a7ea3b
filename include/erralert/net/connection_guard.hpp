// ConnectionGuard: what a listener does at its limits — too many connections, no descriptors.
//
//   ConnectionGuard guard(ex, "http", cfg.server.max_connections, [&] { return close_longest_idle(); });
//   if (ec) co_await guard.accept_failed(ec);     // EMFILE: free a descriptor, or pause
//   if (!guard.admit(open)) continue;             // over max_connections and none idle: refused
//   guard.closed(open);                           // at each session's end
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

namespace erralert::net {

/// The connection of `conns` waiting longest (`idle` and the oldest `idle_since`); nullptr when
/// none waits. Listeners keep their connections as such records.
template <class Conns>
auto* longest_idle(Conns& conns) {
  decltype(&*conns.begin()) oldest = nullptr;
  for (auto& c : conns) {
    if (c.idle && (oldest == nullptr || c.idle_since < oldest->idle_since)) oldest = &c;
  }
  return oldest;
}

class ConnectionGuard {
 public:
  /// `close_longest_idle` closes the listener's connection idle longest and says whether there
  /// was one. The guards of one thread know each other: out of descriptors, a listener may
  /// close another's idle connection (descriptors are the process's, not the listener's).
  ConnectionGuard(const boost::asio::any_io_executor& ex, std::string listener, std::size_t max_connections,
                  std::function<bool()> close_longest_idle);
  ~ConnectionGuard();
  ConnectionGuard(const ConnectionGuard&) = delete;
  ConnectionGuard& operator=(const ConnectionGuard&) = delete;

  /// After accept() failed with `ec`. Out of descriptors (EMFILE, ENFILE) or kernel memory
  /// (ENOBUFS, ENOMEM),
  /// the connection waits in the backlog and an immediate retry fails the same way: closes the
  /// longest-idle connection (this listener's, else another's) and returns at once, else waits
  /// kPause, so the loop never spins. Logged once per episode, not per failure.
  boost::asio::awaitable<void> accept_failed(const boost::system::error_code& ec);
  /// For a new connection with `open` already open: true to serve it (closing the longest-idle
  /// one first when at max_connections); false, counted and logged, when none is idle.
  bool admit(std::size_t open);
  /// At a session's end, `open` left: once all are gone after a crowd, the allocator gives its
  /// free memory back to the system (glibc keeps it otherwise).
  void closed(std::size_t open);

  std::size_t max_connections() const { return max_; }
  /// Connections refused (over max_connections, or not accepted for want of descriptors).
  std::uint64_t refused() const { return refused_; }
  /// Idle connections closed to make room.
  std::uint64_t evicted() const { return evicted_; }

  /// The wait before accepting again when no descriptor could be freed.
  static constexpr std::chrono::milliseconds kPause{100};

 private:
  /// Closes an idle connection of this listener, else of another guard's on this thread.
  bool make_room();

  boost::asio::steady_timer timer_;
  std::string listener_;
  std::size_t max_;
  std::function<bool()> close_longest_idle_;
  std::size_t peak_ = 0;
  std::uint64_t refused_ = 0;
  std::uint64_t evicted_ = 0;
  bool warned_ = false;  ///< the current episode of failures was logged
};

}  // namespace erralert::net
