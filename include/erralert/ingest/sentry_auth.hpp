// Where a Sentry SDK puts its key: the X-Sentry-Auth header, ?sentry_key= in the query, or the
// DSN in an envelope's header (develop.sentry.dev/sdk/overview/#authentication).
//
//   sentry_auth_key("Sentry sentry_version=7, sentry_client=x/1.0, sentry_key=abc")  // "abc"
//   query_sentry_key("sentry_version=7&sentry_key=abc")                              // "abc"
//   parse_dsn("http://abc@127.0.0.1:9780/1")  // {key "abc", project "1"}
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace erralert::ingest {

/// The sentry_key of an X-Sentry-Auth (or `Authorization: Sentry ...`) value: "Sentry" and
/// comma-separated key=value pairs, spaces allowed around them, the scheme's case ignored.
/// nullopt when the value is not of that scheme or names no key (or an empty one).
std::optional<std::string> sentry_auth_key(std::string_view header);

/// The sentry_key parameter of a raw query string (without '?'), percent-decoded; nullopt when
/// absent or empty.
std::optional<std::string> query_sentry_key(std::string_view query);

struct Dsn {
  std::string key;      ///< the user part (a "key:secret" legacy DSN gives the key)
  std::string project;  ///< the last path segment, e.g. "1"
};

/// A DSN as SDKs are configured with, "scheme://key[:secret]@host[:port][/prefix]/project";
/// nullopt when it is not one.
std::optional<Dsn> parse_dsn(std::string_view dsn);

}  // namespace erralert::ingest
