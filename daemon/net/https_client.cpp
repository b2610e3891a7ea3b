// HttpsClient: resolve, connect, TLS handshake, write, read — a deadline before every step.
#include "erralert/net/https_client.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <variant>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include "erralert/core/url.hpp"
#include "erralert/net/signal.hpp"

namespace erralert::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view kUserAgent = "erralert/0.1";
constexpr std::size_t kMaxResponseHeader = 16 * 1024;

/// Where the URL points, split for the steps that need each part. Private to the client.
struct Target {
  bool tls = false;
  std::string host;         ///< for resolve, SNI and verification (no brackets, decoded)
  bool host_is_ip = false;  ///< no SNI for an address (RFC 6066 section 3)
  std::string port;
  std::string host_header;  ///< as the URL spells it, with its port when it has one
  std::string path;         ///< path and query, never empty
  bool has_query = false;
};

/// Splits `url` with the parser the config loader uses, or says (without echoing it) why not.
std::variant<Target, std::string> parse_target(std::string_view url) {
  auto parsed = core::parse_http_url(url);
  if (auto* problem = std::get_if<std::string>(&parsed)) return "the URL " + *problem;
  auto& u = std::get<core::HttpUrl>(parsed);
  return Target{u.tls, std::move(u.host), u.host_is_ip, std::to_string(u.port), std::move(u.authority),
                std::move(u.target), u.has_query};
}

enum class Step { resolve, connect, handshake, write, read };

std::string_view step_name(Step step) {
  switch (step) {
    case Step::resolve: return "resolve";
    case Step::connect: return "connect";
    case Step::handshake: return "TLS handshake";
    case Step::write: return "write";
    case Step::read: return "read";
  }
  return "request";
}

ClientResult error_result(ClientErrorKind kind, std::string message) {
  ClientResult r;
  r.error = kind;
  r.message = std::move(message);
  return r;
}

/// OpenSSL's reason for a TLS error, and the certificate check's verdict when it failed.
std::string tls_reason(const error_code& ec, SSL* ssl) {
  std::string reason;
  if (ec == ssl::error::stream_truncated) {
    reason = "connection closed during the handshake";
  } else if (ec.category() == asio::error::get_ssl_category()) {
    const char* r = ERR_reason_error_string(static_cast<unsigned long>(ec.value()));
    reason = r ? r : "error " + std::to_string(ec.value());
  } else {
    reason = ec.message();
  }
  if (ssl != nullptr) {
    const long verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK) {
      reason += " (";
      reason += X509_verify_cert_error_string(verify);
      reason += ")";
    }
  }
  return reason;
}

bool is_closed_by_peer(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == ssl::error::stream_truncated;
}

/// Turns the failed `step` into a URL-free result. Error codes never carry the URL: their
/// text comes from errno, getaddrinfo, OpenSSL or Beast.
ClientResult fail(const error_code& ec, Step step, bool got_response_bytes = false, SSL* ssl = nullptr) {
  using K = ClientErrorKind;
  const std::string what(step_name(step));
  if (ec == beast::error::timeout || ec == asio::error::timed_out) {
    return error_result(K::timeout, "timed out during " + what);
  }
  if (ec == asio::error::operation_aborted) {
    return error_result(K::network, "request cancelled during " + what + " (connection closed by the client)");
  }
  switch (step) {
    case Step::resolve:
      return error_result(K::network, "cannot resolve the host: " + ec.message());
    case Step::connect:
      if (ec == asio::error::connection_refused) return error_result(K::network, "connection refused");
      return error_result(K::network, "connect failed: " + ec.message());
    case Step::handshake:
      return error_result(K::tls, "TLS handshake failed: " + tls_reason(ec, ssl));
    case Step::write:
    case Step::read:
      break;
  }
  if (is_closed_by_peer(ec)) {
    return error_result(K::network, got_response_bytes
                                        ? "connection closed by the server during the response"
                                        : "connection closed by the server before a response");
  }
  if (ec == http::error::header_limit) return error_result(K::protocol, "response header over 16 KiB");
  if (ec.category() == error_code(http::error::bad_version).category()) {
    return error_result(K::protocol, "malformed HTTP response: " + ec.message());
  }
  if (ec.category() == asio::error::get_ssl_category()) {
    return error_result(K::tls, "TLS error during " + what + ": " + tls_reason(ec, nullptr));
  }
  return error_result(K::network, what + " failed: " + ec.message());
}

/// The outcome of one request on one connection.
struct Attempt {
  error_code ec;
  Step step = Step::write;
  bool got_response_bytes = false;
  bool keep_alive = false;
  ClientResponse response;
};

/// Writes `req` and reads the answer on an established `stream`.
template <class Stream>
asio::awaitable<Attempt> exchange(Stream& stream, beast::flat_buffer& buffer,
                                  const http::request<http::string_body>& req,
                                  std::chrono::milliseconds timeout) {
  Attempt a;
  auto& lowest = beast::get_lowest_layer(stream);
  lowest.expires_after(timeout);
  auto [wec, wn] = co_await http::async_write(stream, req, use_tuple);
  if (wec) {
    a.ec = wec;
    a.step = Step::write;
    co_return a;
  }

  http::response_parser<http::string_body> parser;
  parser.header_limit(kMaxResponseHeader);
  parser.body_limit(kMaxResponseBody);
  lowest.expires_after(timeout);
  auto [rec, rn] = co_await http::async_read(stream, buffer, parser, use_tuple);
  lowest.expires_never();
  a.step = Step::read;
  a.got_response_bytes = parser.got_some() || buffer.size() > 0;
  const bool truncated = rec == http::error::body_limit && parser.is_header_done();
  if (rec && !truncated) {
    a.ec = rec;
    co_return a;
  }

  const auto& res = parser.get();
  a.response.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto [it, fresh] = a.response.headers.try_emplace(std::move(name), std::string(field.value()));
    if (!fresh) {
      it->second += ", ";
      it->second += field.value();
    }
  }
  a.response.body = res.body();
  if (a.response.body.size() > kMaxResponseBody) a.response.body.resize(kMaxResponseBody);
  a.response.truncated = truncated;
  // Unread body bytes would be taken for the next response: a truncated answer ends the
  // connection.
  a.keep_alive = !truncated && res.keep_alive();
  co_return a;
}

}  // namespace

std::string_view to_string(ClientErrorKind kind) {
  switch (kind) {
    case ClientErrorKind::none: return "none";
    case ClientErrorKind::timeout: return "timeout";
    case ClientErrorKind::network: return "network";
    case ClientErrorKind::tls: return "tls";
    case ClientErrorKind::protocol: return "protocol";
  }
  return "unknown";
}

std::optional<std::string> check_url(std::string_view url) {
  auto t = parse_target(url);
  if (auto* problem = std::get_if<std::string>(&t)) return *problem;
  return std::nullopt;
}

struct HttpsClient::Impl {
  Impl(const asio::any_io_executor& ex, std::string_view url, const std::string& ca_file,
       std::chrono::milliseconds timeout);

  static asio::awaitable<ClientResult> post(std::shared_ptr<Impl> self, std::string body,
                                            std::string content_type, std::string extra_query);
  /// One try on the kept-alive connection, or on a new one when there is none.
  asio::awaitable<ClientResult> attempt(const http::request<http::string_body>& req, bool& may_retry);
  asio::awaitable<std::optional<ClientResult>> connect();
  asio::awaitable<std::pair<error_code, tcp::resolver::results_type>> resolve();
  /// Whether the kept-alive connection is open and quiet, so a request may go on it.
  bool reusable();
  /// Closes the socket; ops in flight end with operation_aborted.
  void close_socket();
  /// Forgets the connection; only when no operation is pending on it.
  void drop();

  asio::any_io_executor ex_;
  std::chrono::milliseconds timeout_;
  Target target_;
  core::UrlScrubber scrub_;  ///< what an answer must not repeat of the URL
  std::optional<std::string> setup_error_;
  ClientErrorKind setup_error_kind_ = ClientErrorKind::protocol;
  std::optional<ssl::context> ssl_ctx_;
  std::optional<beast::tcp_stream> plain_;
  std::optional<ssl::stream<beast::tcp_stream>> tls_;
  beast::flat_buffer buffer_;
  bool busy_ = false;
  Signal idle_;
};

HttpsClient::Impl::Impl(const asio::any_io_executor& ex, std::string_view url, const std::string& ca_file,
                        std::chrono::milliseconds timeout)
    : ex_(ex), timeout_(timeout), scrub_(url), idle_(ex) {
  auto parsed = parse_target(url);
  if (auto* problem = std::get_if<std::string>(&parsed)) {
    setup_error_ = "invalid receiver URL: " + *problem;
    return;
  }
  target_ = std::get<Target>(std::move(parsed));
  if (!target_.tls) return;
  try {
    ssl_ctx_.emplace(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ssl_ctx_->native_handle(), TLS1_2_VERSION);
    ssl_ctx_->set_verify_mode(ssl::verify_peer);
    error_code ec;
    if (ca_file.empty()) {
      ssl_ctx_->set_default_verify_paths(ec);  // SSL_CERT_FILE / SSL_CERT_DIR, else the system store
    } else {
      ssl_ctx_->load_verify_file(ca_file, ec);
    }
    if (ec) {
      setup_error_ = "cannot load " + (ca_file.empty() ? std::string("the system trust store") : "CA file " + ca_file) +
                     ": " + tls_reason(ec, nullptr);
      setup_error_kind_ = ClientErrorKind::tls;
    }
  } catch (const std::exception& e) {
    setup_error_ = std::string("cannot create the TLS context: ") + e.what();
    setup_error_kind_ = ClientErrorKind::tls;
  }
}

bool HttpsClient::Impl::reusable() {
  if (buffer_.size() > 0) return false;  // bytes after the last answer: not ours to read
  tcp::socket* socket = nullptr;
  if (plain_) socket = &plain_->socket();
  if (tls_) socket = &beast::get_lowest_layer(*tls_).socket();
  if (socket == nullptr || !socket->is_open()) return false;
  // An idle connection must have nothing to say: a FIN (0), a TLS close_notify or an
  // unsolicited "408 Request Timeout" (> 0) means the server is done with it, and reading
  // that 408 as our answer would be wrong. Peek without blocking and without consuming.
  char byte = 0;
  const auto n = ::recv(socket->native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void HttpsClient::Impl::close_socket() {
  error_code ignored;
  if (plain_) plain_->socket().close(ignored);
  if (tls_) beast::get_lowest_layer(*tls_).socket().close(ignored);
}

void HttpsClient::Impl::drop() {
  close_socket();
  plain_.reset();
  tls_.reset();
  buffer_.clear();
}

asio::awaitable<std::pair<error_code, tcp::resolver::results_type>> HttpsClient::Impl::resolve() {
  // A resolver has no expires_after: a timer cancels it. Both handlers may be queued at once,
  // so what the timer's handler touches is shared, not in this frame.
  auto resolver = std::make_shared<tcp::resolver>(ex_);
  auto timed_out = std::make_shared<bool>(false);
  asio::steady_timer timer(ex_, timeout_);
  timer.async_wait([resolver, timed_out](const error_code& ec) {
    if (ec) return;
    *timed_out = true;
    resolver->cancel();
  });
  auto [ec, results] = co_await resolver->async_resolve(target_.host, target_.port, use_tuple);
  timer.cancel();
  if (ec && *timed_out) ec = beast::error::timeout;
  co_return std::pair{ec, std::move(results)};
}

asio::awaitable<std::optional<ClientResult>> HttpsClient::Impl::connect() {
  drop();
  auto [rec, endpoints] = co_await resolve();
  if (rec) co_return fail(rec, Step::resolve);

  beast::tcp_stream* lowest = nullptr;
  if (target_.tls) {
    lowest = &beast::get_lowest_layer(tls_.emplace(ex_, *ssl_ctx_));
  } else {
    lowest = &plain_.emplace(ex_);
  }
  lowest->expires_after(timeout_);
  auto [cec, ep] = co_await lowest->async_connect(endpoints, use_tuple);
  if (cec) {
    drop();
    co_return fail(cec, Step::connect);
  }
  error_code ignored;
  lowest->socket().set_option(tcp::no_delay(true), ignored);
  if (!target_.tls) co_return std::nullopt;

  SSL* ssl = tls_->native_handle();
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  const bool named = target_.host_is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, target_.host.c_str()) == 1
                                        : X509_VERIFY_PARAM_set1_host(param, target_.host.c_str(), 0) == 1;
  if (!named || (!target_.host_is_ip && SSL_set_tlsext_host_name(ssl, target_.host.c_str()) != 1)) {
    drop();
    co_return error_result(ClientErrorKind::tls, "TLS handshake failed: cannot set the expected host name");
  }
  lowest->expires_after(timeout_);
  auto [hec] = co_await tls_->async_handshake(ssl::stream_base::client, use_tuple);
  if (hec) {
    auto r = fail(hec, Step::handshake, false, ssl);
    drop();
    co_return r;
  }
  lowest->expires_never();
  co_return std::nullopt;
}

asio::awaitable<ClientResult> HttpsClient::Impl::attempt(const http::request<http::string_body>& req,
                                                         bool& may_retry) {
  const bool reused = reusable();
  may_retry = false;
  // (No co_await inside a ?: or an if's condition: GCC 12 destroys temporaries there twice.)
  if (!reused) {
    std::optional<ClientResult> err = co_await connect();
    if (err) co_return std::move(*err);
  }
  Attempt a;
  if (target_.tls) {
    a = co_await exchange(*tls_, buffer_, req, timeout_);
  } else {
    a = co_await exchange(*plain_, buffer_, req, timeout_);
  }
  if (a.ec) {
    // A kept-alive connection the server closed while idle: the request never got a byte
    // of answer, so it is sent again on a fresh connection (RFC 9112 section 9.3.1).
    may_retry = reused && !a.got_response_bytes && is_closed_by_peer(a.ec);
    drop();
    co_return fail(a.ec, a.step, a.got_response_bytes);
  }
  if (!a.keep_alive) drop();
  ClientResult r;
  r.response = std::move(a.response);
  co_return r;
}

asio::awaitable<ClientResult> HttpsClient::Impl::post(std::shared_ptr<Impl> self, std::string body,
                                                      std::string content_type, std::string extra_query) {
  if (self->setup_error_) co_return error_result(self->setup_error_kind_, *self->setup_error_);

  // One request at a time on the one connection; later callers wait their turn.
  while (self->busy_) co_await self->idle_.wait();
  self->busy_ = true;
  struct Release {
    Impl& impl;
    ~Release() {
      impl.busy_ = false;
      impl.idle_.notify();
    }
  } release{*self};

  std::string target = self->target_.path;
  if (!extra_query.empty()) {
    target += self->target_.has_query ? '&' : '?';
    target += extra_query;
  }
  http::request<http::string_body> req{http::verb::post, target, 11};
  req.set(http::field::host, self->target_.host_header);
  req.set(http::field::user_agent, kUserAgent);
  req.set(http::field::content_type, content_type);
  req.keep_alive(true);
  req.body() = std::move(body);
  req.prepare_payload();

  bool may_retry = false;
  ClientResult r = co_await self->attempt(req, may_retry);
  if (may_retry) r = co_await self->attempt(req, may_retry);
  // A platform's error page may repeat the path it was asked for ("Cannot POST /api/webhooks/
  // 1/<token>"), a redirect names it in Location: what came back is scrubbed before anyone
  // stores or logs it.
  r.message = self->scrub_(r.message);
  r.response.body = self->scrub_(r.response.body);
  for (auto& [name, value] : r.response.headers) value = self->scrub_(value);
  co_return r;
}

HttpsClient::HttpsClient(const asio::any_io_executor& ex, std::string url, std::string ca_file,
                         std::chrono::milliseconds timeout)
    : impl_(std::make_shared<Impl>(ex, url, ca_file, timeout)) {
  // The URL is not kept: what post() needs of it lives in Impl::target_, out of any message.
  std::fill(url.begin(), url.end(), '\0');
}

HttpsClient::~HttpsClient() {
  if (impl_->busy_) {
    impl_->close_socket();  // the post in flight holds impl_ and ends on its own
  } else {
    impl_->drop();
  }
}

asio::awaitable<ClientResult> HttpsClient::post(std::string body, std::string_view content_type,
                                                std::string_view extra_query) {
  // Not a coroutine itself: the views are copied now, before the caller's strings can go.
  return Impl::post(impl_, std::move(body), std::string(content_type), std::string(extra_query));
}

void HttpsClient::close() {
  if (impl_->busy_) {
    impl_->close_socket();
  } else {
    impl_->drop();
  }
}

const std::optional<std::string>& HttpsClient::setup_error() const { return impl_->setup_error_; }

}  // namespace erralert::net
