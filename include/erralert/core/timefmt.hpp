// Timestamps as erralert shows them: RFC 3339 in UTC.
//
//   format_rfc3339(1795323000000) == "2026-11-22T04:50:00Z"
#pragma once

#include <cstdint>
#include <string>

namespace erralert::core {

/// Epoch milliseconds as "YYYY-MM-DDTHH:MM:SSZ" (with ".mmm" when not a whole second).
std::string format_rfc3339(std::int64_t epoch_ms);

/// format_rfc3339, appended to `out`.
void append_rfc3339(std::string& out, std::int64_t epoch_ms);

}  // namespace erralert::core
