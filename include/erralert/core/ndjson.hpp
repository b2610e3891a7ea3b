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
  /// The view is valid only during the call. Lines of spaces, tabs and "\r" are blank.
  using OnLine = std::function<void(std::string_view line, bool too_long)>;

  explicit LineFramer(std::size_t max_line_bytes);

  /// Takes the next bytes of the stream; calls `on_line` for each line they complete. Lines
  /// inside one chunk are handed out without copying; only a line split across feeds is buffered.
  void feed(std::string_view bytes, const OnLine& on_line);
  /// Ends the stream: hands out the last line when it has no "\n"; the framer is then reset.
  void finish(const OnLine& on_line);

 private:
  bool exceeds(std::size_t bytes) const;
  void absorb(std::string_view piece, const OnLine& on_line);
  void end_line(std::string_view piece, const OnLine& on_line);
  void start_discarding(const OnLine& on_line);

  std::size_t max_line_;
  std::string partial_;
  bool discarding_ = false;
};

}  // namespace erralert::core
