// Durations as ops write them in YAML: "500ms", "30s", "5m", "1h", "1d".
#include "erralert/core/duration.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <limits>

namespace erralert::core {
namespace {

struct Unit {
  std::string_view suffix;
  std::int64_t ms;
};

// "ms" before "m" and "s", so the longest suffix wins.
constexpr std::array<Unit, 5> kUnits{{
    {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}}};

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  for (const Unit& unit : kUnits) {
    if (!text.ends_with(unit.suffix)) continue;
    const std::string_view digits = text.substr(0, text.size() - unit.suffix.size());
    if (digits.empty() || digits.front() < '0' || digits.front() > '9') return std::nullopt;
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
    constexpr auto max_ms = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (n > max_ms / static_cast<std::uint64_t>(unit.ms)) return std::nullopt;
    return std::chrono::milliseconds(static_cast<std::int64_t>(n) * unit.ms);
  }
  return std::nullopt;
}

}  // namespace erralert::core
