// A notification as JSON and back: what the spool keeps, so a notification is rendered when it
// is sent (a renderer fix reaches what waits) and a digest can fold what was spooled.
//
//   std::string text = notification_to_json(n).dump();
//   std::optional<Notification> back = notification_from_json(nlohmann::json::parse(text));
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "erralert/core/notification.hpp"

namespace erralert::core {

/// Every field, events included with their unknown fields (to_json(e, true)).
nlohmann::json notification_to_json(const Notification& n);

/// The notification `j` holds; nullopt when it is not one (wrong types, a kind or event that
/// does not parse). Never throws: spool files outlive releases and disks fail.
std::optional<Notification> notification_from_json(const nlohmann::json& j);

}  // namespace erralert::core
