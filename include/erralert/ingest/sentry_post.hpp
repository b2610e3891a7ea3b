// A POST from a Sentry SDK, from its bytes to erralert events: which project, whether its key
// is right, the body decompressed (bounded), framed (envelope) and mapped (sentry_event.hpp).
// Pure: the HTTP front gathers a SentryPost, app/ queues what comes back.
//
//   SentryPost post{SentryEndpoint::envelope, "1", auth_header, query, content_encoding, body};
//   SentryRead r = read_sentry_post(post, cfg.ingest.sentry_projects, ctx);
//   if (r.verdict == SentryVerdict::accepted) queue(r.events), answer 200 {"id": r.event_id};
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "erralert/config/config.hpp"
#include "erralert/core/event.hpp"
#include "erralert/core/parse.hpp"

namespace erralert::ingest {

/// Sentry's bound on a whole body, decompressed (Relay's max_envelope_size for errors is of
/// this order; an SDK's envelope of events and sessions is a few KiB).
inline constexpr std::size_t kMaxSentryBodyBytes = 20 * 1024 * 1024;

enum class SentryEndpoint { envelope, store };

/// "/api/1/envelope/" -> {envelope, "1"}; the trailing slash may be left out. nullopt for a
/// path that is neither endpoint; the project is any run of digits (checked against the
/// config later, so that an unknown one gets a clear answer).
struct SentryRoute {
  SentryEndpoint endpoint;
  std::string project;
};
std::optional<SentryRoute> sentry_route(std::string_view path);

/// A POST to a Sentry endpoint as the HTTP front read it (views into the request).
struct SentryPost {
  SentryEndpoint endpoint = SentryEndpoint::envelope;
  std::string project;            ///< the path's project id
  std::string_view auth;          ///< X-Sentry-Auth, or an Authorization of the Sentry scheme
  std::string_view query;         ///< the target's query, without '?'
  std::string_view content_encoding;
  std::string_view body;          ///< as sent (compressed or not)
};

enum class SentryVerdict {
  accepted,              ///< 200: every event item that could be read was (possibly none)
  off,                   ///< 404: no ingest.sentry.projects
  unknown_project,       ///< 404
  missing_key,           ///< 401
  wrong_key,             ///< 403
  unsupported_encoding,  ///< 415
  too_large,             ///< 413: the body decompresses past the bound, or its only event is too large
  malformed,             ///< 400: not an envelope, not JSON, corrupt compression
  invalid,               ///< 400: no event item could be read as an event
};

struct SentryRead {
  SentryVerdict verdict = SentryVerdict::accepted;
  /// For anything but `accepted`: the answer's {"detail"}; names the project, never the key.
  std::string detail;
  /// The answer's {"id"}: the envelope's (or the store event's) event_id, as 32 hex digits; ""
  /// when the request had none (the caller makes one up, as Sentry does).
  std::string event_id;
  std::vector<core::Event> events;
  /// Event items refused; `index` is the item's place in the envelope (0 for /store/).
  std::vector<core::Rejection> rejected;
  /// Items that are no error event (sessions, client reports, transactions, attachments, ...),
  /// by type: not alerted on. Types outside Sentry's known list are counted as "other".
  std::map<std::string, std::size_t> skipped;
};

/// Reads `post` for `projects` with `ctx` (defaults, limits, time of receipt; its
/// transport_service is set here to the project's service). Never throws.
SentryRead read_sentry_post(const SentryPost& post, const std::vector<config::SentryProject>& projects,
                            core::ParseContext ctx);

/// The HTTP status of a verdict (200, 400, 401, 403, 404, 413, 415).
int http_status(SentryVerdict verdict);

/// "accepted", "not_configured", "unknown_project", "missing_key", "wrong_key",
/// "unsupported_encoding", "too_large", "malformed", "invalid": for metrics and logs.
std::string_view to_string(SentryVerdict verdict);

}  // namespace erralert::ingest
