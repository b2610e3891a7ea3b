// Config scalars that are more than a number: listen addresses, file modes, sizes, times, URLs.
#include "values.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

namespace erralert::config {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const char c = s[i] >= 'A' && s[i] <= 'Z' ? static_cast<char>(s[i] - 'A' + 'a') : s[i];
    if (c != prefix[i]) return false;
  }
  return true;
}

// Exactly `n` digits at s[pos...] as a number; advances pos.
std::optional<int> fixed_digits(std::string_view s, std::size_t& pos, std::size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!is_digit(s[pos + i])) return std::nullopt;
    v = v * 10 + (s[pos + i] - '0');
  }
  pos += n;
  return v;
}

bool expect(std::string_view s, std::size_t& pos, std::string_view chars) {
  if (pos >= s.size() || chars.find(s[pos]) == std::string_view::npos) return false;
  ++pos;
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}

int days_in_month(int y, int m) {
  constexpr std::array<int, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[static_cast<std::size_t>(m - 1)];
}

// ".fff..." as milliseconds (digits past the third are ignored); pos past the fraction.
int fraction_ms(std::string_view s, std::size_t& pos) {
  if (pos >= s.size() || s[pos] != '.') return 0;
  ++pos;
  int ms = 0, digits = 0;
  while (pos < s.size() && is_digit(s[pos])) {
    if (digits++ < 3) ms = ms * 10 + (s[pos] - '0');
    ++pos;
  }
  if (digits == 0) return -1;
  for (; digits < 3; ++digits) ms *= 10;
  return ms;
}

// "Z" or "+HH:MM"/"-HH:MM" as an offset in minutes east of UTC; pos past it.
std::optional<int> utc_offset_minutes(std::string_view s, std::size_t& pos) {
  if (expect(s, pos, "Zz")) return 0;
  if (pos >= s.size() || (s[pos] != '+' && s[pos] != '-')) return std::nullopt;
  const int sign = s[pos++] == '-' ? -1 : 1;
  const auto hh = fixed_digits(s, pos, 2);
  if (!hh || !expect(s, pos, ":")) return std::nullopt;
  const auto mm = fixed_digits(s, pos, 2);
  if (!mm || *hh > 23 || *mm > 59) return std::nullopt;
  return sign * (*hh * 60 + *mm);
}

}  // namespace

std::optional<HostPort> parse_listen(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (text.starts_with('[')) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return std::nullopt;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return std::nullopt;  // IPv6 needs [brackets]
  }
  const auto n = parse_uint(port);
  if (host.empty() || !n || *n > 65535) return std::nullopt;
  return HostPort{std::string(host), static_cast<std::uint16_t>(*n)};
}

std::optional<unsigned> parse_mode(std::string_view text) {
  if (text.starts_with("0o") || text.starts_with("0O")) text.remove_prefix(2);
  unsigned mode = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), mode, 8);
  if (text.empty() || !is_digit(text.front()) || ec != std::errc{} || end != text.data() + text.size())
    return std::nullopt;
  if (mode > 0777) return std::nullopt;
  return mode;
}

std::optional<std::uint64_t> parse_uint(std::string_view text) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || !is_digit(text.front()) || ec != std::errc{} || end != text.data() + text.size())
    return std::nullopt;
  return n;
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  struct Suffix {
    std::string_view name;
    std::uint64_t factor;
  };
  constexpr std::array<Suffix, 3> kSuffixes{{{"KiB", 1ULL << 10}, {"MiB", 1ULL << 20}, {"GiB", 1ULL << 30}}};
  std::uint64_t factor = 1;
  for (const Suffix& s : kSuffixes) {
    if (text.ends_with(s.name)) {
      text.remove_suffix(s.name.size());
      factor = s.factor;
      break;
    }
  }
  const auto n = parse_uint(text);
  if (!n || *n > std::numeric_limits<std::uint64_t>::max() / factor) return std::nullopt;
  return *n * factor;
}

std::optional<std::int64_t> parse_rfc3339_ms(std::string_view s) {
  std::size_t pos = 0;
  const auto year = fixed_digits(s, pos, 4);
  if (!year || !expect(s, pos, "-")) return std::nullopt;
  const auto month = fixed_digits(s, pos, 2);
  if (!month || *month < 1 || *month > 12 || !expect(s, pos, "-")) return std::nullopt;
  const auto day = fixed_digits(s, pos, 2);
  if (!day || *day < 1 || *day > days_in_month(*year, *month) || !expect(s, pos, "Tt ")) return std::nullopt;
  const auto hour = fixed_digits(s, pos, 2);
  if (!hour || *hour > 23 || !expect(s, pos, ":")) return std::nullopt;
  const auto minute = fixed_digits(s, pos, 2);
  if (!minute || *minute > 59 || !expect(s, pos, ":")) return std::nullopt;
  const auto second = fixed_digits(s, pos, 2);
  if (!second || *second > 60) return std::nullopt;  // 60: a leap second
  const int ms = fraction_ms(s, pos);
  const auto offset = utc_offset_minutes(s, pos);
  if (ms < 0 || !offset || pos != s.size()) return std::nullopt;
  const std::int64_t seconds = days_from_civil(*year, *month, *day) * 86400 + *hour * 3600 +
                               (*minute - *offset) * 60 + std::min(*second, 59);
  return seconds * 1000 + ms;
}

std::optional<std::string> url_error(std::string_view url) {
  std::string_view rest;
  if (starts_with_nocase(url, "https://")) {
    rest = url.substr(8);
  } else if (starts_with_nocase(url, "http://")) {
    rest = url.substr(7);
  } else {
    return "must start with https:// or http://";
  }
  if (rest.empty() || rest.front() == '/' || rest.front() == ':' || rest.front() == '?')
    return "has no host name after the scheme";
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return "must not contain spaces or control characters";
  }
  return std::nullopt;
}

std::optional<std::string> read_text_file(const std::string& path, std::size_t max_bytes, std::string& error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    error = "cannot read '" + path + "': is a directory";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read '" + path + "': " + std::strerror(errno);
    return std::nullopt;
  }
  std::string content;
  std::array<char, 8192> chunk{};
  while (content.size() <= max_bytes && !in.eof()) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    if (in.bad()) {
      error = "cannot read '" + path + "': " + std::strerror(errno);
      return std::nullopt;
    }
    content.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (content.size() > max_bytes) {
    error = "cannot read '" + path + "': larger than " + std::to_string(max_bytes) + " bytes";
    return std::nullopt;
  }
  return content;
}

std::optional<std::string> name_error(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > 64) return "must be at most 64 characters";
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) return "may hold only letters, digits, '.', '_' and '-'";
  }
  return std::nullopt;
}

}  // namespace erralert::config
