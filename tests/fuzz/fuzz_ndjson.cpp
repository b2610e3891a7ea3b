// libFuzzer target for LineFramer: any bytes fed in any chunk sizes give the same lines as one
// feed, each within the bound; each line then goes through parse_event_text.
//
//   ./fuzz_ndjson tests/fuzz/corpus/ndjson -runs=20000
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "erralert/core/ndjson.hpp"
#include "erralert/core/parse.hpp"

namespace {

using erralert::core::LineFramer;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

constexpr std::size_t kMaxLine = 64;

/// Frames `stream`, cutting it where `chunk_sizes` says (cycled), and returns what came out.
std::vector<std::string> frame(std::string_view stream, std::string_view chunk_sizes) {
  LineFramer framer(kMaxLine);
  std::vector<std::string> lines;
  const LineFramer::OnLine on_line = [&](std::string_view line, bool too_long) {
    check(too_long ? line.empty() : (!line.empty() && line.size() <= kMaxLine));
    check(line.find('\n') == std::string_view::npos);
    lines.push_back(too_long ? std::string("\n<too long>") : std::string(line));
  };
  std::size_t i = 0;
  for (std::size_t pos = 0; pos < stream.size(); ++i) {
    const std::size_t n = chunk_sizes.empty() ? stream.size() : 1 + static_cast<unsigned char>(chunk_sizes[i % chunk_sizes.size()]) % 17;
    framer.feed(stream.substr(pos, n), on_line);
    pos += n;
  }
  framer.finish(on_line);
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // The first few bytes choose the chunk sizes; the rest is the stream.
  const std::size_t k = input.empty() ? 0 : static_cast<unsigned char>(input[0]) % 8;
  const std::string_view chunk_sizes = input.substr(input.empty() ? 0 : 1, k);
  const std::string_view stream = input.substr(std::min(input.size(), 1 + k));

  const std::vector<std::string> whole = frame(stream, {});
  check(frame(stream, chunk_sizes) == whole);

  erralert::core::ParseContext ctx;
  ctx.default_service = "fuzz";
  ctx.max_event_bytes = kMaxLine;
  for (const auto& line : whole) (void)erralert::core::parse_event_text(line, ctx);
  return 0;
}
