// A notification: what one receiver is told about one or more groups of events.
//
//   Notification n{.kind = NotificationKind::first, .receiver = "ops-discord", .route = "default"};
//   n.groups.push_back({.fingerprint = fp, .count = 1, .first_seen_ms = t, .last_seen_ms = t, .event = e});
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "erralert/core/event.hpp"

namespace erralert::core {

enum class NotificationKind { first, summary, digest };

/// "first", "summary", "digest".
std::string_view to_string(NotificationKind k);

struct GroupEntry {
  std::string fingerprint;
  std::uint64_t count = 0;  ///< events this notification accounts for and no other does
  std::int64_t first_seen_ms = 0;
  std::int64_t last_seen_ms = 0;
  Event event;  ///< the latest event of the group
};

struct Notification {
  NotificationKind kind = NotificationKind::first;
  std::string receiver;
  std::string route;
  std::vector<GroupEntry> groups;
  std::uint64_t other_groups = 0;  ///< what a digest folds together beyond `groups`
  std::uint64_t other_count = 0;

  /// Every event this notification accounts for.
  std::uint64_t total_count() const;
};

}  // namespace erralert::core
