// RFC 3339 formatting of epoch milliseconds.
#include "erralert/core/timefmt.hpp"

#include <gtest/gtest.h>

namespace erralert::core {
namespace {

TEST(TimeFormat, Table) {
  const struct {
    std::int64_t ms;
    const char* text;
  } cases[] = {
      {0, "1970-01-01T00:00:00Z"},
      {1795323000000, "2026-11-22T04:50:00Z"},
      {1795322986123, "2026-11-22T04:49:46.123Z"},
      {951782400000, "2000-02-29T00:00:00Z"},
      {-1000, "1969-12-31T23:59:59Z"},
      {5, "1970-01-01T00:00:00.005Z"},
      {253402300799999, "9999-12-31T23:59:59.999Z"},
      {-62135596800000, "0001-01-01T00:00:00Z"},
  };
  for (const auto& c : cases) EXPECT_EQ(format_rfc3339(c.ms), c.text) << c.ms;
}

}  // namespace
}  // namespace erralert::core
