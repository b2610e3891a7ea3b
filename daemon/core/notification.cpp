// Notification kinds by name, and what a notification counts.
#include "erralert/core/notification.hpp"

namespace erralert::core {

std::string_view to_string(NotificationKind k) {
  switch (k) {
    case NotificationKind::first: return "first";
    case NotificationKind::summary: return "summary";
    case NotificationKind::digest: return "digest";
    case NotificationKind::resolved: return "resolved";
  }
  return "first";
}

std::optional<NotificationKind> parse_notification_kind(std::string_view name) {
  for (auto k : {NotificationKind::first, NotificationKind::summary, NotificationKind::digest,
                 NotificationKind::resolved}) {
    if (to_string(k) == name) return k;
  }
  return std::nullopt;
}

std::uint64_t Notification::total_count() const {
  std::uint64_t total = other_count;
  for (const auto& g : groups) total += g.count;
  return total;
}

}  // namespace erralert::core
