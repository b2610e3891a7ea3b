// The error event: what an app hands erralert, validated and normalised (CONTRACT.md section 3).
//
//   Event e;  e.service = "payment-api";  e.message = "open AI 연동 오류";
//   std::optional<std::string> v = field_value(e, "request.route");
//   std::string scratch;  std::optional<std::string_view> t = field_text(e, "status", scratch);
#pragma once

#include <array>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "erralert/core/timefmt.hpp"  // parse_timestamp, format_rfc3339

namespace erralert::core {

enum class Severity { debug = 0, info = 1, warning = 2, error = 3, critical = 4 };

/// "debug", "info", "warning", "error", "critical".
std::string_view to_string(Severity s);
/// Parses a severity name; also takes "warn", "err", "crit", "fatal", "trace" (as debug) and
/// any letter case.
std::optional<Severity> parse_severity(std::string_view name);

struct Request {
  std::string method;        ///< upper case, e.g. "POST"; empty when unknown
  std::string path;          ///< as sent, e.g. "/v1/users/48213/embeddings"
  std::string route;         ///< path with ids replaced: "/v1/users/{id}/embeddings"
  std::string query;         ///< raw query string without '?'
  nlohmann::json params;   ///< an object, or null when none was sent (no allocation)
  nlohmann::json headers;  ///< an object, or null when none was sent
  std::string client_ip;
};

/// One entry of `errors[]`: Spring's `{field, value, reason}` validation detail.
struct EventFieldError {
  std::string field;
  nlohmann::json value;  ///< any JSON value, as sent
  std::string reason;
};

struct ExceptionInfo {
  std::string type;
  std::string message;
  std::string stacktrace;
};

struct Event {
  std::string service;
  std::string environment;
  std::string host;
  std::int64_t timestamp_ms = 0;  ///< Unix epoch milliseconds: when it happened, as the alert says
  /// The app's own timestamp when it was more than 5 minutes from the time of receipt (a stale
  /// forwarded body, a wrong clock): timestamp_ms is then the receipt time, and this is shown
  /// beside it. In JSON: `app_timestamp`.
  std::optional<std::int64_t> app_timestamp_ms;
  Severity severity = Severity::error;
  std::string code;
  int status = 0;  ///< HTTP status 100..599, 0 when absent
  std::string message;
  std::string detail;
  Request request;
  std::vector<EventFieldError> errors;
  ExceptionInfo exception;
  std::string trace_id;
  nlohmann::json tags;                               ///< an object of strings, or null for none
  std::vector<std::string> fingerprint;              ///< override of group_by, may be empty
  nlohmann::json extra;                              ///< unknown fields (an object) or null; shown nowhere
  bool service_defaulted = false;  ///< the service came from defaults.service (counted; not in JSON)
};

/// Every text field of `e` (those of request and exception too), for code that walks all of
/// an event: redaction scrubs each, the size estimate and the release ring walk their memory.
/// A text field added to Event goes here, or it leaves the host unredacted.
template <class E>
  requires std::same_as<std::remove_const_t<E>, Event>
auto text_fields(E& e) {  // std::array of 15 pointers, to const when `e` is
  return std::array{&e.service, &e.environment, &e.host, &e.code, &e.message, &e.detail, &e.request.method,
                    &e.request.path, &e.request.route, &e.request.query, &e.request.client_ip, &e.exception.type,
                    &e.exception.message, &e.exception.stacktrace, &e.trace_id};
}
/// Every JSON field of `e`: request params and headers, tags, extra.
inline std::array<const nlohmann::json*, 4> json_fields(const Event& e) {
  return {&e.request.params, &e.request.headers, &e.tags, &e.extra};
}

/// The event as JSON in the contract's shape (fields that are empty or absent are left out;
/// `request.route` included, `timestamp` as RFC 3339). `extra` is left out unless
/// `include_extra`, which puts the unknown fields back at the top level as they were sent, so
/// that parse_event(to_json(e, true), ctx) reads the same event again (for storage, not for
/// display; fuzz_parse_body checks the round trip).
nlohmann::json to_json(const Event& e, bool include_extra = false);
/// to_json(e, include_extra) as compact text, the same bytes as its dump() with invalid UTF-8
/// replaced, written without building the document (a quarter of the work): how the store
/// writes each group's latest event.
std::string to_json_text(const Event& e, bool include_extra = false);

/// The value of a dotted field path ("service", "request.route", "tags.team", "status") as
/// text, or nullopt when the event has no such field. Used by routes, silences and group_by.
/// Empty strings and status 0 count as absent; `timestamp` is RFC 3339; JSON values inside
/// params, headers (names case-insensitive), tags and extra are reached by dotted keys and
/// non-strings come back as compact JSON; an unknown top-level name is looked up in `extra`.
std::optional<std::string> field_value(const Event& e, std::string_view path);
/// field_value without a copy: a view into `e`, or into `scratch` when the text had to be
/// formatted (a number, a time, JSON). Valid while both stay unchanged.
std::optional<std::string_view> field_text(const Event& e, std::string_view path, std::string& scratch);


}  // namespace erralert::core
