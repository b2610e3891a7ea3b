// UTF-8 validation, repair and boundary-safe truncation (Unicode 15, section 3.9, table 3-7).
#include "erralert/core/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace erralert::core {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";     // U+2026 "…"

/// Length of the run of ASCII bytes at the start of `s`, eight bytes at a time.
std::size_t ascii_prefix(std::string_view s) {
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    if (word & 0x8080808080808080ULL) break;
  }
  while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80) ++i;
  return i;
}

/// Well-formed sequences per table 3-7: the sequence length a lead byte announces and the
/// range its second byte must fall in (later bytes are always 80..BF). Length 0: never a lead.
struct LeadInfo {
  int length;
  unsigned char lo;
  unsigned char hi;
};

LeadInfo lead_info(unsigned char b) {
  if (b < 0x80) return {1, 0, 0};
  if (b < 0xC2) return {0, 0, 0};  // continuation byte or overlong C0/C1
  if (b < 0xE0) return {2, 0x80, 0xBF};
  if (b == 0xE0) return {3, 0xA0, 0xBF};  // no overlongs
  if (b == 0xED) return {3, 0x80, 0x9F};  // no surrogates
  if (b < 0xF0) return {3, 0x80, 0xBF};
  if (b == 0xF0) return {4, 0x90, 0xBF};  // no overlongs
  if (b < 0xF4) return {4, 0x80, 0xBF};
  if (b == 0xF4) return {4, 0x80, 0x8F};  // nothing past U+10FFFF
  return {0, 0, 0};
}

/// At `s[i]` (not ASCII): the length of the well-formed sequence there as a positive number, or
/// the length of the maximal ill-formed subpart (>= 1) as a negative number.
int scan_sequence(std::string_view s, std::size_t i) {
  const LeadInfo info = lead_info(static_cast<unsigned char>(s[i]));
  if (info.length == 0) return -1;
  int n = 1;
  for (; n < info.length; ++n) {
    if (i + n >= s.size()) return -n;
    const auto b = static_cast<unsigned char>(s[i + n]);
    const unsigned char lo = n == 1 ? info.lo : 0x80;
    const unsigned char hi = n == 1 ? info.hi : 0xBF;
    if (b < lo || b > hi) return -n;
  }
  return n;
}

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

/// The largest prefix length <= `n` of valid UTF-8 `s` that ends on a character boundary.
std::size_t boundary_at_or_before(std::string_view s, std::size_t n) {
  if (n >= s.size()) return s.size();
  while (n > 0 && is_continuation(s[n])) --n;
  return n;
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  std::size_t i = ascii_prefix(s);
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      i += ascii_prefix(s.substr(i));
      continue;
    }
    const int n = scan_sequence(s, i);
    if (n < 0) return false;
    i += static_cast<std::size_t>(n);
  }
  return true;
}

std::string repair_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t ascii = ascii_prefix(s.substr(i));
    out.append(s.substr(i, ascii));
    i += ascii;
    if (i >= s.size()) break;
    const int n = scan_sequence(s, i);
    if (n > 0) {
      out.append(s.substr(i, static_cast<std::size_t>(n)));
      i += static_cast<std::size_t>(n);
    } else {
      out.append(kReplacement);
      i += static_cast<std::size_t>(-n);
    }
  }
  return out;
}

std::size_t count_chars(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += is_continuation(c) ? 0 : 1;
  return n;
}

std::string truncate_chars(std::string_view s, std::size_t max_chars) {
  if (max_chars == 0) return {};
  // Find the byte offset where character number `max_chars - 1` starts, counting as we go.
  std::size_t chars = 0;
  std::size_t cut = s.size();
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (is_continuation(s[i])) continue;
    if (chars == max_chars - 1) cut = i;
    if (++chars > max_chars) {
      std::string out(s.substr(0, cut));
      out.append(kEllipsis);
      return out;
    }
  }
  return std::string(s);
}

std::string truncate_bytes(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  if (max_bytes < kEllipsis.size()) return std::string(s.substr(0, boundary_at_or_before(s, max_bytes)));
  std::string out(s.substr(0, boundary_at_or_before(s, max_bytes - kEllipsis.size())));
  out.append(kEllipsis);
  return out;
}

}  // namespace erralert::core
