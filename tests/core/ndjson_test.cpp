// Tests for LineFramer: line splitting, "\r\n", blank lines, split feeds and overlong lines.
#include "erralert/core/ndjson.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace erralert::core {
namespace {

/// What the framer handed out: each line, or "<too long>".
struct Collector {
  std::vector<std::string> lines;
  LineFramer::OnLine on_line() {
    return [this](std::string_view line, bool too_long) {
      lines.push_back(too_long ? std::string("<too long>") : std::string(line));
    };
  }
};

/// Feeds `input` in chunks of `chunk` bytes (0: all at once) and finishes.
std::vector<std::string> frame(std::string_view input, std::size_t max_line, std::size_t chunk = 0) {
  LineFramer framer(max_line);
  Collector c;
  const auto on_line = c.on_line();
  if (chunk == 0) chunk = input.size() + 1;
  for (std::size_t i = 0; i < input.size(); i += chunk) framer.feed(input.substr(i, chunk), on_line);
  framer.finish(on_line);
  return c.lines;
}

using Lines = std::vector<std::string>;

struct FrameCase {
  const char* name;
  std::string input;
  std::size_t max_line;
  Lines expected;
};

TEST(LineFramerTest, FramesLines) {
  const FrameCase cases[] = {
      {"empty", "", 10, {}},
      {"one line", "abc\n", 10, {"abc"}},
      {"crlf", "abc\r\ndef\r\n", 10, {"abc", "def"}},
      {"blank lines skipped", "\n\nabc\n \t\r\n\r\ndef\n\n", 10, {"abc", "def"}},
      {"unterminated last line", "abc\ndef", 10, {"abc", "def"}},
      {"unterminated with cr", "abc\r", 10, {"abc"}},
      {"exactly the limit", "0123456789\n", 10, {"0123456789"}},
      {"limit with crlf", "0123456789\r\n", 10, {"0123456789"}},
      {"one over", "0123456789a\nok\n", 10, {"<too long>", "ok"}},
      {"far over", std::string(1000, 'x') + "\nok\n", 10, {"<too long>", "ok"}},
      {"over at end without newline", "ok\n" + std::string(50, 'x'), 10, {"ok", "<too long>"}},
      {"interior cr kept", "a\rb\n", 10, {"a\rb"}},
  };
  for (const auto& c : cases) {
    for (std::size_t chunk : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}}) {
      EXPECT_EQ(frame(c.input, c.max_line, chunk), c.expected) << c.name << ", chunk " << chunk;
    }
  }
}

TEST(LineFramerTest, OverlongLineReportedOnceAcrossManyFeeds) {
  LineFramer framer(8);
  Collector c;
  const auto on_line = c.on_line();
  framer.feed("{\"a\":", on_line);
  for (int i = 0; i < 100; ++i) framer.feed("xxxxxxxxxx", on_line);
  framer.feed("}\n{\"b\":1}\n", on_line);
  framer.finish(on_line);
  EXPECT_EQ(c.lines, (Lines{"<too long>", "{\"b\":1}"}));
}

TEST(LineFramerTest, LinesInOneChunkAreNotCopied) {
  LineFramer framer(100);
  const std::string input = "first\nsecond\n";
  std::vector<const char*> starts;
  framer.feed(input, [&](std::string_view line, bool) { starts.push_back(line.data()); });
  ASSERT_EQ(starts.size(), 2u);
  EXPECT_EQ(starts[0], input.data());
  EXPECT_EQ(starts[1], input.data() + 6);
}

TEST(LineFramerTest, FinishResetsForReuse) {
  LineFramer framer(10);
  Collector c;
  const auto on_line = c.on_line();
  framer.feed("abc", on_line);
  framer.finish(on_line);
  framer.finish(on_line);
  framer.feed("def\n", on_line);
  EXPECT_EQ(c.lines, (Lines{"abc", "def"}));
}

}  // namespace
}  // namespace erralert::core
