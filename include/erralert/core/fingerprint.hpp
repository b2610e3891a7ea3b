// Fingerprints: the stable identity of "the same error", from group_by fields or the event's own list.
//
//   std::string fp = fingerprint(event, {"service", "code", "request.route"});  // 16 hex digits
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "erralert/core/event.hpp"

namespace erralert::core {

/// The fingerprint part that stands for the group_by values, as Sentry's `{{ default }}` stands
/// for its default grouping ("{{default}}" and other spacings read the same).
bool is_default_part(std::string_view part);

/// A 64-bit FNV-1a hash, as 16 lower-case hex digits, of the event's `fingerprint` list when it
/// has one, else of the `group_by` field values (a missing field hashes unlike an empty one).
/// A `{{ default }}` part of the list hashes as the group_by values would, so ["{{ default }}"]
/// alone is the same group as no list, and ["{{ default }}", "eu"] splits each of those groups.
std::string fingerprint(const Event& e, const std::vector<std::string>& group_by);

}  // namespace erralert::core
