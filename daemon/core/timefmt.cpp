// RFC 3339 formatting through the C++20 calendar types: no time zone database, no clock.
#include "erralert/core/timefmt.hpp"

#include <chrono>
#include <cstdio>

namespace erralert::core {

std::string format_rfc3339(std::int64_t epoch_ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> tp{milliseconds{epoch_ms}};
  const auto day = floor<days>(tp);
  const year_month_day ymd{day};
  const hh_mm_ss hms{tp - day};
  char buf[40];
  const long long ms = hms.subseconds().count();
  const int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lld",
                              static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                              static_cast<unsigned>(ymd.day()),
                              static_cast<long long>(hms.hours().count()),
                              static_cast<long long>(hms.minutes().count()),
                              static_cast<long long>(hms.seconds().count()));
  std::string out(buf, static_cast<std::size_t>(n));
  if (ms != 0) {
    std::snprintf(buf, sizeof buf, ".%03lld", ms);
    out += buf;
  }
  out += 'Z';
  return out;
}

}  // namespace erralert::core
