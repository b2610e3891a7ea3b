// The event value: severity names, RFC 3339 parsing, its JSON shape and dotted field look-up.
#include "erralert/core/event.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <utility>

#include "erralert/core/text.hpp"
#include "erralert/core/timefmt.hpp"

namespace erralert::core {
namespace {

using json = nlohmann::json;

using Text = std::optional<std::string_view>;

/// Text of a JSON value for field_text: strings as they are, other scalars and containers as
/// compact JSON (written into `scratch`); null, "", {} and [] are absent.
Text text_of(const json& j, std::string& scratch) {
  if (j.is_null() || (j.is_structured() && j.empty())) return std::nullopt;
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    return s.empty() ? std::nullopt : Text(s);
  }
  scratch = j.dump(-1, ' ', false, json::error_handler_t::replace);
  return scratch;
}

Text text_of(const std::string& s) { return s.empty() ? std::nullopt : Text(s); }

/// The member of object `j` named `key`, exactly or (when `any_case`) ignoring letter case.
const json* member(const json& j, std::string_view key, bool any_case) {
  if (!j.is_object()) return nullptr;
  if (auto it = j.find(key); it != j.end()) return &*it;
  if (!any_case) return nullptr;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (iequals(it.key(), key)) return &*it;
  }
  return nullptr;
}

/// Follows a dotted `path` into `j`; a key that itself holds dots is tried whole first.
Text lookup(const json& j, std::string_view path, std::string& scratch, bool any_case = false) {
  if (path.empty()) return text_of(j, scratch);
  if (const json* whole = member(j, path, any_case)) return text_of(*whole, scratch);
  const std::size_t dot = path.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  if (const json* head = member(j, path.substr(0, dot), any_case)) {
    return lookup(*head, path.substr(dot + 1), scratch);
  }
  return std::nullopt;
}

Text request_field(const Request& r, std::string_view name, std::string& scratch) {
  if (name == "method") return text_of(r.method);
  if (name == "path") return text_of(r.path);
  if (name == "route") return text_of(r.route);
  if (name == "query") return text_of(r.query);
  if (name == "client_ip") return text_of(r.client_ip);
  if (name == "params") return text_of(r.params, scratch);
  if (name.starts_with("params.")) return lookup(r.params, name.substr(7), scratch);
  if (name == "headers") return text_of(r.headers, scratch);
  if (name.starts_with("headers.")) return lookup(r.headers, name.substr(8), scratch, true);
  return std::nullopt;
}

Text exception_field(const ExceptionInfo& x, std::string_view name) {
  if (name == "type") return text_of(x.type);
  if (name == "message") return text_of(x.message);
  if (name == "stacktrace") return text_of(x.stacktrace);
  return std::nullopt;
}

Text top_level_field(const Event& e, std::string_view name, std::string& scratch) {
  if (name == "service") return text_of(e.service);
  if (name == "environment") return text_of(e.environment);
  if (name == "host") return text_of(e.host);
  if (name == "timestamp") return scratch = format_rfc3339(e.timestamp_ms);
  if (name == "app_timestamp") {
    if (!e.app_timestamp_ms) return std::nullopt;
    return scratch = format_rfc3339(*e.app_timestamp_ms);
  }
  if (name == "severity") return to_string(e.severity);
  if (name == "code") return text_of(e.code);
  if (name == "status") {
    if (e.status == 0) return std::nullopt;
    return scratch = std::to_string(e.status);
  }
  if (name == "message") return text_of(e.message);
  if (name == "detail") return text_of(e.detail);
  if (name == "trace_id") return text_of(e.trace_id);
  return lookup(e.extra, name, scratch);
}

void put_if(json& j, const char* key, const std::string& value) {
  if (!value.empty()) j[key] = value;
}

void put_if(json& j, const char* key, const json& value) {
  if (!value.empty()) j[key] = value;
}

json request_json(const Request& r) {
  json j = json::object();
  put_if(j, "method", r.method);
  put_if(j, "path", r.path);
  put_if(j, "route", r.route);
  put_if(j, "query", r.query);
  put_if(j, "params", r.params);
  put_if(j, "headers", r.headers);
  put_if(j, "client_ip", r.client_ip);
  return j;
}

json errors_json(const std::vector<EventFieldError>& errors) {
  json j = json::array();
  for (const auto& fe : errors) j.push_back({{"field", fe.field}, {"value", fe.value}, {"reason", fe.reason}});
  return j;
}

json exception_json(const ExceptionInfo& x) {
  json j = json::object();
  put_if(j, "type", x.type);
  put_if(j, "message", x.message);
  put_if(j, "stacktrace", x.stacktrace);
  return j;
}

}  // namespace

std::string_view to_string(Severity s) {
  switch (s) {
    case Severity::debug: return "debug";
    case Severity::info: return "info";
    case Severity::warning: return "warning";
    case Severity::error: return "error";
    case Severity::critical: return "critical";
  }
  return "error";
}

std::optional<Severity> parse_severity(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, Severity>, 10> kNames{{
      {"debug", Severity::debug},     {"info", Severity::info},         {"warning", Severity::warning},
      {"warn", Severity::warning},    {"error", Severity::error},       {"err", Severity::error},
      {"critical", Severity::critical}, {"crit", Severity::critical},  {"fatal", Severity::critical},
      {"trace", Severity::debug},
  }};
  for (const auto& [text, severity] : kNames) {
    if (iequals(name, text)) return severity;
  }
  return std::nullopt;
}

json to_json(const Event& e, bool include_extra) {
  json j = json::object();
  put_if(j, "service", e.service);
  put_if(j, "environment", e.environment);
  put_if(j, "host", e.host);
  j["timestamp"] = format_rfc3339(e.timestamp_ms);
  if (e.app_timestamp_ms) j["app_timestamp"] = format_rfc3339(*e.app_timestamp_ms);
  j["severity"] = to_string(e.severity);
  put_if(j, "code", e.code);
  if (e.status != 0) j["status"] = e.status;
  put_if(j, "message", e.message);
  put_if(j, "detail", e.detail);
  put_if(j, "request", request_json(e.request));
  if (!e.errors.empty()) j["errors"] = errors_json(e.errors);
  put_if(j, "exception", exception_json(e.exception));
  put_if(j, "trace_id", e.trace_id);
  put_if(j, "tags", e.tags);
  if (!e.fingerprint.empty()) j["fingerprint"] = e.fingerprint;
  if (include_extra && e.extra.is_object()) {
    for (auto it = e.extra.begin(); it != e.extra.end(); ++it) {
      if (!j.contains(it.key())) j[it.key()] = it.value();
    }
  }
  return j;
}

std::optional<std::string_view> field_text(const Event& e, std::string_view path, std::string& scratch) {
  if (path.empty()) return std::nullopt;
  const std::size_t dot = path.find('.');
  const std::string_view head = path.substr(0, dot);
  const std::string_view rest = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
  if (head == "request" && !rest.empty()) return request_field(e.request, rest, scratch);
  if (head == "exception" && !rest.empty()) return exception_field(e.exception, rest);
  if (head == "tags") return lookup(e.tags, rest, scratch);
  if (head == "extra") return lookup(e.extra, rest, scratch);
  return top_level_field(e, path, scratch);
}

std::optional<std::string> field_value(const Event& e, std::string_view path) {
  std::string scratch;
  const auto text = field_text(e, path, scratch);
  return text ? std::optional<std::string>(*text) : std::nullopt;
}

}  // namespace erralert::core
