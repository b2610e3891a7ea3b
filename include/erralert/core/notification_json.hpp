// Notifications and groups as JSON and back: what the state store keeps. A notification is
// kept unrendered, so it is rendered when it is sent (a renderer fix reaches what waits) and a
// digest can fold what was stored; a group is kept so a restart resumes its windows.
//
//   std::string text = notification_to_json(n).dump();
//   std::optional<Notification> back = notification_from_json(nlohmann::json::parse(text));
//   std::optional<GroupState> g = group_state_from_json(group_state_to_json(state));
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "erralert/core/aggregator.hpp"
#include "erralert/core/notification.hpp"

namespace erralert::core {

/// Every field, events included with their unknown fields (to_json(e, true)).
nlohmann::json notification_to_json(const Notification& n);

/// The notification `j` holds; nullopt when it is not one (wrong types, a kind or event that
/// does not parse). Never throws: spool files outlive releases and disks fail.
std::optional<Notification> notification_from_json(const nlohmann::json& j);

/// An open group, its latest event included; and back (nullopt when `j` is not one).
nlohmann::json group_state_to_json(const GroupState& g);
std::optional<GroupState> group_state_from_json(const nlohmann::json& j);

/// A remembered closed group; and back.
nlohmann::json closed_group_to_json(const ClosedGroup& c);
std::optional<ClosedGroup> closed_group_from_json(const nlohmann::json& j);

}  // namespace erralert::core
