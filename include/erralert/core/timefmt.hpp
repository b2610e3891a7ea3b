// Timestamps: RFC 3339 as erralert shows them (UTC) and reads them (events, silences, config).
//
//   format_rfc3339(1795323000000) == "2026-11-22T04:50:00Z"
//   parse_timestamp("2026-11-22T13:50:00+09:00") == 1795323000000
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace erralert::core {

/// Epoch milliseconds as "YYYY-MM-DDTHH:MM:SSZ" (with ".mmm" when not a whole second).
std::string format_rfc3339(std::int64_t epoch_ms);

/// format_rfc3339, appended to `out`.
void append_rfc3339(std::string& out, std::int64_t epoch_ms);

/// RFC 3339 to epoch milliseconds: "2026-11-22T04:49:46Z", "...46.123+00:00"; also the ISO 8601
/// spellings apps send ('t', 'z' or ' ' for the separators, "+0900" without a colon, ",5" for a
/// fraction). Fractions past milliseconds are truncated; a leap second reads as :59. nullopt for
/// anything else, including impossible dates. The one parser of the event, the silence API and
/// the config file, so all three take the same texts.
std::optional<std::int64_t> parse_timestamp(std::string_view text);

}  // namespace erralert::core
