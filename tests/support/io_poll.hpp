// poll(io), run_until(io, done): run an io_context in a test, for driving coroutines step by
// step or until a condition holds, without sleeping a guessed amount.
//
//   poll(io);                                              // what is ready now, nothing more
//   ASSERT_TRUE(run_until(io, [&] { return fake.posts().size() == 2; }));
#pragma once

#include <algorithm>
#include <chrono>

#include <boost/asio/io_context.hpp>

namespace erralert::testing {

/// Runs every ready handler; restart() first, as an io_context that ran out of work stays stopped.
inline void poll(boost::asio::io_context& io) {
  io.restart();
  io.poll();
}

/// Runs handlers one at a time until `done()` holds or `timeout` passes; true when it holds.
/// Timers run in real time: keep the waits it needs short.
template <class F>
bool run_until(boost::asio::io_context& io, F done, std::chrono::milliseconds timeout = std::chrono::seconds(2)) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  io.restart();
  while (!done()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= end) return false;
    io.run_one_for(std::min<std::chrono::steady_clock::duration>(end - now, std::chrono::milliseconds(10)));
    if (io.stopped()) io.restart();  // out of work: nothing can change done() but time
  }
  return true;
}

}  // namespace erralert::testing
