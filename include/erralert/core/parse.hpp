// Parse and validate: untrusted bytes in, validated Events or reasons out. Never throws.
//
//   ParseContext ctx{.default_service = "api", .host = "web-3", .now_ms = now};
//   BodyResult r = parse_body(body, BodyFormat::json, ctx);
//   // r.events go down the pipeline; r.rejected become the 202's "rejected" list.
//
// Rules beyond CONTRACT.md section 3 (parse.cpp has the details):
// - A JSON null counts as an absent field (Jackson and friends write nulls); so does "" for the
//   optional strings host, environment, trace_id and request.* (defaults then apply).
// - Aliases: the canonical name wins (status over statusCode, trace_id over traceId,
//   request.method over a top-level method, request.path over a top-level path); an alias that
//   lost stays in `extra`. `message` falls back, when absent or "", to `reason`, an `error`
//   string (Spring's default body), an `{"error": {message, type, code}}` envelope's message
//   (OpenAI, Google; its code and type stand in for absent `code` and `exception.type`),
//   RFC 9457's `title`, `detail` (then not kept twice), and last to the first field error of
//   a DRF field map at the top level (`{"name": ["This field may not be blank."]}`, which
//   becomes errors[]). errors[] entries also take `message`/`defaultMessage` for reason and
//   `rejectedValue` for value; `errors` may be an object of field -> messages (DRF, Rails), and
//   so may `detail`; Nest's `message` array is joined for `message` and each item is an
//   errors[] entry. RFC 9457's `instance` stands in for an absent request.path.
//   request.query may be an object (Express's req.query), kept as "k=v&k2=v2".
// - `severity` defaults from `status`: 5xx error, 4xx warning, else error.
// - A `timestamp` more than 5 minutes (ctx.max_clock_skew_ms) from ctx.now_ms is kept as
//   Event::app_timestamp_ms and the event is dated ctx.now_ms (an `app_timestamp` in the event, as to_json writes it, is
//   taken as it is, so that an event read back from storage keeps its times).
// - Event::service_defaulted says that ctx.default_service named the service.
// - Caps, by truncation with "…": message 8 KiB, detail and exception.stacktrace 16 KiB.
//   FieldError::value is at most 64 characters.
// - JSON nested deeper than 64 levels is refused where it goes deeper (an array body allows one
//   more level for itself); the parser (Boost.JSON, max_depth) stops there, so no input can
//   exhaust the stack. Text malformed before that point is a syntax error instead.
// - A number beyond a double's range (1e400) is kept as null; a field that needs a number
//   (timestamp, status) refuses it.
// - Unknown top-level fields go to Event::extra; unknown request fields to extra["request"].
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

/// The caps of the rules above, for stages that build events from other formats (ingest/).
inline constexpr std::size_t kMaxEventDepth = 64;
inline constexpr std::size_t kMaxMessageBytes = 8 * 1024;
inline constexpr std::size_t kMaxDetailBytes = 16 * 1024;
inline constexpr std::size_t kMaxStacktraceBytes = 16 * 1024;
inline constexpr std::size_t kMaxFingerprintItems = 16;

/// What the parser needs from outside: defaults, transport hints and the time of receipt.
struct ParseContext {
  std::string default_service;      ///< config defaults.service; empty: service is required
  std::string default_environment;  ///< config defaults.environment
  std::string transport_service;    ///< X-Erralert-Service header or ?service=; beats the default
  std::string host;                 ///< the daemon's host name, for events without one
  std::int64_t now_ms = 0;          ///< time of receipt, for events without a timestamp
  /// A timestamp further than this from now_ms dates nothing: the event is dated now_ms and its
  /// own time kept as Event::app_timestamp_ms. 0 takes every timestamp as it is (events read
  /// back from storage, whose times were settled when they were received).
  std::int64_t max_clock_skew_ms = 5 * 60 * 1000;
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
/// 0-based position among the body's non-blank NDJSON lines (a lone object is index 0).
struct Rejection {
  std::size_t index = 0;
  Errors errors;
  bool too_large = false;  ///< over max_event_bytes
};

struct BodyResult {
  std::vector<Event> events;
  std::vector<Rejection> rejected;
  /// Set when the body as a whole is not JSON (json format only): says where, e.g.
  /// "syntax error at byte 17: unexpected '}'" (0-based offset of the offending byte; the body's
  /// size for a premature end), or "nested deeper than 64 levels at byte N", or an empty body.
  /// Then events and rejected are empty. A top-level scalar is instead one Rejection, index 0.
  std::optional<std::string> syntax_error;
  std::size_t total() const { return events.size() + rejected.size(); }
};

/// A POST /v1/events body: one object, an array of objects, or NDJSON. Invalid UTF-8 is
/// repaired first (only when present). A lone object over ctx.max_event_bytes, an array element
/// over it (measured only when the whole body is over it) or such an NDJSON line is a Rejection
/// with too_large; a bad NDJSON line is a Rejection and the other lines go on.
BodyResult parse_body(std::string_view body, BodyFormat format, const ParseContext& ctx);

}  // namespace erralert::core
