// Blocking test clients on Beast/Asio, each bounded by a deadline.
#include "support/http_client.hpp"

#include <algorithm>
#include <array>
#include <functional>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/datagram_protocol.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace erralert::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr auto kRequestTimeout = std::chrono::seconds(10);

/// Runs `io` until its work is done or `timeout` passes; then whatever is pending is abandoned.
void run_bounded(asio::io_context& io, std::chrono::milliseconds timeout) {
  io.run_for(timeout);
  io.stop();
}

}  // namespace

HttpResult http_request(std::uint16_t port, const std::string& method, const std::string& target,
                        const std::string& body, const std::map<std::string, std::string>& headers) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  HttpResult out;
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  const asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
  stream.expires_after(kRequestTimeout);
  stream.async_connect(ep, [&](boost::system::error_code ec) {
    if (ec) return;
    http::async_write(stream, req, [&](boost::system::error_code ec, std::size_t) {
      // A server may answer (413, 401) before it reads the whole body; read regardless.
      (void)ec;
      http::async_read(stream, buf, parser, [&](boost::system::error_code ec, std::size_t) {
        if (ec) return;
        const auto& res = parser.get();
        out.status = res.result_int();
        for (const auto& f : res) {
          std::string name(f.name_string());
          std::transform(name.begin(), name.end(), name.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
          out.headers[name] = std::string(f.value());
        }
        out.body = res.body();
      });
    });
  });
  run_bounded(io, kRequestTimeout);
  return out;
}

TcpExchange tcp_exchange(std::uint16_t port, const std::string& bytes, std::chrono::milliseconds timeout) {
  asio::io_context io;
  asio::ip::tcp::socket sock(io);
  TcpExchange out;
  std::string& got = out.received;
  std::array<char, 4096> buf{};
  std::function<void()> read_more = [&] {
    sock.async_read_some(asio::buffer(buf), [&](boost::system::error_code ec, std::size_t n) {
      got.append(buf.data(), n);
      if (!ec) {
        read_more();
      } else if (ec != asio::error::operation_aborted) {
        out.closed_by_peer = true;
      }
    });
  };
  sock.async_connect({asio::ip::make_address("127.0.0.1"), port}, [&](boost::system::error_code ec) {
    if (ec) return;
    asio::async_write(sock, asio::buffer(bytes), [&](boost::system::error_code, std::size_t) {});
    read_more();
  });
  run_bounded(io, timeout);
  return out;
}

void unix_stream_send(const std::string& path, const std::string& bytes) {
  asio::io_context io;
  asio::local::stream_protocol::socket sock(io);
  sock.connect(asio::local::stream_protocol::endpoint(path));
  asio::write(sock, asio::buffer(bytes));
}

void unix_dgram_send(const std::string& path, const std::string& bytes) {
  asio::io_context io;
  asio::local::datagram_protocol::socket sock(io);
  sock.open();
  sock.send_to(asio::buffer(bytes), asio::local::datagram_protocol::endpoint(path));
}

}  // namespace erralert::testing
