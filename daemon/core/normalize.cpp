// Route normalisation: a request path with its parameter segments replaced by placeholders.
#include "erralert/core/normalize.hpp"

#include <algorithm>
#include <cstddef>

#include "erralert/core/text.hpp"

namespace erralert::core {
namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }


template <class Pred>
bool all_of(std::string_view s, Pred pred) {
  return !s.empty() && std::all_of(s.begin(), s.end(), pred);
}

/// 8-4-4-4-12 hex digits, any case.
bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !is_hex(s[i])) return false;
  }
  return true;
}

/// Crockford base32 as ULIDs use it: digits and letters except I, L, O, U, any case.
bool is_crockford(char c) {
  if (is_digit(c)) return true;
  if (!is_alpha(c)) return false;
  const char u = static_cast<char>(c & ~0x20);
  return u != 'I' && u != 'L' && u != 'O' && u != 'U';
}

/// 26 Crockford characters whose first is 0..7 (a 48-bit timestamp cannot start higher).
bool is_ulid(std::string_view s) {
  return s.size() == 26 && s[0] >= '0' && s[0] <= '7' && all_of(s, is_crockford);
}

/// Opaque tokens: 20+ characters of letters, digits, '-' and '_' with both letters and digits.
bool is_long_token(std::string_view s) {
  if (s.size() < 20) return false;
  bool letter = false;
  bool digit = false;
  for (char c : s) {
    if (is_alpha(c)) {
      letter = true;
    } else if (is_digit(c)) {
      digit = true;
    } else if (c != '-' && c != '_') {
      return false;
    }
  }
  return letter && digit;
}

/// local@domain.tld, loosely: one '@', something before it, a dot after it.
bool is_email(std::string_view s) {
  const std::size_t at = s.find('@');
  if (at == 0 || at == std::string_view::npos || s.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  const std::string_view domain = s.substr(at + 1);
  const std::size_t dot = domain.find('.');
  return dot != std::string_view::npos && dot > 0 && dot + 1 < domain.size();
}


/// The placeholder for a segment that is a parameter, or an empty view to keep the segment.
std::string_view classify_decoded(std::string_view s) {
  if (all_of(s, is_digit)) return "{id}";
  if (is_uuid(s)) return "{uuid}";
  if (s.size() >= 16 && all_of(s, is_hex)) return "{hex}";
  if (is_ulid(s) || is_long_token(s)) return "{id}";
  if (is_email(s)) return "{email}";
  return {};
}

std::string_view classify(std::string_view segment) {
  if (segment.find('%') == std::string_view::npos) return classify_decoded(segment);
  const std::string decoded = percent_decode(segment);
  return classify_decoded(decoded);
}

/// `path` without a leading "scheme://authority" (some apps send the full URL).
std::string_view strip_origin(std::string_view path) {
  const std::size_t scheme_end = path.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return path;
  if (!all_of(path.substr(0, scheme_end), [](char c) {
        return is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.';
      })) {
    return path;
  }
  const std::size_t slash = path.find('/', scheme_end + 3);
  return slash == std::string_view::npos ? std::string_view("/") : path.substr(slash);
}

}  // namespace

std::string normalize_route(std::string_view path) {
  // Up to a query or a fragment: a byte loop (find_first_of calls memchr once per byte).
  path = path.substr(0, static_cast<std::size_t>(
                            std::find_if(path.begin(), path.end(), [](char c) { return c == '?' || c == '#'; }) -
                            path.begin()));
  path = strip_origin(path);
  if (path.empty()) return {};

  std::string route;
  route.reserve(path.size() + 1);
  std::size_t pos = 0;
  while (pos < path.size()) {
    const std::size_t end = std::min(path.find('/', pos), path.size());
    const std::string_view segment = path.substr(pos, end - pos);
    pos = end + 1;
    if (segment.empty()) continue;  // leading, duplicate and trailing slashes
    route.push_back('/');
    const std::string_view placeholder = classify(segment);
    route.append(placeholder.empty() ? segment : placeholder);
  }
  if (route.empty()) route.push_back('/');
  return route;
}

}  // namespace erralert::core
