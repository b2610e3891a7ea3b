// HttpServer: accept loop and keep-alive sessions, a deadline before every network step.
#include "erralert/net/http_server.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <list>
#include <system_error>
#include <tuple>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <spdlog/spdlog.h>

#include "erralert/core/text.hpp"

namespace erralert::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kHeaderLimit = 16 * 1024;
/// How much of a body the server reads and discards after an answer that closes the
/// connection, and for how long: enough for a client that sends its whole body before it reads
/// (Python's http.client, requests) to see the answer instead of a reset.
constexpr std::size_t kDrainBytes = 16 * 1024 * 1024;
constexpr std::chrono::seconds kDrainTime{5};

/// Logs what went wrong on a connection, ignoring the ordinary ways one ends.
void fail(const boost::system::error_code& ec, const char* what) {
  if (ec == asio::error::operation_aborted || ec == beast::error::timeout ||
      ec == http::error::end_of_stream || ec == asio::error::eof ||
      ec == asio::error::connection_reset || ec == asio::error::broken_pipe) {
    return;
  }
  spdlog::debug("http: {}: {}", what, ec.message());
}

/// The answer to a request that could not be parsed; the connection closes after it.
std::optional<Response> parse_failure_response(const boost::system::error_code& ec) {
  if (ec == http::error::body_limit) {
    return error_response(http::status::payload_too_large, "body_too_large",
                          "the body is over server.http.max_body_bytes", 11, false);
  }
  if (ec == http::error::header_limit) {
    return error_response(http::status::request_header_fields_too_large, "header_too_large",
                          "request headers are over 16 KiB", 11, false);
  }
  const auto& http_errors = boost::system::error_code(http::error::bad_target).category();
  if (ec.category() == http_errors && ec != http::error::end_of_stream &&
      ec != http::error::partial_message) {
    return error_response(http::status::bad_request, "bad_request", "malformed HTTP request", 11, false);
  }
  return std::nullopt;
}

using RequestParser = http::request_parser<http::string_body>;

/// Feeds what `buffer` already holds to `parser`: up to the end of the header, or with
/// eager(true) through the body. A request that arrived whole (the usual case for an event)
/// then needs no further trip through the reactor and no read deadline. need_more is not an
/// error here: the caller reads on.
boost::system::error_code parse_buffered(RequestParser& parser, beast::flat_buffer& buffer) {
  boost::system::error_code ec;
  while (buffer.size() > 0 && !parser.is_done() && (parser.eager() || !parser.is_header_done())) {
    const std::size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec == http::error::need_more) return {};
    if (ec || used == 0) break;
  }
  return ec;
}

}  // namespace

/// One open connection, so that stop() can close the ones waiting for a next request and a
/// full listener the one idle longest.
struct HttpServer::Conn {
  beast::tcp_stream* stream;
  bool idle;
  std::chrono::steady_clock::time_point idle_since;
};

HttpServer::HttpServer(const asio::any_io_executor& ex, const config::HttpServer& cfg, HttpApi& api,
                       std::size_t max_connections)
    : ex_(ex),
      cfg_(cfg),
      opts_{cfg.max_body_bytes, cfg.token, cfg.allowed_origins, cfg.allowed_hosts},
      api_(api),
      acceptor_(ex),
      guard_(ex, "http", max_connections, [this] { return close_longest_idle(); }),
      session_ended_(ex) {}

HttpServer::~HttpServer() = default;

asio::awaitable<boost::system::error_code> write_answer(beast::tcp_stream& stream, std::string_view wire,
                                                        std::chrono::steady_clock::duration timeout) {
  boost::system::error_code ec;
  const std::size_t written = stream.socket().write_some(asio::buffer(wire), ec);  // non-blocking
  if (ec == asio::error::would_block) {
    ec = {};
  } else if (ec || written == wire.size()) {
    co_return ec;
  }
  stream.expires_after(timeout);
  std::tie(ec, std::ignore) = co_await asio::async_write(stream, asio::buffer(wire.substr(written)), use_tuple);
  co_return ec;
}

void HttpServer::start(std::optional<int> passed) {
  if (passed) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getsockname(*passed, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::system_error(errno, std::generic_category(), "getsockname");
    }
    acceptor_.assign(addr.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), *passed);
  } else {
    const tcp::endpoint ep{asio::ip::make_address(cfg_.host), cfg_.port};
    acceptor_.open(ep.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen(asio::socket_base::max_listen_connections);
  }
  port_ = acceptor_.local_endpoint().port();
  asio::co_spawn(ex_, accept_loop(), asio::detached);
}

std::string HttpServer::address() const {
  boost::system::error_code ec;
  const tcp::endpoint ep = acceptor_.local_endpoint(ec);
  if (ec) return "?";
  const std::string host = ep.address().to_string();
  return (ep.address().is_v6() ? "[" + host + "]" : host) + ":" + std::to_string(ep.port());
}

bool HttpServer::close_longest_idle() {
  Conn* oldest = longest_idle(conns_);
  if (oldest == nullptr) return false;
  boost::system::error_code ignored;
  oldest->stream->socket().close(ignored);  // the descriptor is free now; its read ends aborted
  oldest->idle = false;
  return true;
}

asio::awaitable<void> HttpServer::accept_loop() {
  while (!stopping_) {
    auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
    if (stopping_ || ec == asio::error::operation_aborted) break;
    if (ec) {
      // Out of descriptors (EMFILE, ENFILE) or kernel memory: the pending connection stays in
      // the backlog, so accepting again at once fails again at once. Make room, or pause.
      co_await guard_.accept_failed(ec);
      continue;
    }
    if (!guard_.admit(conns_.size())) continue;  // the socket closes as it goes out of scope
    socket.set_option(tcp::no_delay(true));
    socket.non_blocking(true);  // answers are written at once when they fit (write_answer)
    asio::co_spawn(ex_, session(std::move(socket)), asio::detached);
  }
}

namespace {

/// Whether the request asks for a 100 Continue before it sends its body.
bool expects_continue(const http::request_header<>& req) {
  const auto it = req.find(http::field::expect);
  return it != req.end() && core::iequals(core::trim(it->value()), "100-continue");
}

}  // namespace

asio::awaitable<void> HttpServer::session(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  auto self = conns_.insert(conns_.end(), Conn{&stream, true, std::chrono::steady_clock::now()});
  beast::flat_buffer buffer;
  bool closing_answer = false;
  for (;;) {
    // Wait for the first bytes of the next request under the idle deadline, then give the
    // header its own, shorter deadline so a client trickling bytes cannot hold the slot.
    self->idle = true;
    self->idle_since = std::chrono::steady_clock::now();
    if (buffer.size() == 0) {
      stream.expires_after(cfg_.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), use_tuple);
      if (ec || stopping_) {
        fail(ec, "read");
        break;
      }
      buffer.commit(n);
    }
    self->idle = false;

    RequestParser parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(opts_.max_body_bytes);
    boost::system::error_code hec = parse_buffered(parser, buffer);
    if (!hec && !parser.is_header_done()) {
      stream.expires_after(cfg_.header_timeout);
      std::tie(hec, std::ignore) = co_await http::async_read_header(stream, buffer, parser, use_tuple);
    }
    std::optional<Response> res;
    if (hec) {
      fail(hec, "read header");
      res = parse_failure_response(hec);
    } else {
      res = precheck(parser.get(), opts_);
      if (!res) parser.body_limit(body_limit(parser.get(), opts_));  // before any body byte is read
    }
    if (!res && !hec) {
      parser.eager(true);
      boost::system::error_code bec = parse_buffered(parser, buffer);
      if (!bec && !parser.is_done() && parser.get().version() >= 11 && expects_continue(parser.get())) {
        // RFC 9110 section 10.1.1: the client waits for this (curl for a second) before it sends.
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        bec = co_await write_answer(stream, kContinue, cfg_.body_timeout);
      }
      if (!bec && !parser.is_done()) {
        stream.expires_after(cfg_.body_timeout);
        std::tie(bec, std::ignore) = co_await http::async_read(stream, buffer, parser, use_tuple);
      }
      if (bec) {
        fail(bec, "read body");
        res = parse_failure_response(bec);
        if (!res) break;
      } else {
        std::uint64_t ticket = 0;
        res = answer(parser.get(), api_, &ticket);
        if (ticket != 0 && !co_await api_.durable(ticket)) {
          res = error_response(http::status::service_unavailable, "not_durable",
                               "the events were accepted into memory but not committed to the state store within "
                               "the body timeout; sending them again may count them twice",
                               parser.get().version(), parser.get().keep_alive());
        }
      }
    }
    if (!res) break;
    if (stopping_) res->keep_alive(false);
    const std::string wire = to_wire(*res);
    if (const auto wec = co_await write_answer(stream, wire, cfg_.body_timeout)) {
      fail(wec, "write");
      break;
    }
    if (!res->keep_alive()) {
      closing_answer = true;
      break;
    }
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  // After an answer that closes the connection, what the client still sends (the body of a
  // refused request) is read and dropped, within bounds, until it closes its side: closing with
  // unread bytes would reset the connection and could destroy the answer before it is read.
  if (closing_answer && stream.socket().is_open()) {
    // Idle for stop() and for a full listener: either may cut the drain short.
    self->idle = true;
    self->idle_since = std::chrono::steady_clock::now();
    std::size_t drained = buffer.size();
    buffer.clear();
    stream.expires_after(stopping_ ? std::chrono::seconds(0) : std::chrono::seconds(kDrainTime));
    while (drained < kDrainBytes) {
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(64 * 1024), use_tuple);
      if (ec) break;
      drained += n;
    }
  }
  conns_.erase(self);
  session_ended_.notify();
  guard_.closed(conns_.size());
}

asio::awaitable<void> HttpServer::stop(std::chrono::steady_clock::time_point deadline) {
  stopping_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  for (auto& c : conns_) {
    if (c.idle) c.stream->cancel();
  }
  while (!conns_.empty() && std::chrono::steady_clock::now() < deadline) {
    co_await session_ended_.wait_until(deadline);  // each ended session wakes this
  }
  for (auto& c : conns_) c.stream->socket().close(ignored);
}

}  // namespace erralert::net
