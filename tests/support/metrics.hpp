// metric(): one series of a running daemon's GET /metrics, for integration tests.
//
//   EXPECT_EQ(metric(d.port(), "erralert_events_silenced_total"), 1);
#pragma once

#include <cstdint>
#include <string>

#include "support/http_client.hpp"

namespace erralert::testing {

/// The value of the series named exactly `series` (labels included, as rendered); -1 when absent.
inline double metric(std::uint16_t port, const std::string& series) {
  const std::string text = http_get(port, "/metrics").body;
  const auto at = text.find("\n" + series + " ");
  return at == std::string::npos ? -1 : std::stod(text.substr(at + series.size() + 2));
}

}  // namespace erralert::testing
