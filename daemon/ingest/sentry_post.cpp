// A Sentry SDK's POST: project and key first (nothing is decompressed for a request whose
// header key is wrong), then the body, bounded, then each event item mapped.
#include "erralert/ingest/sentry_post.hpp"

#include <algorithm>
#include <array>

#include "erralert/core/text.hpp"
#include "erralert/ingest/decompress.hpp"
#include "erralert/ingest/sentry_auth.hpp"
#include "erralert/ingest/sentry_envelope.hpp"
#include "erralert/ingest/sentry_event.hpp"

namespace erralert::ingest {
namespace {

/// Item types of Sentry's protocol that are not error events; any other is counted as "other",
/// so that what a client writes cannot grow the metric's label set.
constexpr std::array<std::string_view, 24> kKnownItemTypes{
    "session",       "sessions",     "client_report",    "transaction",  "attachment",  "user_report",
    "feedback",      "profile",      "profile_chunk",    "replay_event", "replay_recording",
    "replay_video",  "check_in",     "statsd",           "metric_buckets", "span",      "log",
    "otel_log",      "security",     "raw_security",     "form_data",    "nel",         "unreal_report",
    "trace_metric"};

std::string skipped_type(std::string_view type) {
  const bool known = std::find(kKnownItemTypes.begin(), kKnownItemTypes.end(), type) != kKnownItemTypes.end();
  return known ? std::string(type) : "other";
}

SentryRead refuse(SentryVerdict verdict, std::string detail) {
  SentryRead r;
  r.verdict = verdict;
  r.detail = std::move(detail);
  return r;
}

const config::SentryProject* find_project(const std::vector<config::SentryProject>& projects, std::string_view id) {
  for (const auto& p : projects) {
    if (std::to_string(p.id) == id) return &p;
  }
  return nullptr;
}

std::string project_name(const config::SentryProject& p) { return "project " + std::to_string(p.id); }

SentryRead wrong_key(const config::SentryProject& p, std::string_view where) {
  return refuse(SentryVerdict::wrong_key, "the sentry_key of the " + std::string(where) + " is not " +
                                              project_name(p) + "'s key (ingest.sentry.projects)");
}

/// One event payload read into `r`: queued, or refused at `index`.
void read_event(SentryRead& r, std::string_view payload, std::size_t index, const core::ParseContext& ctx) {
  SentryEvent e = read_sentry_event(payload, ctx);
  if (r.event_id.empty()) r.event_id = e.event_id;
  if (e.event) {
    r.events.push_back(std::move(*e.event));
  } else {
    r.rejected.push_back({index, std::move(e.errors), e.too_large});
  }
}

/// The verdict once the items are read: a body whose every event was refused is refused.
void settle(SentryRead& r) {
  if (!r.events.empty() || r.rejected.empty()) return;
  const bool too_large = std::any_of(r.rejected.begin(), r.rejected.end(),
                                     [](const core::Rejection& x) { return x.too_large; });
  r.verdict = too_large ? SentryVerdict::too_large : SentryVerdict::invalid;
  const core::FieldError& first = r.rejected.front().errors.front();
  r.detail = (r.rejected.size() == 1 ? "the event was refused: " : "no event could be read; the first: ") +
             (first.field.empty() ? "" : first.field + ": ") + first.reason;
}

}  // namespace

std::optional<SentryRoute> sentry_route(std::string_view path) {
  constexpr std::string_view kPrefix = "/api/";
  if (!path.starts_with(kPrefix)) return std::nullopt;
  path.remove_prefix(kPrefix.size());
  const std::size_t slash = path.find('/');
  if (slash == 0 || slash == std::string_view::npos) return std::nullopt;
  const std::string_view project = path.substr(0, slash);
  if (project.size() > 20 || !std::all_of(project.begin(), project.end(), core::is_digit)) return std::nullopt;
  std::string_view rest = path.substr(slash + 1);
  if (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest == "envelope") return SentryRoute{SentryEndpoint::envelope, std::string(project)};
  if (rest == "store") return SentryRoute{SentryEndpoint::store, std::string(project)};
  return std::nullopt;
}

int http_status(SentryVerdict verdict) {
  switch (verdict) {
    case SentryVerdict::accepted: return 200;
    case SentryVerdict::off:
    case SentryVerdict::unknown_project: return 404;
    case SentryVerdict::missing_key: return 401;
    case SentryVerdict::wrong_key: return 403;
    case SentryVerdict::unsupported_encoding: return 415;
    case SentryVerdict::too_large: return 413;
    case SentryVerdict::malformed:
    case SentryVerdict::invalid: break;
  }
  return 400;
}

std::string_view to_string(SentryVerdict verdict) {
  switch (verdict) {
    case SentryVerdict::accepted: return "accepted";
    case SentryVerdict::off: return "not_configured";
    case SentryVerdict::unknown_project: return "unknown_project";
    case SentryVerdict::missing_key: return "missing_key";
    case SentryVerdict::wrong_key: return "wrong_key";
    case SentryVerdict::unsupported_encoding: return "unsupported_encoding";
    case SentryVerdict::too_large: return "too_large";
    case SentryVerdict::malformed: return "malformed";
    case SentryVerdict::invalid: break;
  }
  return "invalid";
}

SentryRead read_sentry_post(const SentryPost& post, const std::vector<config::SentryProject>& projects,
                            core::ParseContext ctx) {
  if (projects.empty()) {
    return refuse(SentryVerdict::off, "Sentry ingestion is off: this erralertd has no ingest.sentry.projects");
  }
  // The key from the header or the query; an envelope may carry it in its DSN instead.
  std::optional<std::string> key = sentry_auth_key(post.auth);
  if (!key) key = query_sentry_key(post.query);
  if (!key && post.endpoint == SentryEndpoint::store) {
    return refuse(SentryVerdict::missing_key, "missing authorization information: send X-Sentry-Auth with sentry_key "
                                              "(or ?sentry_key=), as the SDKs do with the DSN's key");
  }
  const config::SentryProject* project = find_project(projects, post.project);
  if (!project) {
    return refuse(SentryVerdict::unknown_project,
                  "no project " + post.project + " in ingest.sentry.projects: the DSN's last path segment names it");
  }
  if (key && !core::same_secret(*key, project->key)) return wrong_key(*project, "request");

  const auto coding = parse_content_encoding(post.content_encoding);
  if (!coding) {
    return refuse(SentryVerdict::unsupported_encoding, "Content-Encoding '" +
                                                           std::string(core::trim(post.content_encoding).substr(0, 40)) +
                                                           "' is not supported: send gzip, deflate, br or none");
  }
  Decompressed decoded;
  std::string_view body = post.body;
  if (*coding != ContentCoding::identity || body.size() > kMaxSentryBodyBytes) {
    decoded = decompress(body, *coding, kMaxSentryBodyBytes);
    if (decoded.error == Decompressed::Error::too_large) return refuse(SentryVerdict::too_large, decoded.reason);
    if (decoded.error == Decompressed::Error::corrupt) return refuse(SentryVerdict::malformed, decoded.reason);
    body = decoded.data;
  }
  ctx.transport_service = project->service;

  SentryRead r;
  if (post.endpoint == SentryEndpoint::store) {
    read_event(r, body, 0, ctx);
    settle(r);
    return r;
  }
  auto envelope = parse_envelope(body);
  if (!envelope) {
    const core::FieldError& e = envelope.errors().front();
    return refuse(SentryVerdict::malformed, "not a Sentry envelope: " + e.field + ": " + e.reason);
  }
  if (!key) {
    const auto dsn = parse_dsn(envelope->dsn);
    if (!dsn) {
      return refuse(SentryVerdict::missing_key, "missing authorization information: send X-Sentry-Auth with "
                                                "sentry_key, ?sentry_key=, or the DSN in the envelope header");
    }
    if (!core::same_secret(dsn->key, project->key)) return wrong_key(*project, "envelope's dsn");
  }
  r.event_id = normalize_event_id(envelope->event_id);
  for (std::size_t i = 0; i < envelope->items.size(); ++i) {
    const EnvelopeItem& item = envelope->items[i];
    if (item.type == "event") {
      read_event(r, item.payload, i, ctx);
    } else {
      ++r.skipped[skipped_type(item.type)];
    }
  }
  settle(r);
  return r;
}

}  // namespace erralert::ingest
