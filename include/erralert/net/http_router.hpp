// The HTTP API as socket-free functions: a request in, a response out.
//
//   if (auto early = precheck(parser.get(), opts)) write(*early);      // after the headers
//   else write(answer(parser.get(), api));                             // after the body
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "erralert/net/http_api.hpp"

namespace erralert::net {

namespace http = boost::beast::http;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

struct HttpOptions {
  std::size_t max_body_bytes = 1048576;
  std::string token;  ///< empty: no Authorization needed
  /// Origins (e.g. "https://ops.example.com") whose pages may call the API; a request carrying
  /// any other Origin is refused. Empty: none may.
  std::vector<std::string> allowed_origins{};
  /// Host names, beyond IP addresses and localhost, that a request's Host may name (DNS
  /// rebinding: a page of evil.example resolved to 127.0.0.1 still sends Host: evil.example).
  std::vector<std::string> allowed_hosts{};
};

/// Answers that need only the headers: 403 for a foreign Origin or Host (every request), 401
/// (POST /v1/events, /v1/silences and /-/reload; DELETE /v1/silences/{id}), 413 by
/// Content-Length (against body_limit()), 415 for a missing or other content type (not on the
/// Sentry endpoints, whose SDKs authenticate by key and may send none). nullopt: read the body.
std::optional<Response> precheck(const http::request_header<>& req, const HttpOptions& opts);

/// The most body bytes a request with this header may send: server.http.max_body_bytes, and at
/// most 20 MiB for the Sentry endpoints (what a body may decompress to).
std::size_t body_limit(const http::request_header<>& req, const HttpOptions& opts);

/// Answers a complete request whose header precheck() let through. An accepted POST
/// /v1/events sets `*durable_ticket` to what HttpApi::durable() must confirm before the answer
/// goes out (0: nothing to wait for).
Response answer(const Request& req, HttpApi& api, std::uint64_t* durable_ticket = nullptr);

/// Answers a complete request: precheck(), then answer().
Response handle_request(const Request& req, HttpApi& api, const HttpOptions& opts);

/// The response as it goes on the wire (status line, fields as set, body), in one string: what
/// Beast's serializer writes, without its per-write machinery.
std::string to_wire(const Response& res);

/// An error answer in the contract's shape {"code","message","errors"}.
Response error_response(http::status status, std::string_view code, std::string_view message,
                        unsigned version, bool keep_alive,
                        const nlohmann::json& errors = nlohmann::json::array());

}  // namespace erralert::net
