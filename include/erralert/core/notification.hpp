// A notification: what one receiver is told about one or more groups of events.
//
//   auto e = std::make_shared<const Event>(event);
//   Notification n{.kind = NotificationKind::first, .receiver = "ops-discord", .route = "default"};
//   n.groups.push_back({.fingerprint = fp, .count = 1, .first_seen_ms = t, .last_seen_ms = t, .event = e});
//
// `count` is what the contract's invariant adds up: the events this notification accounts for
// and no other does. The kinds: `first` (a group reached min_count), `summary` (what a window
// added), `digest` (waiting notifications folded together), `resolved` (a group went quiet;
// count 0, with the group's total).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "erralert/core/event.hpp"

namespace erralert::core {

enum class NotificationKind { first, summary, digest, resolved };
inline constexpr std::size_t kNotificationKinds = 4;

/// "first", "summary", "digest", "resolved".
std::string_view to_string(NotificationKind k);
/// The kind a name gives; nullopt for another name.
std::optional<NotificationKind> parse_notification_kind(std::string_view name);

struct GroupEntry {
  std::string fingerprint;
  std::uint64_t count = 0;  ///< events this notification accounts for and no other does
  std::int64_t first_seen_ms = 0;
  std::int64_t last_seen_ms = 0;
  std::shared_ptr<const Event> event;  ///< the latest event of the group, redacted; never null
  std::uint64_t total = 0;             ///< events since the group opened (resolved, summaries)
  std::int64_t window_ms = 0;          ///< the route's dedup window ("in the last 5 min")
  std::uint64_t seen_before = 0;       ///< reopened: events of its earlier openings within 24 h
  std::int64_t seen_before_since_ms = 0;  ///< and since when
  bool overflow = false;  ///< new errors folded together past limits.max_open_groups
  /// Fleet mode: counted by this host alone while the fleet's Redis was unreachable, so another
  /// host may report the same window's events of this group too.
  bool host_only = false;
};

struct Notification {
  NotificationKind kind = NotificationKind::first;
  std::string receiver;
  std::string route;  ///< empty for a digest of several routes
  std::vector<GroupEntry> groups;
  std::uint64_t other_groups = 0;  ///< what a digest folds together beyond `groups`
  std::uint64_t other_count = 0;

  /// Every event this notification accounts for.
  std::uint64_t total_count() const;
};

}  // namespace erralert::core
