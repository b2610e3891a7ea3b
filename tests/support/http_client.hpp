// Small blocking clients for integration tests: HTTP/1.1 on 127.0.0.1 and raw bytes on any socket.
//
//   HttpResult r = http_post(port, "/v1/events", R"({"service":"a","message":"m"})");
//   EXPECT_EQ(r.status, 202);
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace erralert::testing {

struct HttpResult {
  int status = 0;  ///< 0 when the connection failed or closed without an answer
  std::map<std::string, std::string> headers;  ///< lower-case names
  std::string body;
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

HttpResult http_request(std::uint16_t port, const std::string& method, const std::string& target,
                        const std::string& body = "",
                        const std::map<std::string, std::string>& headers = {});

inline HttpResult http_post(std::uint16_t port, const std::string& target, const std::string& body,
                            const std::string& content_type = "application/json",
                            std::map<std::string, std::string> headers = {}) {
  if (!content_type.empty()) headers["Content-Type"] = content_type;
  return http_request(port, "POST", target, body, headers);
}

inline HttpResult http_get(std::uint16_t port, const std::string& target) {
  return http_request(port, "GET", target);
}

struct TcpExchange {
  std::string received;
  bool closed_by_peer = false;  ///< the server closed before `timeout`
};

/// Writes `bytes` to 127.0.0.1:port and collects what comes back until the peer closes or
/// `timeout` passes.
TcpExchange tcp_exchange(std::uint16_t port, const std::string& bytes,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));

/// Writes `bytes` to a Unix stream socket and closes it.
void unix_stream_send(const std::string& path, const std::string& bytes);

/// Sends one datagram to a Unix datagram socket.
void unix_dgram_send(const std::string& path, const std::string& bytes);

}  // namespace erralert::testing
