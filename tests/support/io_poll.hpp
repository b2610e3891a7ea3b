// poll(io): runs what is ready on an io_context in a test, for driving coroutines step by step.
#pragma once

#include <boost/asio/io_context.hpp>

namespace erralert::testing {

/// Runs every ready handler; restart() first, as an io_context that ran out of work stays stopped.
inline void poll(boost::asio::io_context& io) {
  io.restart();
  io.poll();
}

}  // namespace erralert::testing
