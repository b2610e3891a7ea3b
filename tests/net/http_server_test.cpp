// write_answer: an answer goes out at once when the socket has room; what does not fit follows
// as the reader makes room, or ends at the deadline when it never does.
#include "erralert/net/http_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/beast/core/error.hpp>
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "support/io_poll.hpp"

namespace erralert::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using namespace std::chrono_literals;

/// A loopback connection: the server end as erralertd's sessions hold it (non-blocking), and a
/// reader with a 4 KiB receive buffer that reads only when told to.
struct Connection {
  asio::io_context io;
  tcp::socket reader{io};
  std::optional<beast::tcp_stream> server;

  Connection() {
    tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    reader.open(tcp::v4());
    reader.set_option(asio::socket_base::receive_buffer_size(4096));
    reader.connect(acceptor.local_endpoint());
    server.emplace(acceptor.accept());
    server->socket().non_blocking(true);
  }

  /// Starts write_answer; the result lands in `result` when it ends.
  void write(const std::string& wire, std::chrono::steady_clock::duration timeout,
             std::optional<boost::system::error_code>& result) {
    asio::co_spawn(io, write_answer(*server, wire, timeout),
                   [&result](std::exception_ptr, boost::system::error_code ec) { result = ec; });
  }
};

TEST(WriteAnswer, WhatDoesNotFitFollowsAsTheReaderMakesRoom) {
  Connection c;
  // 8 MiB: more than the largest send buffer Linux grows to (4 MiB) and the reader's 4 KiB.
  std::string wire(8u << 20, '\0');
  for (std::size_t i = 0; i < wire.size(); ++i) wire[i] = static_cast<char>(i * 7 % 251);
  std::optional<boost::system::error_code> result;
  c.write(wire, 30s, result);
  testing::poll(c.io);
  EXPECT_FALSE(result.has_value()) << "the whole answer cannot be in the socket yet";

  std::string got(wire.size(), '\0');
  std::optional<boost::system::error_code> read_result;
  asio::async_read(c.reader, asio::buffer(got),
                   [&](boost::system::error_code ec, std::size_t) { read_result = ec; });
  c.io.restart();
  c.io.run_for(30s);  // ends when both are done; bounded if they never are
  ASSERT_TRUE(result.has_value() && read_result.has_value());
  EXPECT_FALSE(*result) << result->message();
  EXPECT_FALSE(*read_result) << read_result->message();
  EXPECT_TRUE(got == wire) << "bytes lost, repeated or reordered";
}

TEST(WriteAnswer, AReaderThatNeverReadsEndsTheWriteAtTheDeadline) {
  Connection c;
  const std::string wire(8u << 20, 'x');  // outlives the write, which only views it
  std::optional<boost::system::error_code> result;
  c.write(wire, 200ms, result);
  c.io.run_for(30s);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(*result, beast::error::timeout);
}

}  // namespace
}  // namespace erralert::net
