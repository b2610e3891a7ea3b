// HttpServer: the Beast listener and its sessions; reads, calls the router, writes.
//
//   HttpServer srv(ex, cfg.server.http, api);
//   srv.start();                 // binds; throws std::system_error when it cannot
//   srv.port();                  // the bound port (useful with port 0)
//   co_await srv.stop(deadline); // stops accepting, lets requests in flight finish
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <optional>
#include <memory>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "erralert/config/config.hpp"
#include "erralert/net/connection_guard.hpp"
#include "erralert/net/http_api.hpp"
#include "erralert/net/http_router.hpp"
#include "erralert/net/signal.hpp"

namespace erralert::net {

class HttpServer {
 public:
  /// `max_connections`: open connections beyond which the longest-idle one is closed for a new
  /// one, or the new one refused when none is idle (server.max_connections).
  HttpServer(const boost::asio::any_io_executor& ex, const config::HttpServer& cfg, HttpApi& api,
             std::size_t max_connections = 1024);
  ~HttpServer();

  /// Binds and starts accepting; given `passed`, a listening TCP socket (from systemd), accepts
  /// on it instead of binding. Throws std::system_error when the address cannot be bound.
  void start(std::optional<int> passed = std::nullopt);
  std::uint16_t port() const { return port_; }
  /// The address accepted on, "127.0.0.1:9780" or "[::1]:9780".
  std::string address() const;
  /// Stops accepting, closes idle connections, and waits (until `deadline`) for the others.
  boost::asio::awaitable<void> stop(std::chrono::steady_clock::time_point deadline);

  /// Connections open now.
  std::size_t connections() const { return conns_.size(); }
  /// Connections refused or idle ones closed at the limits (connections_refused_total).
  const ConnectionGuard& guard() const { return guard_; }
  /// Closes the connection waiting longest for its next request; false when none waits.
  bool close_longest_idle();

 private:
  struct Conn;
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> session(boost::asio::ip::tcp::socket socket);

  boost::asio::any_io_executor ex_;
  config::HttpServer cfg_;
  HttpOptions opts_;
  HttpApi& api_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  ConnectionGuard guard_;
  std::list<Conn> conns_;
  bool stopping_ = false;
  Signal session_ended_;
};

/// Writes `wire` to a connection whose socket is in non-blocking mode: at once when the socket
/// takes all of it (an answer of a few hundred bytes nearly always fits), else the rest through
/// the reactor under `timeout`, so that a client that does not read cannot hold the session.
/// `wire` is viewed, not copied: it must outlive the awaitable.
boost::asio::awaitable<boost::system::error_code> write_answer(boost::beast::tcp_stream& stream,
                                                               std::string_view wire,
                                                               std::chrono::steady_clock::duration timeout);

}  // namespace erralert::net
