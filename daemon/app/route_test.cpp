// `erralertd route-test`: the daemon's stages for one event, in its order, printed instead of run.
#include "erralert/app/route_test.hpp"

#include "erralert/app/daemon.hpp"
#include "erralert/app/send.hpp"
#include "erralert/app/system_clock.hpp"
#include "erralert/core/fingerprint.hpp"
#include "erralert/core/parse.hpp"
#include "erralert/core/pipeline.hpp"
#include "erralert/core/silence.hpp"

namespace erralert::app {
namespace {

std::string terms_text(const nlohmann::json& match) {
  std::string out;
  for (const auto& [key, value] : match.items()) out += (out.empty() ? "" : " ") + key + "=" + value.get<std::string>();
  return out;
}

void print_text(const nlohmann::json& r, std::ostream& out) {
  const auto& ev = r["event"];
  out << "event: " << ev.value("service", "") << ": " << ev.value("message", "") << "\n";
  if (const auto& s = r["silence"]; s.is_null()) {
    out << "silence: none holds it\n";
  } else {
    out << "silence: " << s["id"].get<std::string>() << " holds it (" << terms_text(s["match"]) << "; until "
        << (s["until"].is_null() ? "removed from the config" : s["until"].get<std::string>())
        << (s["comment"].get<std::string>().empty() ? "" : "; " + s["comment"].get<std::string>())
        << "): counted in events_silenced_total and not routed while it holds; the routes it would take:\n";
  }
  if (r["unrouted"].get<bool>()) out << "routes: none matches (counted in events_unrouted_total, sent nowhere)\n";
  int n = 0;
  for (const auto& route : r["routes"]) {
    out << "route " << ++n << ": " << route["name"].get<std::string>() << " -> ";
    std::string receivers;
    for (const auto& name : route["receivers"]) receivers += (receivers.empty() ? "" : ", ") + name.get<std::string>();
    out << receivers << (route["continue"].get<bool>() ? " (continue: the next matching route too)" : "") << "\n";
    if (route["fingerprint_from"] == "event") {
      out << "  group_by: not used, the event names its own fingerprint\n";
    } else {
      out << "  group_by:";
      for (const auto& g : route["group_by"]) {
        out << " " << g["field"].get<std::string>() << "=" << (g["value"].is_null() ? "(absent)" : g["value"].get<std::string>());
      }
      out << "\n";
    }
    out << "  fingerprint: " << route["fingerprint"].get<std::string>() << "\n";
  }
  out << "event as sent (redacted):\n" << ev.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

}  // namespace

nlohmann::json explain_event(const config::Config& cfg, core::Event e, std::int64_t now_ms) {
  nlohmann::json report;
  const core::SilenceSet silences(cfg.silences);
  const core::Silence* silence = silences.matching(e, now_ms);
  report["silence"] = silence ? core::to_api_json(*silence) : nlohmann::json(nullptr);
  // Route on what the app sent; group on the redacted event, as the pipeline does.
  const core::Pipeline pipeline(cfg);
  const auto routes = pipeline.matching_routes(e);
  pipeline.redact(e);
  report["routes"] = nlohmann::json::array();
  for (const config::Route* route : routes) {
    auto group_by = nlohmann::json::array();
    for (const auto& field : route->group_by) {
      const auto value = core::field_value(e, field);
      group_by.push_back({{"field", field}, {"value", value ? nlohmann::json(*value) : nlohmann::json(nullptr)}});
    }
    report["routes"].push_back({{"name", route->name},
                                {"receivers", route->receivers},
                                {"continue", route->continue_matching},
                                {"group_by", std::move(group_by)},
                                {"fingerprint_from", e.fingerprint.empty() ? "group_by" : "event"},
                                {"fingerprint", core::fingerprint(e, route->group_by)}});
  }
  report["unrouted"] = routes.empty();
  report["event"] = core::to_json(e);
  return report;
}

int route_test(const RouteTestOptions& o, std::ostream& out, std::ostream& err) {
  if (o.output != "text" && o.output != "json") {
    err << "erralertd route-test: --output must be text or json\n";
    return kExitUsage;
  }
  const auto loaded = config::load_config_or_report(o.config, err);
  if (!loaded) return kExitInvalid;
  const config::Config& cfg = *loaded;
  std::string text;
  try {
    text = read_input_text(o.json_file, "--json");
  } catch (const std::exception& e) {
    err << "erralertd route-test: " << e.what() << "\n";
    return kExitInvalid;
  }
  // The context the daemon's intake builds: the config's defaults, this host, the time now.
  core::ParseContext ctx;
  ctx.default_service = cfg.defaults.service;
  ctx.default_environment = cfg.defaults.environment;
  ctx.max_event_bytes = cfg.limits.max_event_bytes;
  ctx.host = local_host_name();
  const std::int64_t now_ms = SystemClock().now_ms();
  ctx.now_ms = now_ms;
  auto event = core::parse_event_text(text, ctx);
  if (!event) {
    err << "erralertd route-test: the event is not valid:\n";
    for (const auto& e : event.errors()) {
      err << "  " << (e.field.empty() ? "event" : e.field) << ": " << e.reason
          << (e.value.empty() ? "" : " (" + e.value + ")") << "\n";
    }
    return kExitInvalid;
  }
  const auto report = explain_event(cfg, std::move(event).value(), now_ms);
  if (o.output == "json") {
    out << report.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    print_text(report, out);
  }
  return kExitOk;
}

}  // namespace erralert::app
