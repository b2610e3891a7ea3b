// NDJSON framing: split a byte stream into bounded, non-blank lines.
#include "erralert/core/ndjson.hpp"

namespace erralert::core {
namespace {

bool is_blank(std::string_view line) { return line.find_first_not_of(" \t\r") == std::string_view::npos; }

std::string_view without_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

LineFramer::LineFramer(std::size_t max_line_bytes) : max_line_(max_line_bytes) {}

void LineFramer::feed(std::string_view bytes, const OnLine& on_line) {
  while (!bytes.empty()) {
    const std::size_t nl = bytes.find('\n');
    if (nl == std::string_view::npos) {
      absorb(bytes, on_line);
      return;
    }
    end_line(bytes.substr(0, nl), on_line);
    bytes.remove_prefix(nl + 1);
  }
}

void LineFramer::finish(const OnLine& on_line) {
  if (!partial_.empty() || discarding_) end_line({}, on_line);
  partial_.clear();
  partial_.shrink_to_fit();
}

bool LineFramer::exceeds(std::size_t bytes) const {
  // One byte of slack: a trailing '\r' may belong to a "\r\n" not yet seen.
  return bytes > max_line_ + 1;
}

void LineFramer::absorb(std::string_view piece, const OnLine& on_line) {
  if (discarding_) return;
  if (exceeds(partial_.size() + piece.size())) {
    start_discarding(on_line);
    return;
  }
  partial_.append(piece);
}

void LineFramer::end_line(std::string_view piece, const OnLine& on_line) {
  if (discarding_) {
    discarding_ = false;
    return;
  }
  std::string_view line = piece;
  if (!partial_.empty()) {
    if (exceeds(partial_.size() + piece.size())) {
      start_discarding(on_line);
      discarding_ = false;
      return;
    }
    partial_.append(piece);
    line = partial_;
  }
  line = without_cr(line);
  if (line.size() > max_line_) {
    on_line({}, true);
  } else if (!is_blank(line)) {
    on_line(line, false);
  }
  partial_.clear();
}

void LineFramer::start_discarding(const OnLine& on_line) {
  partial_.clear();
  discarding_ = true;
  on_line({}, true);
}

}  // namespace erralert::core
