// Parse and validate: untrusted bytes in, validated Events or reasons out. Never throws.
//
//   ParseContext ctx{.default_service = "api", .host = "web-3", .now_ms = now};
//   BodyResult r = parse_body(body, BodyFormat::json, ctx);
//   // r.events go down the pipeline; r.rejected become the 202's "rejected" list.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "erralert/core/event.hpp"
#include "erralert/core/result.hpp"

namespace erralert::core {

/// What the parser needs from outside: defaults, transport hints and the time of receipt.
struct ParseContext {
  std::string default_service;      ///< config defaults.service; empty: service is required
  std::string default_environment;  ///< config defaults.environment
  std::string transport_service;    ///< X-Erralert-Service header or ?service=; beats the default
  std::string host;                 ///< the daemon's host name, for events without one
  std::int64_t now_ms = 0;          ///< time of receipt, for events without a timestamp
  std::size_t max_event_bytes = 65536;
};

/// Validates one decoded JSON value as an event: aliases (statusCode, reason, top-level path and
/// method, Nest's message arrays, Spring's `error`), defaults, size limits, and request.route.
Result<Event> parse_event(const nlohmann::json& j, const ParseContext& ctx);

/// One JSON text holding one event (a Unix socket line or datagram). Repairs invalid UTF-8;
/// refuses text over ctx.max_event_bytes.
Result<Event> parse_event_text(std::string_view text, const ParseContext& ctx);

enum class BodyFormat { json, ndjson };

/// Why one event of a body was refused; `index` is its position in the array or its
/// 0-based position among the body's non-blank NDJSON lines.
struct Rejection {
  std::size_t index = 0;
  Errors errors;
  bool too_large = false;  ///< over max_event_bytes
};

struct BodyResult {
  std::vector<Event> events;
  std::vector<Rejection> rejected;
  /// Set when the body as a whole is not JSON (json format only): says where, e.g.
  /// "syntax error at byte 17: unexpected '}'". Then events and rejected are empty.
  std::optional<std::string> syntax_error;
  std::size_t total() const { return events.size() + rejected.size(); }
};

/// A POST /v1/events body: one object, an array of objects, or NDJSON.
BodyResult parse_body(std::string_view body, BodyFormat format, const ParseContext& ctx);

}  // namespace erralert::core
