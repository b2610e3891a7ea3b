// Receiver and Redis URLs: the one parser that the config loader and the HTTPS client both call, and the
// scrubber that keeps a URL's secret parts out of what a platform answers.
//
//   auto u = parse_http_url("https://discord.com/api/webhooks/1/abc");  // HttpUrl or why not
//   auto r = parse_redis_url("redis://:pw@10.0.0.5:6379/0");            // RedisUrl or why not
//   if (auto why = url_error(url, *find_platform("discord"))) report(*why);  // never echoes url
//   UrlScrubber scrub(url);
//   std::string safe = scrub("Cannot POST /api/webhooks/1/abc");  // "Cannot POST [redacted]"
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace erralert::core {

struct PlatformInfo;

/// An http(s) URL split for the steps of a request.
struct HttpUrl {
  bool tls = false;
  std::string host;         ///< no brackets; what to resolve, verify and send as SNI
  bool host_is_ip = false;  ///< an IPv4 or IPv6 literal (no SNI, RFC 6066 section 3)
  std::uint16_t port = 0;   ///< the URL's, else 443 or 80
  std::string authority;    ///< host and port as the URL spells them: the Host header
  std::string target;       ///< path and query, never empty ("/" at least); no fragment
  bool has_query = false;
};

/// Splits `url`: "http://" or "https://" (any case), a host name, IPv4 or bracketed IPv6
/// address, an optional port of 1..65535, no user info, no spaces or control characters, and a
/// path and query of URL characters (percent-encoded where needed). Else why not, in words that
/// never echo the URL.
std::variant<HttpUrl, std::string> parse_http_url(std::string_view url);

/// Where fleet mode's Redis is (cluster.redis).
struct RedisUrl {
  std::string host;  ///< no brackets
  std::uint16_t port = 6379;
  std::string user;      ///< empty: AUTH with the password alone (or no AUTH without one)
  std::string password;  ///< a secret, like a webhook URL: never logged
  int db = 0;
};

/// Splits `url`: "redis://[[user]:password@]host[:port][/db]", user and password
/// percent-decoded. Else why not, in words that never echo the URL (it may hold a password).
std::variant<RedisUrl, std::string> parse_redis_url(std::string_view url);

/// Why `url` cannot be a receiver URL of any platform; nullopt when it can.
std::optional<std::string> url_error(std::string_view url);

/// Why `url` cannot be a URL of `platform`'s receivers: url_error(), and for a platform that
/// requires TLS (Discord, Slack) plain http to anything but a loopback address.
std::optional<std::string> url_error(std::string_view url, const PlatformInfo& platform);

/// Whether `u` names this host: localhost (and *.localhost), 127.0.0.0/8 or ::1.
bool is_loopback(const HttpUrl& u);

/// Replaces, in texts that came back from a platform (error pages, headers), every spelling of
/// a URL's secret parts: the URL itself, its path and query, and each path segment or query
/// value that looks like a token (8+ characters with a digit, or 16+), raw and percent-decoded.
class UrlScrubber {
 public:
  UrlScrubber() = default;
  explicit UrlScrubber(std::string_view url);
  /// `text` with each secret part replaced by "[redacted]".
  std::string operator()(std::string_view text) const;

 private:
  std::vector<std::string> secrets_;  ///< longest first, so a URL goes before its path
};

}  // namespace erralert::core
