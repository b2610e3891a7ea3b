// HttpsClient: POSTs to one webhook URL over HTTP/1.1 (TLS verified, connection kept alive).
//
//   HttpsClient client(ex, receiver.url, receiver.ca_file, std::chrono::seconds(10));
//   ClientResult r = co_await client.post(json, "application/json", "wait=true");
//   if (r.error != ClientErrorKind::none) log(r.message);  // never holds the URL
//   else if (r.response.status == 429) wait(r.response.headers["retry-after"]);
//
// The client only transports: a 429, 5xx or 404 is a response like any other, for the caller
// to interpret. Beast and OpenSSL stay in the .cpp, so this header is cheap to include.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

namespace erralert::net {

struct ClientResponse {
  int status = 0;                              ///< 0 when there was no HTTP answer
  std::map<std::string, std::string> headers;  ///< names lower-cased
  std::string body;                            ///< capped at kMaxResponseBody bytes
  bool truncated = false;                      ///< the body was over the cap; `body` is a prefix
};

enum class ClientErrorKind { none, timeout, network, tls, protocol };

struct ClientResult {
  ClientErrorKind error = ClientErrorKind::none;
  std::string message;      ///< human text; NEVER contains the URL, its host, path, query or token
  ClientResponse response;  ///< valid when error == none
};

/// The most of a response body the client keeps (a webhook answer is small).
inline constexpr std::size_t kMaxResponseBody = 64 * 1024;

/// The name of an error kind, for logs and metrics labels.
std::string_view to_string(ClientErrorKind kind);

/// What a receiver posts through: HttpsClient, or a fake in tests.
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  /// POSTs `body` as `content_type`, with `extra_query` appended to the URL's query.
  virtual boost::asio::awaitable<ClientResult> post(std::string body, std::string_view content_type,
                                                    std::string_view extra_query = {}) = 0;
  /// Drops any kept-alive connection (a post in flight fails with a network error).
  virtual void close() = 0;
  /// Why this client cannot send, URL-free; nullopt when it can.
  virtual const std::optional<std::string>& setup_error() const = 0;
};

class HttpsClient final : public HttpClient {
 public:
  /// `url` is a secret (it holds the webhook token): kept private, never logged or returned.
  /// `ca_file`: empty = the system trust store (honours SSL_CERT_FILE and SSL_CERT_DIR, read
  /// now); else only that CA bundle. Never throws: a bad URL or CA file fails every post().
  HttpsClient(const boost::asio::any_io_executor& ex, std::string url, std::string ca_file,
              std::chrono::milliseconds timeout);
  ~HttpsClient() override;
  HttpsClient(const HttpsClient&) = delete;
  HttpsClient& operator=(const HttpsClient&) = delete;

  /// POSTs `body` as `content_type` to the URL, with `extra_query` (e.g. "wait=true") appended
  /// to its query. Each network step has its own deadline of `timeout`. One kept-alive
  /// connection; a reused connection found closed before any response byte is retried once on
  /// a new one. Concurrent calls are served one after another. Destroying the client closes
  /// the connection; a call in flight then ends with a network error.
  boost::asio::awaitable<ClientResult> post(std::string body, std::string_view content_type,
                                            std::string_view extra_query = {}) override;

  /// Drops the kept-alive connection (a post in flight fails with a network error).
  void close() override;

  /// Why this client cannot send (bad URL, unreadable CA file), URL-free; nullopt when it can.
  const std::optional<std::string>& setup_error() const override;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;  // shared with the posts in flight
};

/// Validates a receiver URL: "https://" or "http://", a host, no userinfo. Returns the problem,
/// or nullopt when the URL is usable. The text never echoes the URL.
std::optional<std::string> check_url(std::string_view url);

}  // namespace erralert::net
