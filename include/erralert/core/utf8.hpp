// UTF-8 helpers: repair untrusted text and cut it on character boundaries.
//
//   std::string s = repair_utf8(bytes);               // invalid sequences become U+FFFD
//   std::string t = truncate_chars(s, 256);           // at most 256 code points, "…" at the end
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace erralert::core {

/// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF).
bool is_valid_utf8(std::string_view s);

/// `s` with every ill-formed sequence replaced by U+FFFD, one per maximal subpart (Unicode
/// 3.9, "U+FFFD substitution of maximal subparts", as browsers do); valid input comes back unchanged.
std::string repair_utf8(std::string_view s);

/// Number of code points in valid UTF-8 `s`.
std::size_t count_chars(std::string_view s);

/// At most `max_chars` code points of valid UTF-8 `s`; when cut, the last is "…".
std::string truncate_chars(std::string_view s, std::size_t max_chars);

/// At most `max_bytes` bytes of valid UTF-8 `s`, cut on a character boundary; when cut, the
/// result ends with "…" (3 bytes) and is still within `max_bytes` (below 3 bytes no "…" fits:
/// a plain cut).
std::string truncate_bytes(std::string_view s, std::size_t max_bytes);

}  // namespace erralert::core
