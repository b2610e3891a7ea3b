// Receiver URLs: parsing, the platform's TLS rule, and scrubbing a URL's secrets from answers.
#include "erralert/core/url.hpp"

#include <arpa/inet.h>

#include <algorithm>

#include "erralert/core/platform.hpp"
#include "erralert/core/text.hpp"

namespace erralert::core {
namespace {

constexpr std::string_view kRedacted = "[redacted]";

bool is_alnum(char c) { return is_digit(c) || (ascii_lower(c) >= 'a' && ascii_lower(c) <= 'z'); }
bool is_hex(char c) { return is_digit(c) || (ascii_lower(c) >= 'a' && ascii_lower(c) <= 'f'); }

/// RFC 3986 unreserved and sub-delims: what a host name or a path segment may hold as it is.
bool is_plain(char c) {
  return is_alnum(c) || std::string_view("-._~!$&'()*+,;=").find(c) != std::string_view::npos;
}

/// Whether `s` is made of `is_plain` bytes, `extra` bytes and well-formed %XX escapes.
bool well_encoded(std::string_view s, std::string_view extra) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) return false;
      i += 2;
    } else if (!is_plain(s[i]) && extra.find(s[i]) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

/// The port's digits as a number of 1..65535, or nullopt.
std::optional<std::uint16_t> port_number(std::string_view digits) {
  if (digits.empty() || digits.size() > 5) return std::nullopt;
  unsigned long value = 0;
  for (char c : digits) {
    if (!is_digit(c)) return std::nullopt;
    value = value * 10 + static_cast<unsigned long>(c - '0');
  }
  if (value == 0 || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

/// A path segment or query value that a platform uses as a secret (Discord's token, Slack's
/// T/B/X triple, a webhook key): long, or long enough and holding a digit.
bool looks_like_token(std::string_view s) {
  return s.size() >= 16 || (s.size() >= 8 && std::any_of(s.begin(), s.end(), is_digit));
}

/// A URL's host and port, as parsed from its authority (after any user info).
struct HostPort {
  std::string host;  ///< no brackets, percent-decoded
  bool host_is_ip = false;
  std::uint16_t port = 0;
};

/// Splits `authority` (no user info) into a host name, IPv4 or bracketed IPv6 address, and an
/// optional port of 1..65535 (`default_port` without one). Else why not, never echoing it.
std::variant<HostPort, std::string> parse_host_port(std::string_view authority, std::uint16_t default_port) {
  HostPort u;
  std::string_view host;
  std::string_view port;
  bool has_port = false;
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::string("has an IPv6 address without its closing ]");
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return std::string("has characters after the ] of its IPv6 address");
    has_port = !after.empty();
    if (has_port) port = after.substr(1);
    in6_addr a6{};
    if (::inet_pton(AF_INET6, std::string(host).c_str(), &a6) != 1) return std::string("has an invalid IPv6 address");
    u.host_is_ip = true;
  } else {
    const std::size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    has_port = colon != std::string_view::npos;
    if (has_port) port = authority.substr(colon + 1);
    if (!host.empty() && std::all_of(host.begin(), host.end(), [](char c) { return is_digit(c) || c == '.'; })) {
      in_addr a4{};
      if (::inet_pton(AF_INET, std::string(host).c_str(), &a4) != 1) return std::string("has an invalid IPv4 address");
      u.host_is_ip = true;
    } else if (!well_encoded(host, "")) {
      return std::string("has an invalid host name");
    }
  }
  if (host.empty()) return std::string("has no host name after the scheme");
  if (has_port) {
    const auto n = port_number(port);
    if (!n) return std::string("has an invalid port (expected 1..65535)");
    u.port = *n;
  } else {
    u.port = default_port;
  }
  u.host = u.host_is_ip ? std::string(host) : percent_decode(host);
  return u;
}

}  // namespace

std::variant<HttpUrl, std::string> parse_http_url(std::string_view url) {
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return std::string("must not contain spaces or control characters");
  }
  HttpUrl u;
  std::string_view rest;
  if (istarts_with(url, "https://")) {
    u.tls = true;
    rest = url.substr(8);
  } else if (istarts_with(url, "http://")) {
    rest = url.substr(7);
  } else {
    return std::string("must start with https:// or http://");
  }
  const std::size_t auth_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, auth_end);
  std::string_view tail = auth_end == std::string_view::npos ? std::string_view{} : rest.substr(auth_end);
  if (authority.find('@') != std::string_view::npos) return std::string("must not hold user info (user:password@)");
  auto hp = parse_host_port(authority, u.tls ? 443 : 80);
  if (auto* why = std::get_if<std::string>(&hp)) return std::move(*why);
  auto& parsed = std::get<HostPort>(hp);
  u.host = std::move(parsed.host);
  u.host_is_ip = parsed.host_is_ip;
  u.port = parsed.port;
  u.authority = std::string(authority);
  tail = tail.substr(0, tail.find('#'));
  const std::size_t q = tail.find('?');
  if (!well_encoded(tail.substr(0, q), ":@/") ||
      (q != std::string_view::npos && !well_encoded(tail.substr(q + 1), ":@/?"))) {
    return std::string("has a character in its path or query that must be percent-encoded");
  }
  u.has_query = q != std::string_view::npos;
  u.target = tail.empty() || tail.front() == '?' ? "/" + std::string(tail) : std::string(tail);
  return u;
}

std::variant<RedisUrl, std::string> parse_redis_url(std::string_view url) {
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return std::string("must not contain spaces or control characters");
  }
  if (istarts_with(url, "rediss://")) {
    return std::string("rediss:// (TLS) is not supported: reach Redis on a private network or through a TLS tunnel");
  }
  if (!istarts_with(url, "redis://")) return std::string("must start with redis://");
  std::string_view rest = url.substr(8);
  const std::size_t auth_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, auth_end);
  const std::string_view tail = auth_end == std::string_view::npos ? std::string_view{} : rest.substr(auth_end);
  RedisUrl u;
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view info = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const std::size_t colon = info.find(':');
    const std::string_view user = info.substr(0, colon);
    const std::string_view password = colon == std::string_view::npos ? std::string_view{} : info.substr(colon + 1);
    if (!well_encoded(user, "") || !well_encoded(password, ":")) {
      return std::string("has a character in its user or password that must be percent-encoded");
    }
    if (colon == std::string_view::npos) {
      u.password = percent_decode(user);  // redis://secret@host: the password alone, as redis-cli takes it
    } else {
      u.user = percent_decode(user);
      u.password = percent_decode(password);
    }
  }
  auto hp = parse_host_port(authority, 6379);
  if (auto* why = std::get_if<std::string>(&hp)) return std::move(*why);
  u.host = std::move(std::get<HostPort>(hp).host);
  u.port = std::get<HostPort>(hp).port;
  if (tail.empty() || tail == "/") return u;
  if (tail.front() != '/') return std::string("takes no query or fragment");
  const std::string_view db = tail.substr(1);
  if (db.empty() || db.size() > 5 || !std::all_of(db.begin(), db.end(), is_digit)) {
    return std::string("has a database that is not a number (redis://host:6379/0)");
  }
  u.db = std::stoi(std::string(db));
  return u;
}

std::optional<std::string> url_error(std::string_view url) {
  auto parsed = parse_http_url(url);
  if (auto* why = std::get_if<std::string>(&parsed)) return std::move(*why);
  return std::nullopt;
}

std::optional<std::string> url_error(std::string_view url, const PlatformInfo& platform) {
  auto parsed = parse_http_url(url);
  if (auto* why = std::get_if<std::string>(&parsed)) return std::move(*why);
  const auto& u = std::get<HttpUrl>(parsed);
  if (platform.https_only && !u.tls && !is_loopback(u)) {
    return std::string("must start with https:// for ") + std::string(platform.type) +
           " receivers (plain http:// only to a loopback address)";
  }
  return std::nullopt;
}

bool is_loopback(const HttpUrl& u) {
  const std::string host(u.host);
  if (iequals(host, "localhost") || (host.size() > 10 && iequals(std::string_view(host).substr(host.size() - 10), ".localhost"))) {
    return true;
  }
  in_addr a4{};
  if (::inet_pton(AF_INET, host.c_str(), &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
  in6_addr a6{};
  return ::inet_pton(AF_INET6, host.c_str(), &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

UrlScrubber::UrlScrubber(std::string_view url) {
  std::vector<std::string> found;
  const auto add = [&](std::string_view s) {
    if (s.size() < 4 || s == "/") return;
    found.emplace_back(s);
    if (std::string d = percent_decode(s); d != s) found.push_back(std::move(d));
  };
  add(url);
  auto parsed = parse_http_url(url);
  if (const auto* u = std::get_if<HttpUrl>(&parsed)) {
    add(u->authority + u->target);
    add(u->target);
    const std::string_view target = u->target;
    const std::size_t q = target.find('?');
    const std::string_view path = target.substr(0, q);
    add(path);
    std::size_t start = 0;
    while (start <= path.size()) {
      const std::size_t end = std::min(path.find('/', start), path.size());
      if (const auto seg = path.substr(start, end - start); looks_like_token(seg)) add(seg);
      start = end + 1;
    }
    if (q != std::string_view::npos) {
      const std::string_view query = target.substr(q + 1);
      add(query);
      start = 0;
      while (start <= query.size()) {
        const std::size_t end = std::min(query.find('&', start), query.size());
        const std::string_view pair = query.substr(start, end - start);
        const std::size_t eq = pair.find('=');
        if (const auto value = eq == std::string_view::npos ? pair : pair.substr(eq + 1); looks_like_token(value)) add(value);
        start = end + 1;
      }
    }
  }
  std::sort(found.begin(), found.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  found.erase(std::unique(found.begin(), found.end()), found.end());
  secrets_ = std::move(found);
}

std::string UrlScrubber::operator()(std::string_view text) const {
  std::string out(text);
  for (const auto& secret : secrets_) {
    for (std::size_t at = out.find(secret); at != std::string::npos; at = out.find(secret, at + kRedacted.size())) {
      out.replace(at, secret.size(), kRedacted);
    }
  }
  return out;
}

}  // namespace erralert::core
