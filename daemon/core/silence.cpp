// Silences: compiled matchers with an end time.
#include "erralert/core/silence.hpp"

#include <limits>

#include "erralert/core/pipeline.hpp"

namespace erralert::core {

SilenceSet::SilenceSet(const std::vector<config::Silence>& from_config) {
  for (const auto& s : from_config) {
    silences_.push_back({compile_terms(s.match), s.until_ms.value_or(std::numeric_limits<std::int64_t>::max())});
  }
}

bool SilenceSet::matches(const Event& e, std::int64_t now_ms) const {
  for (const auto& s : silences_) {
    if (now_ms < s.until_ms && s.matcher.matches(e)) return true;
  }
  return false;
}

}  // namespace erralert::core
