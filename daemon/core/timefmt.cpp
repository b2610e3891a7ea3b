// RFC 3339 formatting and parsing through the C++20 calendar types: no time zone database, no clock.
#include "erralert/core/timefmt.hpp"

#include <algorithm>
#include <chrono>

#include "erralert/core/text.hpp"

namespace erralert::core {
namespace {

/// Reads exactly `n` digits at `s[pos]`, advancing `pos`; -1 when they are not all digits.
int read_digits(std::string_view s, std::size_t& pos, std::size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (!is_digit(c)) return -1;
    v = v * 10 + (c - '0');
  }
  pos += n;
  return v;
}

bool expect(std::string_view s, std::size_t& pos, std::string_view chars) {
  if (pos >= s.size() || chars.find(s[pos]) == std::string_view::npos) return false;
  ++pos;
  return true;
}

/// "Z" or "+hh:mm" / "-hhmm" at `s[pos]` to an offset in minutes; nullopt when malformed.
std::optional<int> read_offset(std::string_view s, std::size_t& pos) {
  if (expect(s, pos, "Zz")) return 0;
  if (pos >= s.size() || (s[pos] != '+' && s[pos] != '-')) return std::nullopt;
  const int sign = s[pos++] == '-' ? -1 : 1;
  const int hh = read_digits(s, pos, 2);
  if (pos < s.size() && s[pos] == ':') ++pos;
  const int mm = read_digits(s, pos, 2);
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59) return std::nullopt;
  return sign * (hh * 60 + mm);
}

/// Milliseconds from a fraction ".123456" at `s[pos]` (none: 0); nullopt when '.' has no digits.
std::optional<int> read_fraction(std::string_view s, std::size_t& pos) {
  if (pos >= s.size() || (s[pos] != '.' && s[pos] != ',')) return 0;
  ++pos;
  int ms = 0;
  std::size_t digits = 0;
  for (; pos < s.size() && is_digit(s[pos]); ++pos, ++digits) {
    if (digits < 3) ms = ms * 10 + (s[pos] - '0');
  }
  if (digits == 0) return std::nullopt;
  for (std::size_t i = digits; i < 3; ++i) ms *= 10;
  return ms;
}

}  // namespace

void append_rfc3339(std::string& out, std::int64_t epoch_ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> tp{milliseconds{epoch_ms}};
  const auto day = floor<days>(tp);
  const year_month_day ymd{day};
  const hh_mm_ss hms{tp - day};
  // "YYYY-MM-DDTHH:MM:SS.mmmZ", digits written directly: this runs once per console line.
  char buf[32];
  char* p = buf;
  auto put = [&p](long long value, int width) {
    for (int i = width - 1; i >= 0; --i, value /= 10) p[i] = static_cast<char>('0' + value % 10);
    p += width;
  };
  const int y = static_cast<int>(ymd.year());
  if (y < 0) *p++ = '-';
  put(y < 0 ? -static_cast<long long>(y) : y, 4);
  *p++ = '-';
  put(static_cast<unsigned>(ymd.month()), 2);
  *p++ = '-';
  put(static_cast<unsigned>(ymd.day()), 2);
  *p++ = 'T';
  put(hms.hours().count(), 2);
  *p++ = ':';
  put(hms.minutes().count(), 2);
  *p++ = ':';
  put(hms.seconds().count(), 2);
  if (const long long ms = hms.subseconds().count(); ms != 0) {
    *p++ = '.';
    put(ms, 3);
  }
  *p++ = 'Z';
  out.append(buf, p);
}

std::string format_rfc3339(std::int64_t epoch_ms) {
  std::string out;
  append_rfc3339(out, epoch_ms);
  return out;
}

std::optional<std::int64_t> parse_timestamp(std::string_view s) {
  using namespace std::chrono;
  std::size_t pos = 0;
  const int y = read_digits(s, pos, 4);
  const bool date_ok = y >= 0 && expect(s, pos, "-");
  const int mo = date_ok ? read_digits(s, pos, 2) : -1;
  const int d = mo >= 0 && expect(s, pos, "-") ? read_digits(s, pos, 2) : -1;
  if (d < 0) return std::nullopt;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || !expect(s, pos, "Tt ")) return std::nullopt;
  const int hh = read_digits(s, pos, 2);
  const int mm = hh >= 0 && expect(s, pos, ":") ? read_digits(s, pos, 2) : -1;
  const int ss = mm >= 0 && expect(s, pos, ":") ? read_digits(s, pos, 2) : -1;
  if (ss < 0 || hh > 23 || mm > 59 || ss > 60) return std::nullopt;  // 60: a leap second, read as :59
  const std::optional<int> ms = read_fraction(s, pos);
  const std::optional<int> offset = ms ? read_offset(s, pos) : std::nullopt;
  if (!offset || pos != s.size()) return std::nullopt;
  const auto tp = sys_days{ymd} + hours{hh} + minutes{mm - *offset} + seconds{std::min(ss, 59)} +
                  milliseconds{*ms};
  return duration_cast<milliseconds>(tp.time_since_epoch()).count();
}

}  // namespace erralert::core
