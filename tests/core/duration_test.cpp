// parse_duration: the duration syntax of the config file.
#include "erralert/core/duration.hpp"

#include <gtest/gtest.h>

namespace erralert::core {
namespace {

using std::chrono::milliseconds;

struct DurationCase {
  const char* text;
  std::optional<std::int64_t> ms;
};

class DurationTest : public ::testing::TestWithParam<DurationCase> {};

TEST_P(DurationTest, Parses) {
  const DurationCase& c = GetParam();
  const auto d = parse_duration(c.text);
  if (c.ms) {
    ASSERT_TRUE(d.has_value()) << c.text;
    EXPECT_EQ(d->count(), *c.ms) << c.text;
  } else {
    EXPECT_FALSE(d.has_value()) << c.text << " -> " << d->count();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Duration, DurationTest,
    ::testing::Values(DurationCase{"500ms", 500}, DurationCase{"30s", 30'000}, DurationCase{"5m", 300'000},
                      DurationCase{"1h", 3'600'000}, DurationCase{"1d", 86'400'000}, DurationCase{"0s", 0},
                      DurationCase{"0ms", 0}, DurationCase{"007s", 7'000},
                      DurationCase{"106751991167d", 106751991167LL * 86'400'000},
                      DurationCase{"9223372036854775807ms", 9223372036854775807LL},
                      // refused
                      DurationCase{"", std::nullopt}, DurationCase{"30", std::nullopt},
                      DurationCase{"s", std::nullopt}, DurationCase{"ms", std::nullopt},
                      DurationCase{"-5s", std::nullopt}, DurationCase{"+5s", std::nullopt},
                      DurationCase{"5 s", std::nullopt}, DurationCase{" 5s", std::nullopt},
                      DurationCase{"5s ", std::nullopt}, DurationCase{"1.5s", std::nullopt},
                      DurationCase{"5S", std::nullopt}, DurationCase{"5sec", std::nullopt},
                      DurationCase{"5w", std::nullopt}, DurationCase{"1h30m", std::nullopt},
                      DurationCase{"5mms", std::nullopt}, DurationCase{"0x10s", std::nullopt},
                      DurationCase{"106751991168d", std::nullopt},
                      DurationCase{"9223372036854775808ms", std::nullopt},
                      DurationCase{"99999999999999999999999s", std::nullopt}));

}  // namespace
}  // namespace erralert::core
