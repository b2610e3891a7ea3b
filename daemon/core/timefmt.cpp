// RFC 3339 formatting through the C++20 calendar types: no time zone database, no clock.
#include "erralert/core/timefmt.hpp"

#include <chrono>

namespace erralert::core {

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

}  // namespace erralert::core
