// Pacer: keeps the send times of the longest window and answers from them.
#include "erralert/core/pacer.hpp"

#include <algorithm>

namespace erralert::core {

Pacer::Pacer(std::vector<Window> windows) : windows_(std::move(windows)) {
  std::erase_if(windows_, [](const Window& w) { return w.count == 0 || w.per.count() <= 0; });
}

std::int64_t Pacer::next_allowed(std::int64_t now_ms) const {
  std::int64_t t = std::max(now_ms, hold_until_ms_);
  for (const auto& w : windows_) {
    // Requests sent in (t - per, t]: if `count` of them already, wait until the oldest of the
    // last `count` leaves the window.
    const auto in_window = static_cast<std::size_t>(
        sent_.end() - std::upper_bound(sent_.begin(), sent_.end(), t - w.per.count()));
    if (in_window >= w.count) {
      const std::int64_t oldest_needed = sent_[sent_.size() - w.count];
      t = std::max(t, oldest_needed + w.per.count());
    }
  }
  return t;
}

void Pacer::record(std::int64_t now_ms) {
  if (!sent_.empty()) now_ms = std::max(now_ms, sent_.back());  // stay sorted if the clock steps back
  sent_.push_back(now_ms);
  std::int64_t longest = 0;
  for (const auto& w : windows_) longest = std::max<std::int64_t>(longest, w.per.count());
  while (!sent_.empty() && sent_.front() <= now_ms - longest) sent_.pop_front();
}

std::int64_t Pacer::projected(std::int64_t first_ms, std::size_t behind, std::int64_t stop_after_ms) const {
  std::int64_t t = first_ms;
  if (windows_.empty()) return t;  // unpaced: they all go as soon as the first does
  Pacer p = *this;
  for (std::size_t i = 0; i < behind && t <= stop_after_ms; ++i) {
    p.record(t);
    t = p.next_allowed(t);
  }
  return t;
}

void Pacer::hold_until(std::int64_t until_ms) { hold_until_ms_ = std::max(hold_until_ms_, until_ms); }

}  // namespace erralert::core
