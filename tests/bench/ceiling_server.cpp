// ceiling_server: the least a server can do for erralert's ingest load — the bench's ceiling.
//
//   ceiling_server http PORT          serve HTTP/1.1 on 127.0.0.1:PORT (0 = pick one); prints
//                                     "port N"; every request's body is read and answered
//                                     202 {"accepted":1,"rejected":[]} with keep-alive
//   ceiling_server dgram PATH         count datagrams on a Unix datagram socket at PATH; prints
//                                     "datagrams N bytes B" on SIGUSR1 and when it ends
//
// One io_context thread and C++20 coroutines, like erralertd, so a ratio to this server is the
// cost of erralertd's own work (parse, validate, route, render) on the same I/O shape.
// SIGINT and SIGTERM end it.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view accepted_body = R"({"accepted":1,"rejected":[]})";

/// One keep-alive connection: read a request with its body, answer 202, repeat.
asio::awaitable<void> http_session(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(16 * 1024 * 1024);
    stream.expires_after(std::chrono::seconds(60));
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_tuple);
    if (ec) break;
    const auto& req = parser.get();
    http::response<http::string_body> res{http::status::accepted, req.version()};
    res.set(http::field::content_type, "application/json");
    res.keep_alive(req.keep_alive());
    res.body() = accepted_body;
    res.prepare_payload();
    auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
    if (wec || !res.keep_alive()) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) continue;
    socket.set_option(tcp::no_delay(true));
    asio::co_spawn(acceptor.get_executor(), http_session(std::move(socket)), asio::detached);
  }
}

int run_http(unsigned short port) {
  asio::io_context io(1);
  tcp::acceptor acceptor(io);
  const tcp::endpoint ep{asio::ip::make_address("127.0.0.1"), port};
  acceptor.open(ep.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(ep);
  acceptor.listen(asio::socket_base::max_listen_connections);
  std::printf("port %u\n", static_cast<unsigned>(acceptor.local_endpoint().port()));
  std::fflush(stdout);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](auto, int) { io.stop(); });
  asio::co_spawn(io, accept_loop(acceptor), asio::detached);
  io.run();
  return 0;
}

struct dgram_counts {
  unsigned long long datagrams = 0;
  unsigned long long bytes = 0;
};

void print_counts(const dgram_counts& c) {
  std::printf("datagrams %llu bytes %llu\n", c.datagrams, c.bytes);
  std::fflush(stdout);
}

/// Receives datagrams into one buffer and counts them; nothing else.
asio::awaitable<void> dgram_loop(asio::local::datagram_protocol::socket& socket, dgram_counts& c) {
  std::vector<char> buf(64 * 1024 + 1);
  for (;;) {
    auto [ec, n] = co_await socket.async_receive(asio::buffer(buf), use_tuple);
    if (ec == asio::error::operation_aborted || !socket.is_open()) co_return;
    if (ec) continue;
    ++c.datagrams;
    c.bytes += n;
  }
}

/// Waits for SIGUSR1 (print) or SIGINT/SIGTERM (print and stop).
asio::awaitable<void> dgram_signals(asio::signal_set& signals, asio::io_context& io,
                                    const dgram_counts& c) {
  for (;;) {
    auto [ec, sig] = co_await signals.async_wait(use_tuple);
    if (ec) co_return;
    print_counts(c);
    if (sig != SIGUSR1) {
      io.stop();
      co_return;
    }
  }
}

int run_dgram(const std::string& path) {
  asio::io_context io(1);
  ::unlink(path.c_str());
  asio::local::datagram_protocol::socket socket(io, asio::local::datagram_protocol::endpoint(path));
  dgram_counts counts;
  asio::signal_set signals(io, SIGINT, SIGTERM, SIGUSR1);
  std::printf("listening %s\n", path.c_str());
  std::fflush(stdout);
  asio::co_spawn(io, dgram_loop(socket, counts), asio::detached);
  asio::co_spawn(io, dgram_signals(signals, io, counts), asio::detached);
  io.run();
  ::unlink(path.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view mode = argc == 3 ? argv[1] : "";
  try {
    if (mode == "http") return run_http(static_cast<unsigned short>(std::atoi(argv[2])));
    if (mode == "dgram") return run_dgram(argv[2]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ceiling_server: %s\n", e.what());
    return 3;
  }
  std::fprintf(stderr, "usage: ceiling_server http PORT | ceiling_server dgram PATH\n");
  return 2;
}
