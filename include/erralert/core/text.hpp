// Small ASCII text helpers, defined once for the config loader, the HTTP front and the stages.
//
//   iequals("Content-Type", "content-type")   // true
//   trim(" \tapplication/json\r\n")           // "application/json"
//   istarts_with("HTTPS://x", "https://")     // true
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace erralert::core {

/// '0'..'9' only (std::isdigit depends on the locale and takes an int).
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// 'A'..'Z' to 'a'..'z'; every other byte unchanged (UTF-8 stays intact).
constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

/// ASCII case-insensitive equality: header names, media types, schemes, severity names.
bool iequals(std::string_view a, std::string_view b);

/// Whether `s` starts with `prefix`, ASCII case-insensitively.
bool istarts_with(std::string_view s, std::string_view prefix);

/// `s` without leading and trailing ASCII white space (space, \t, \r, \n, \f, \v).
std::string_view trim(std::string_view s);

/// `s` with %XX escapes decoded (a malformed escape stays as written); with `plus_is_space`, '+'
/// is a space too, as in a query string or a form body (application/x-www-form-urlencoded).
std::string percent_decode(std::string_view s, bool plus_is_space = false);

/// Whether two secrets (a bearer token, a Sentry key) are equal, compared without leaking
/// through timing how much of `given` was right.
bool same_secret(std::string_view given, std::string_view secret);

/// `bytes` as lower-case hex digits, two a byte (a digest's usual spelling).
std::string to_hex(std::span<const unsigned char> bytes);

}  // namespace erralert::core
