// Boost.JSON <-> nlohmann::json: every kind of value, both ways, and the two deliberate changes.
#include "erralert/core/json_convert.hpp"

#include <limits>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace erralert::core {
namespace {

namespace bj = boost::json;
using json = nlohmann::json;

TEST(JsonConvert, EveryKindRoundTrips) {
  const json j = json::parse(R"({"n":null,"t":true,"i":-3,"u":18446744073709551615,"d":1.5,
      "s":"결제 실패","a":[1,"x",[],{}],"o":{"k":{"deep":[null]}}})");
  const bj::value b = to_boost(j);
  EXPECT_EQ(b.at("s").as_string(), "결제 실패");
  EXPECT_EQ(b.at("u").as_uint64(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(to_nlohmann(b), j);
}

TEST(JsonConvert, MatchesWhatEachParserMakesOfNumbers) {
  // nlohmann reads 7 as unsigned, Boost.JSON as int64: each conversion gives the other's view.
  const json j = json::parse("[7,-7]");
  const bj::value b = to_boost(j);
  EXPECT_TRUE(b.as_array()[0].is_int64());
  const json back = to_nlohmann(bj::parse("[7,-7]"));
  EXPECT_TRUE(back[0].is_number_unsigned());
  EXPECT_TRUE(back[1].is_number_integer());
  EXPECT_EQ(back, j);
}

TEST(JsonConvert, InfinityBecomesNull) {
  // Boost.JSON reads an out-of-range number as infinity; JSON cannot say it, so it is null.
  EXPECT_EQ(to_nlohmann(bj::parse(R"({"big":1e400,"small":-1e400})")), json::parse(R"({"big":null,"small":null})"));
}

TEST(JsonConvert, AllocatesFromTheGivenStorage) {
  bj::monotonic_resource arena;
  const bj::value b = to_boost(json::parse(R"({"a":["x"]})"), &arena);
  EXPECT_EQ(b.storage().get(), &arena);
  EXPECT_EQ(b.at("a").storage().get(), &arena);
}

}  // namespace
}  // namespace erralert::core
