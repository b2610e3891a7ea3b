// Durations as ops write them in YAML: "500ms", "30s", "5m", "1h", "1d".
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace erralert::core {

/// "500ms" -> 500 ms; a whole number and one unit of ms, s, m, h, d; nullopt otherwise.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace erralert::core
