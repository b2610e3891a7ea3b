// Tests for UTF-8 validation, repair (maximal subparts) and boundary-safe truncation.
#include "erralert/core/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace erralert::core {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

struct ValidityCase {
  const char* name;
  std::string bytes;
  bool valid;
};

TEST(Utf8Test, ValidatesPerTable37) {
  const ValidityCase cases[] = {
      {"empty", "", true},
      {"ascii", "hello, world 0123456789 long enough to use the word loop", true},
      {"two bytes", "caf\xC3\xA9", true},
      {"korean", "\xEC\x97\xB0\xEB\x8F\x99 \xEC\x98\xA4\xEB\xA5\x98", true},
      {"four bytes", "\xF0\x9F\x98\x80", true},
      {"max code point", "\xF4\x8F\xBF\xBF", true},
      {"nul is valid", std::string("a\0b", 3), true},
      {"lone continuation", "a\x80", false},
      {"overlong C0", "\xC0\xAF", false},
      {"overlong C1", "\xC1\xBF", false},
      {"overlong E0", "\xE0\x80\xAF", false},
      {"overlong F0", "\xF0\x80\x80\xAF", false},
      {"surrogate", "\xED\xA0\x80", false},
      {"past U+10FFFF", "\xF4\x90\x80\x80", false},
      {"F5 lead", "\xF5\x80\x80\x80", false},
      {"FF", "\xFF", false},
      {"truncated 3", "\xE2\x82", false},
      {"truncated 4 at end", "abc\xF0\x9F\x98", false},
      {"bad after ascii run", "0123456789abcdef\xC3", false},
  };
  for (const auto& c : cases) EXPECT_EQ(is_valid_utf8(c.bytes), c.valid) << c.name;
}

struct RepairCase {
  const char* name;
  std::string in;
  std::string out;
};

TEST(Utf8Test, RepairReplacesEachMaximalSubpart) {
  const RepairCase cases[] = {
      {"valid unchanged", "caf\xC3\xA9 \xF0\x9F\x98\x80", "caf\xC3\xA9 \xF0\x9F\x98\x80"},
      // Unicode 15, table 3-8: 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64.
      {"unicode example", "a\xF1\x80\x80\xE1\x80\xC2" "b\x80" "c\x80\xBF" "d",
       "a" + kFffd + kFffd + kFffd + "b" + kFffd + "c" + kFffd + kFffd + "d"},
      {"overlong is two", "\xC0\xAF", kFffd + kFffd},
      {"surrogate is three", "\xED\xA0\x80", kFffd + kFffd + kFffd},
      {"truncated at end", "ok\xE2\x82", "ok" + kFffd},
      {"lone FF", "x\xFFy", "x" + kFffd + "y"},
  };
  for (const auto& c : cases) {
    const std::string repaired = repair_utf8(c.in);
    EXPECT_EQ(repaired, c.out) << c.name;
    EXPECT_TRUE(is_valid_utf8(repaired)) << c.name;
  }
}

TEST(Utf8Test, CountsCodePoints) {
  EXPECT_EQ(count_chars(""), 0u);
  EXPECT_EQ(count_chars("abc"), 3u);
  EXPECT_EQ(count_chars("\xEC\x97\xB0\xEB\x8F\x99"), 2u);
  EXPECT_EQ(count_chars("a\xF0\x9F\x98\x80"), 2u);
}

struct TruncateCase {
  std::string in;
  std::size_t limit;
  std::string out;
};

TEST(Utf8Test, TruncateCharsNeverSplitsACharacter) {
  const std::string ko = "\xEC\x97\xB0\xEB\x8F\x99\xEC\x98\xA4";  // three Hangul syllables
  const TruncateCase cases[] = {
      {"hello", 10, "hello"},
      {"hello", 5, "hello"},
      {"hello", 4, "hel\xE2\x80\xA6"},
      {"hello", 1, "\xE2\x80\xA6"},
      {"hello", 0, ""},
      {ko, 3, ko},
      {ko, 2, "\xEC\x97\xB0\xE2\x80\xA6"},
  };
  for (const auto& c : cases) EXPECT_EQ(truncate_chars(c.in, c.limit), c.out) << c.in << " " << c.limit;
}

TEST(Utf8Test, TruncateBytesStaysWithinTheLimit) {
  const std::string ko = "\xEC\x97\xB0\xEB\x8F\x99\xEC\x98\xA4";  // 9 bytes
  const TruncateCase cases[] = {
      {"hello", 5, "hello"},
      {"hello world", 8, "hello\xE2\x80\xA6"},
      {ko, 9, ko},
      {ko, 8, "\xEC\x97\xB0\xE2\x80\xA6"},  // 3 + 3 bytes: the second syllable does not fit
      {ko, 6, "\xEC\x97\xB0\xE2\x80\xA6"},
      {ko, 5, "\xE2\x80\xA6"},
      {ko, 2, ""},  // no room for the ellipsis: a plain cut on a boundary
      {"hello", 2, "he"},
  };
  for (const auto& c : cases) {
    const std::string out = truncate_bytes(c.in, c.limit);
    EXPECT_EQ(out, c.out) << c.limit;
    EXPECT_LE(out.size(), c.limit);
    EXPECT_TRUE(is_valid_utf8(out));
  }
}

}  // namespace
}  // namespace erralert::core
