// Webhook rendering: the machine-readable JSON of CONTRACT.md section 5, one object per group.
#include "erralert/core/render.hpp"
#include "erralert/core/timefmt.hpp"

namespace erralert::core {

nlohmann::json render_webhook(const Notification& n) {
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& g : n.groups) {
    nlohmann::json group = {{"fingerprint", g.fingerprint},
                            {"count", g.count},
                            {"total", g.total},
                            {"first_seen", format_rfc3339(g.first_seen_ms)},
                            {"last_seen", format_rfc3339(g.last_seen_ms)},
                            {"event", to_json(*g.event)}};
    if (g.seen_before != 0) {
      group["seen_before"] = {{"count", g.seen_before}, {"since", format_rfc3339(g.seen_before_since_ms)}};
    }
    if (g.overflow) group["overflow"] = true;
    if (g.host_only) group["host_only"] = true;
    groups.push_back(std::move(group));
  }
  return {{"kind", to_string(n.kind)},
          {"receiver", n.receiver},
          {"route", n.route},
          {"groups", std::move(groups)},
          {"others", {{"groups", n.other_groups}, {"count", n.other_count}}}};
}

}  // namespace erralert::core
