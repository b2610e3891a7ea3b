// Fingerprints: the stable identity of "the same error", from group_by fields or the event's own list.
//
//   std::string fp = fingerprint(event, {"service", "code", "request.route"});  // 16 hex digits
#pragma once

#include <string>
#include <vector>

#include "erralert/core/event.hpp"

namespace erralert::core {

/// A 64-bit FNV-1a hash, as 16 lower-case hex digits, of the event's `fingerprint` list when it
/// has one, else of the `group_by` field values (a missing field hashes unlike an empty one).
std::string fingerprint(const Event& e, const std::vector<std::string>& group_by);

}  // namespace erralert::core
