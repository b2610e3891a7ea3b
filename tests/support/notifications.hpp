// Reading notifications back from fake receivers: what each accounts for, so a test can check
// the count invariant of CONTRACT.md section 5 (every accepted event counted once per receiver).
//
//   FakePlatform hook(FakePlatform::Mode::webhook);
//   ... send 5,100 events ...
//   ASSERT_TRUE(eventually([&] { return delivered_count(hook) == 5100; }));
//   EXPECT_EQ(delivered(hook).front().json["kind"], "first");
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/daemon_process.hpp"
#include "support/fake_platform.hpp"

namespace erralert::testing {

/// Events a webhook body accounts for: the sum of groups[].count and others.count.
std::uint64_t webhook_count(const nlohmann::json& body);

/// Events a Discord body accounts for, read from its text: a digest's title ("Digest: N events
/// in G groups"), a group's Count field ("N events"), 0 for a resolved, else 1.
std::uint64_t discord_count(const nlohmann::json& body);

/// A Discord digest's description read back: its "**N×**" lines and "+G more groups, M events".
struct DiscordDigest {
  std::uint64_t title_events = 0;  ///< N of "Digest: N events in G groups"
  std::uint64_t title_groups = 0;  ///< G
  std::uint64_t listed_events = 0;  ///< the sum of the lines' N×
  std::uint64_t listed_groups = 0;  ///< lines (a "**resolved**" line counts a group, no event)
  std::uint64_t more_groups = 0;
  std::uint64_t more_events = 0;
};
/// nullopt when `body` is not a Discord digest.
std::optional<DiscordDigest> discord_digest(const nlohmann::json& body);

/// The requests the fake answered with a 2xx: what the receiver has taken, in arrival order.
std::vector<FakePlatform::Request> delivered(const FakePlatform& fake);

/// POSTs `events` to `d` as NDJSON in batches of at most 500 (each answer must be 202); how many
/// the daemon accepted.
std::uint64_t post_ndjson(const DaemonProcess& d, const std::vector<nlohmann::json>& events);

/// How many of `requests` (webhook bodies) are notifications of `kind` ("first", "resolved").
std::size_t count_kind(const std::vector<FakePlatform::Request>& requests, const std::string& kind);

/// The events every delivered request of `fake` accounts for (webhook or Discord bodies).
std::uint64_t delivered_count(const FakePlatform& fake);

/// The notifications `d`'s state store has committed, all receivers (/v1/status).
std::size_t stored_notifications(const DaemonProcess& d);

/// The value of one series in Prometheus text, e.g. metric_value(text,
/// R"(erralert_notifications_sent_total{receiver="hooks",kind="first"})"); nullopt when absent.
std::optional<double> metric_value(const std::string& metrics_text, const std::string& series);

}  // namespace erralert::testing
