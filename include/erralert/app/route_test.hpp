// `erralertd route-test`: what the config does with one event, without a daemon: the silence
// that holds it, the routes and receivers it goes to, its group_by values and fingerprint, and
// the event as it leaves the host (redacted).
//
//   RouteTestOptions o;  o.config = "/etc/erralert/erralert.yaml";  o.json_file = "event.json";
//   int code = route_test(o, std::cout, std::cerr);   // 0 ran, 1 bad config or event, 2 usage
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "erralert/config/config.hpp"
#include "erralert/core/event.hpp"

namespace erralert::app {

struct RouteTestOptions {
  std::string config;
  std::string json_file = "-";  ///< the event JSON, or - for standard input
  std::string output = "text";  ///< text | json
};

/// What `cfg` does with `e` at `now_ms`: {"silence": {...} | null, "routes": [{name, receivers,
/// continue, group_by: [{field, value | null}], fingerprint}], "unrouted": bool, "event": {...}}.
nlohmann::json explain_event(const config::Config& cfg, core::Event e, std::int64_t now_ms);

/// Reads the config and the event, prints explain_event() as text or JSON. Exit codes: 0 it
/// ran (silenced and unrouted events too), 1 a bad config or event (its problems printed),
/// 2 usage.
int route_test(const RouteTestOptions& o, std::ostream& out, std::ostream& err);

}  // namespace erralert::app
