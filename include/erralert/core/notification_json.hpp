// Notifications and events as JSON and back: what the state store keeps. A notification is
// kept unrendered, so it is rendered when it is sent (a renderer fix reaches what waits) and a
// digest can fold what was stored; an open group's latest event is kept so a restart shows it.
//
//   std::string text = notification_to_json(n).dump();
//   std::optional<Notification> back = notification_from_json(nlohmann::json::parse(text));
//   std::shared_ptr<const Event> e = event_from_json(to_json(event, true));
#pragma once

#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "erralert/core/event.hpp"
#include "erralert/core/notification.hpp"

namespace erralert::core {

/// Every field, events included with their unknown fields (to_json(e, true)).
nlohmann::json notification_to_json(const Notification& n);

/// The notification `j` holds; nullopt when it is not one (wrong types, a kind or event that
/// does not parse). Never throws: spool files outlive releases and disks fail.
std::optional<Notification> notification_from_json(const nlohmann::json& j);

/// The event `j` holds (as to_json(e, true) wrote it), its times as they were; null when it is
/// not one. Never throws.
std::shared_ptr<const Event> event_from_json(const nlohmann::json& j);

}  // namespace erralert::core
