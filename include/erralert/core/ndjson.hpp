// NDJSON framing for stream transports: bytes in, complete lines out, with a bound per line.
//
//   LineFramer f(64 * 1024);
//   f.feed(chunk, [&](std::string_view line, bool too_long) { ... });
//   f.finish(on_line);   // the last line, when the stream ends without '\n'
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace erralert::core {

class LineFramer {
 public:
  /// Called once per non-blank line, without its "\n" (and "\r"). A line longer than the
  /// bound is reported once with too_long = true and an empty view, and skipped entirely.
  using OnLine = std::function<void(std::string_view line, bool too_long)>;

  explicit LineFramer(std::size_t max_line_bytes);

  void feed(std::string_view bytes, const OnLine& on_line);
  void finish(const OnLine& on_line);

 private:
  std::size_t max_line_;
  std::string partial_;
  bool discarding_ = false;
};

}  // namespace erralert::core
