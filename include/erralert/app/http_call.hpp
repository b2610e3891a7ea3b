// One blocking HTTP/1.1 request to a running erralertd, for the command line (send, silence).
//
//   auto to = parse_daemon_url("http://127.0.0.1:9780");
//   HttpAnswer a = http_call({"GET", *to, "/v1/silences", "", ""});   // throws when unreachable
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace erralert::app {

/// Where a daemon listens, from --to http://HOST:PORT[/PATH][?QUERY].
struct DaemonUrl {
  std::string host;
  std::string port;    ///< "80" when the URL names none
  std::string target;  ///< path and query as written; empty when the URL has neither
};

/// nullopt unless `text` is an http:// URL with a host.
std::optional<DaemonUrl> parse_daemon_url(std::string_view text);

struct HttpCall {
  std::string method;  ///< GET, POST, DELETE
  DaemonUrl to;
  std::string target;  ///< the request target, e.g. "/v1/silences"
  std::string body;    ///< sent as application/json when not empty
  std::string token;   ///< sent as Authorization: Bearer <token> when not empty
};

struct HttpAnswer {
  int status = 0;
  std::string body;
};

/// Sends `call` and reads the answer. Throws std::exception (its what() says why) when the
/// daemon cannot be reached or closes without answering.
HttpAnswer http_call(const HttpCall& call);

}  // namespace erralert::app
