// The HTTP API: routes, content negotiation, auth and the contract's answers.
#include "erralert/net/http_router.hpp"

#include <algorithm>
#include <charconv>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "erralert/core/text.hpp"

namespace erralert::net {
namespace {

constexpr std::string_view kEventsPath = "/v1/events";
constexpr std::string_view kReloadPath = "/-/reload";
constexpr std::string_view kSilencesPath = "/v1/silences";
constexpr std::string_view kSilencePrefix = "/v1/silences/";
constexpr std::string_view kJsonType = "application/json";

Response json_text_response(http::status status, std::string body, unsigned version, bool keep_alive) {
  // What set(), keep_alive() and prepare_payload() would give, inserted directly: a new
  // response has no field to replace, and each of those looks its field up first.
  Response res{status, version};
  res.insert(http::field::content_type, kJsonType);
  res.insert(http::field::cache_control, "no-store");
  if (version >= 11 && !keep_alive) res.insert(http::field::connection, "close");
  if (version < 11 && keep_alive) res.insert(http::field::connection, "keep-alive");
  res.insert(http::field::content_length, std::to_string(body.size()));
  res.body() = std::move(body);
  return res;
}

Response json_response(http::status status, const nlohmann::json& body, unsigned version,
                       bool keep_alive) {
  return json_text_response(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                            version, keep_alive);
}

using core::iequals;
using core::istarts_with;

/// The body format a Content-Type names; nullopt for one erralert does not take.
std::optional<core::BodyFormat> body_format(std::string_view content_type) {
  const std::string_view media = core::trim(content_type.substr(0, content_type.find(';')));
  if (iequals(media, kJsonType)) return core::BodyFormat::json;
  for (std::string_view ndjson : {"application/x-ndjson", "application/ndjson", "application/jsonl",
                                  "application/x-jsonlines"}) {
    if (iequals(media, ndjson)) return core::BodyFormat::ndjson;
  }
  return std::nullopt;
}

/// The request fields the API reads, found in one pass over the header (each lookup by name
/// would walk Beast's field set with case-insensitive compares).
struct Head {
  std::string_view content_type;
  std::string_view content_length;
  std::string_view authorization;
  std::string_view service;  ///< X-Erralert-Service
  std::string_view sentry_auth;  ///< X-Sentry-Auth
  std::string_view content_encoding;
  std::string_view origin;
  std::string_view host;
  bool has_origin = false;

  explicit Head(const http::request_header<>& req) {
    // The first of repeated fields counts, as with a lookup by name.
    const auto keep_first = [](std::string_view& slot, std::string_view value) {
      if (slot.data() == nullptr) slot = value;
    };
    for (const auto& f : req) {
      switch (f.name()) {
        case http::field::content_type: keep_first(content_type, f.value()); break;
        case http::field::content_length: keep_first(content_length, f.value()); break;
        case http::field::authorization: keep_first(authorization, f.value()); break;
        case http::field::origin:
          keep_first(origin, f.value());
          has_origin = true;
          break;
        case http::field::host: keep_first(host, f.value()); break;
        case http::field::content_encoding: keep_first(content_encoding, f.value()); break;
        case http::field::unknown:
          if (iequals(f.name_string(), "X-Erralert-Service")) keep_first(service, f.value());
          if (iequals(f.name_string(), "X-Sentry-Auth")) keep_first(sentry_auth, f.value());
          break;
        default: break;
      }
    }
  }
};

bool authorized(std::string_view auth, const HttpOptions& opts) {
  if (opts.token.empty()) return true;
  constexpr std::string_view scheme = "Bearer ";
  if (auth.size() <= scheme.size() || !iequals(auth.substr(0, scheme.size() - 1), "bearer") ||
      auth[scheme.size() - 1] != ' ') {
    return false;
  }
  return core::same_secret(auth.substr(scheme.size()), opts.token);
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

std::string service_hint(const http::request_header<>& req, const Head& head) {
  if (!head.service.empty()) return std::string(head.service);
  if (req.target().find('?') == std::string_view::npos) return {};
  auto url = boost::urls::parse_origin_form(req.target());
  if (!url) return {};
  auto params = url->params();
  auto it = params.find("service");
  return it == params.end() ? std::string() : std::string((*it).value);
}

nlohmann::json errors_json(const core::Errors& errors) {
  auto out = nlohmann::json::array();
  for (const auto& e : errors) out.push_back({{"field", e.field}, {"value", e.value}, {"reason", e.reason}});
  return out;
}

nlohmann::json rejected_json(const std::vector<core::Rejection>& rejected) {
  auto out = nlohmann::json::array();
  for (const auto& r : rejected) out.push_back({{"index", r.index}, {"errors", errors_json(r.errors)}});
  return out;
}

/// 401, closing the connection: the body that follows is not read.
Response unauthorized(unsigned version) {
  auto res = error_response(http::status::unauthorized, "unauthorized",
                            "Authorization: Bearer <server.http.token> is missing or wrong", version, false);
  res.set(http::field::www_authenticate, "Bearer realm=\"erralert\"");
  return res;
}

/// 400 for a request whose body length two parsers could read differently (RFC 9112 sections
/// 6.1 and 6.3, request smuggling): a Transfer-Encoding whose final coding is not chunked, or
/// one with Content-Length or in HTTP/1.0; a Content-Length that is not one number ("38, 38",
/// or two fields). The connection closes after it: where this body ends is unknown.
std::optional<Response> check_framing(const http::request_header<>& req) {
  std::string_view last_coding;
  std::size_t codings = 0;
  std::size_t lengths = 0;
  bool bad_length = false;
  for (const auto& f : req) {
    if (f.name() == http::field::transfer_encoding) {
      std::string_view list = f.value();
      while (!list.empty()) {
        const std::size_t comma = list.find(',');
        if (const auto coding = core::trim(list.substr(0, comma)); !coding.empty()) {
          last_coding = coding;
          ++codings;
        }
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
      }
      if (codings == 0) ++codings;  // an empty Transfer-Encoding is no valid coding either
    } else if (f.name() == http::field::content_length) {
      ++lengths;
      const std::string_view v = core::trim(f.value());
      bad_length = bad_length || v.empty() || !std::all_of(v.begin(), v.end(), core::is_digit);
    }
  }
  const char* why = nullptr;
  if (codings > 0 && (!iequals(last_coding, "chunked") || codings > 1)) {
    why = "Transfer-Encoding must be chunked alone (RFC 9112 section 6.1)";
  } else if (codings > 0 && req.version() < 11) {
    why = "Transfer-Encoding needs HTTP/1.1";
  } else if (codings > 0 && lengths > 0) {
    why = "a request takes Transfer-Encoding or Content-Length, not both";
  } else if (lengths > 1 || bad_length) {
    why = "Content-Length must be one number";
  }
  if (why == nullptr) return std::nullopt;
  return error_response(http::status::bad_request, "bad_framing", why, req.version(), false);
}

/// Whether `host` (a Host header's value) names this daemon: an IP address (no DNS, so nothing to
/// rebind), localhost, or a configured name; any port. A request without Host (HTTP/1.0, or a
/// client that is no browser) passes: every browser sends one.
bool host_allowed(std::string_view host, const HttpOptions& opts) {
  host = core::trim(host);
  if (host.empty()) return true;
  std::string_view name;
  if (host.front() == '[') {
    const std::size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    const std::string_view after = host.substr(close + 1);
    return after.empty() || (after.front() == ':' && std::all_of(after.begin() + 1, after.end(), core::is_digit));
  }
  const std::size_t colon = host.find(':');
  name = host.substr(0, colon);
  if (colon != std::string_view::npos) {
    const std::string_view port = host.substr(colon + 1);
    if (port.empty() || !std::all_of(port.begin(), port.end(), core::is_digit)) return false;
  }
  if (name.empty()) return false;
  const bool ipv4 = std::all_of(name.begin(), name.end(), [](char c) { return core::is_digit(c) || c == '.'; });
  if (ipv4 || iequals(name, "localhost")) return true;
  return std::any_of(opts.allowed_hosts.begin(), opts.allowed_hosts.end(),
                     [&](const std::string& allowed) { return iequals(allowed, name); });
}

/// 403 for a request that a web page may have sent on behalf of a site the operator does not
/// trust: an Origin not in server.http.allowed_origins, or a Host that is not this daemon's.
std::optional<Response> check_site(const http::request_header<>& req, const Head& head, const HttpOptions& opts) {
  if (head.has_origin) {
    const std::string_view origin = core::trim(head.origin);
    const bool allowed = std::any_of(opts.allowed_origins.begin(), opts.allowed_origins.end(),
                                     [&](const std::string& o) { return iequals(o, origin); });
    if (!allowed) {
      return error_response(http::status::forbidden, "origin_not_allowed",
                            "requests from a web page need their Origin in server.http.allowed_origins",
                            req.version(), false);
    }
  }
  if (!host_allowed(head.host, opts)) {
    return error_response(http::status::forbidden, "host_not_allowed",
                          "the Host header names neither this daemon's address nor one of "
                          "server.http.allowed_hosts",
                          req.version(), false);
  }
  return std::nullopt;
}

/// 413 when Content-Length says the body is over `limit` (which `what` names).
std::optional<Response> check_length(const Head& head, std::size_t limit, std::string_view what, unsigned version) {
  if (const auto len = head.content_length; !len.empty()) {
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), n);
    if (ec != std::errc{} || end != len.data() + len.size() || n > limit) {
      return error_response(http::status::payload_too_large, "body_too_large",
                            "the body is over " + std::string(what) + " (" + std::to_string(limit) + ")",
                            version, false);
    }
  }
  return std::nullopt;
}

/// The header checks of a POST that carries a body: token, content type (`ndjson` too, or JSON
/// only), Content-Length within the limit.
std::optional<Response> check_head(const http::request_header<>& req, const Head& head,
                                   const HttpOptions& opts, bool ndjson) {
  const unsigned v = req.version();
  // These answers close the connection: the body that follows is not read.
  if (!authorized(head.authorization, opts)) return unauthorized(v);
  const auto format = body_format(head.content_type);
  if (!format || (!ndjson && *format != core::BodyFormat::json)) {
    return error_response(http::status::unsupported_media_type, "unsupported_media_type",
                          ndjson ? "send application/json or application/x-ndjson" : "send application/json",
                          v, false);
  }
  return check_length(head, opts.max_body_bytes, "server.http.max_body_bytes", v);
}

/// Back-pressure and a store that cannot commit: nothing was queued, and the client is told when
/// to come back (both ingest endpoints).
constexpr std::string_view kQueueFull = "the pipeline queue is full; retry after the delay";
constexpr std::string_view kQueueRetrySeconds = "1";
constexpr std::string_view kStorageRetrySeconds = "5";

std::string not_accepted(std::string_view why) { return std::string(why) + "; nothing was accepted, retry later"; }

Response retry_after(Response res, std::string_view seconds) {
  res.set(http::field::retry_after, seconds);
  return res;
}

Response ingest(const Request& req, const Head& head, HttpApi& api, std::uint64_t* durable_ticket) {
  const bool keep = req.keep_alive();
  const unsigned v = req.version();
  const auto format = body_format(head.content_type).value_or(core::BodyFormat::json);
  if (req.body().empty()) {
    return error_response(http::status::bad_request, "empty_body", "the body holds no event", v, keep);
  }
  IngestReply reply = api.ingest(req.body(), format, service_hint(req, head));
  const auto& r = reply.result;
  if (r.syntax_error) {
    return error_response(http::status::bad_request, "invalid_json", *r.syntax_error, v, keep);
  }
  if (!reply.unavailable.empty()) {
    return retry_after(error_response(http::status::service_unavailable, "storage_unavailable",
                                      not_accepted(reply.unavailable), v, keep),
                       kStorageRetrySeconds);
  }
  if (reply.queue_full) {
    return retry_after(error_response(http::status::service_unavailable, "queue_full", kQueueFull, v, keep),
                       kQueueRetrySeconds);
  }
  if (r.events.empty()) {
    const bool too_large = std::any_of(r.rejected.begin(), r.rejected.end(),
                                       [](const core::Rejection& x) { return x.too_large; });
    if (too_large) {
      return error_response(http::status::payload_too_large, "event_too_large",
                            "an event is over limits.max_event_bytes", v, keep,
                            rejected_json(r.rejected));
    }
    return error_response(http::status::bad_request, "invalid_event", "no valid event in the body",
                          v, keep, rejected_json(r.rejected));
  }
  if (durable_ticket) *durable_ticket = reply.durable_ticket;
  if (r.rejected.empty()) {  // the common answer, written without building a document
    return json_text_response(http::status::accepted,
                              "{\"accepted\":" + std::to_string(r.events.size()) + ",\"rejected\":[]}", v, keep);
  }
  return json_response(http::status::accepted,
                       {{"accepted", r.events.size()}, {"rejected", rejected_json(r.rejected)}}, v,
                       keep);
}

/// Sentry's answer shape: {"detail": ...} for an error (what the SDKs log), {"id": ...} for
/// success; `code` says the same as the verdict, for scripts.
Response sentry_error(http::status status, std::string_view code, std::string_view detail, unsigned version,
                      bool keep_alive) {
  return json_response(status, {{"detail", detail}, {"code", code}}, version, keep_alive);
}

/// POST /api/{project}/envelope/ and /store/ (CONTRACT section 9).
Response sentry_ingest(const Request& req, const Head& head, ingest::SentryRoute route, HttpApi& api,
                       std::uint64_t* durable_ticket) {
  const bool keep = req.keep_alive();
  const unsigned v = req.version();
  ingest::SentryPost post;
  post.endpoint = route.endpoint;
  post.project = std::move(route.project);
  // Older SDKs put the credentials in Authorization, with the same "Sentry" scheme.
  post.auth = !head.sentry_auth.empty() || !istarts_with(core::trim(head.authorization), "sentry ")
                  ? head.sentry_auth
                  : head.authorization;
  if (const std::size_t q = req.target().find('?'); q != std::string_view::npos) post.query = req.target().substr(q + 1);
  post.content_encoding = head.content_encoding;
  post.body = req.body();
  SentryReply reply = api.ingest_sentry(post);
  if (!reply.unavailable.empty()) {
    return retry_after(sentry_error(http::status::service_unavailable, "storage_unavailable",
                                    not_accepted(reply.unavailable), v, keep),
                       kStorageRetrySeconds);
  }
  if (reply.queue_full) {
    // The SDKs hold back for as long as both headers say (sentry-python's and sentry-javascript's
    // rate-limit parsing): an empty category list covers every kind of item.
    auto res = retry_after(sentry_error(http::status::too_many_requests, "queue_full", kQueueFull, v, keep),
                           kQueueRetrySeconds);
    res.set("X-Sentry-Rate-Limits", std::string(kQueueRetrySeconds) + "::organization:queue_full");
    return res;
  }
  const ingest::SentryRead& r = reply.read;
  if (r.verdict != ingest::SentryVerdict::accepted) {
    return sentry_error(static_cast<http::status>(ingest::http_status(r.verdict)), ingest::to_string(r.verdict),
                        r.detail, v, keep);
  }
  if (durable_ticket) *durable_ticket = reply.durable_ticket;
  return json_response(http::status::ok, {{"id", r.event_id}}, v, keep);
}

Response reload(const Request& req, HttpApi& api) {
  const ReloadReply r = api.reload();
  if (r.problems.empty()) return json_response(http::status::ok, {{"status", "reloaded"}}, req.version(), req.keep_alive());
  auto errors = nlohmann::json::array();
  for (const auto& p : r.problems) {
    errors.push_back({{"field", p.path},
                      {"value", ""},
                      {"reason", p.reason},
                      {"at", p.file + ":" + std::to_string(p.line) + ":" + std::to_string(p.column)}});
  }
  return error_response(http::status::internal_server_error, "reload_failed",
                        "the config file did not load; the running config is unchanged", req.version(),
                        req.keep_alive(), errors);
}

Response silences(const Request& req, HttpApi& api) {
  const unsigned v = req.version();
  const bool keep = req.keep_alive();
  if (req.method() != http::verb::post) return json_response(http::status::ok, api.list_silences(), v, keep);
  const auto body = nlohmann::json::parse(req.body(), nullptr, false);
  if (body.is_discarded()) {
    return error_response(http::status::bad_request, "invalid_json", "the body is not JSON", v, keep);
  }
  const SilenceAddReply r = api.add_silence(body);
  if (!r.errors.empty()) {
    return error_response(http::status::bad_request, "invalid_silence", "the silence is not valid", v, keep,
                          errors_json(r.errors));
  }
  if (!r.failure.empty()) {
    return error_response(http::status::internal_server_error, "not_saved",
                          "the silence could not be saved, so it was not added: " + r.failure, v, keep);
  }
  return json_response(http::status::created, {{"id", r.id}}, v, keep);
}

Response expire_silence(const Request& req, std::string_view id, HttpApi& api) {
  const unsigned v = req.version();
  const bool keep = req.keep_alive();
  using Outcome = SilenceExpireReply::Outcome;
  const SilenceExpireReply r = api.expire_silence(id);
  switch (r.outcome) {
    case Outcome::expired: return json_response(http::status::ok, {{"status", "expired"}, {"id", id}}, v, keep);
    case Outcome::unknown: break;
    case Outcome::read_only:
      return error_response(http::status::conflict, "read_only",
                            "a silence of the config file ends where it is written: edit the file and reload", v,
                            keep);
    case Outcome::failed:
      return error_response(http::status::internal_server_error, "not_saved",
                            "the change could not be saved, so the silence holds on: " + r.failure, v, keep);
  }
  return error_response(http::status::not_found, "unknown_silence", "no silence in force has this id", v, keep);
}

Response method_not_allowed(const Request& req, std::string_view allow) {
  auto res = error_response(http::status::method_not_allowed, "method_not_allowed",
                            "use " + std::string(allow), req.version(), req.keep_alive());
  res.set(http::field::allow, allow);
  return res;
}

/// The answer to a complete request, by path and method.
Response route(const Request& req, HttpApi& api, std::uint64_t* durable_ticket) {
  const std::string_view path = path_of(req.target());
  const bool get = req.method() == http::verb::get || req.method() == http::verb::head;
  const unsigned v = req.version();
  const bool keep = req.keep_alive();
  if (path == kEventsPath) {
    if (req.method() != http::verb::post) return method_not_allowed(req, "POST");
    return ingest(req, Head(req), api, durable_ticket);
  }
  if (path == kReloadPath) {
    if (req.method() != http::verb::post) return method_not_allowed(req, "POST");
    return reload(req, api);
  }
  if (auto sentry = ingest::sentry_route(path)) {
    if (req.method() != http::verb::post) return method_not_allowed(req, "POST");
    return sentry_ingest(req, Head(req), std::move(*sentry), api, durable_ticket);
  }
  if (path == kSilencesPath) {
    if (!get && req.method() != http::verb::post) return method_not_allowed(req, "GET, POST");
    return silences(req, api);
  }
  if (path.starts_with(kSilencePrefix)) {
    if (req.method() != http::verb::delete_) return method_not_allowed(req, "DELETE");
    return expire_silence(req, path.substr(kSilencePrefix.size()), api);
  }
  if (path == "/healthz") {
    if (!get) return method_not_allowed(req, "GET");
    return json_response(http::status::ok, {{"status", "ok"}}, v, keep);
  }
  if (path == "/readyz") {
    if (!get) return method_not_allowed(req, "GET");
    auto reasons = api.not_ready_reasons();
    if (reasons.empty()) {
      nlohmann::json body = {{"status", "ready"}};
      if (auto notes = api.ready_notes(); !notes.empty()) body["notes"] = std::move(notes);
      return json_response(http::status::ok, body, v, keep);
    }
    return json_response(http::status::service_unavailable,
                         {{"status", "not_ready"}, {"reasons", reasons}}, v, keep);
  }
  if (path == "/metrics") {
    if (!get) return method_not_allowed(req, "GET");
    Response res{http::status::ok, v};
    res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    res.keep_alive(keep);
    res.body() = api.metrics_text();
    res.prepare_payload();
    return res;
  }
  if (path == "/v1/status") {
    if (!get) return method_not_allowed(req, "GET");
    return json_response(http::status::ok, api.status(), v, keep);
  }
  return error_response(http::status::not_found, "not_found", "no such endpoint", v, keep);
}

}  // namespace

Response error_response(http::status status, std::string_view code, std::string_view message,
                        unsigned version, bool keep_alive, const nlohmann::json& errors) {
  return json_response(status, {{"code", code}, {"message", message}, {"errors", errors}}, version,
                       keep_alive);
}

std::string to_wire(const Response& res) {
  std::string out;
  out.reserve(160 + res.body().size());
  out += "HTTP/";
  out += std::to_string(res.version() / 10);
  out += '.';
  out += std::to_string(res.version() % 10);
  out += ' ';
  out += std::to_string(res.result_int());
  out += ' ';
  out += res.reason();
  out += "\r\n";
  for (const auto& field : res) {
    out += field.name_string();
    out += ": ";
    out += field.value();
    out += "\r\n";
  }
  out += "\r\n";
  out += res.body();
  return out;
}

std::optional<Response> precheck(const http::request_header<>& req, const HttpOptions& opts) {
  if (auto bad = check_framing(req)) return bad;
  const Head head(req);
  if (auto refused = check_site(req, head, opts)) return refused;
  const std::string_view path = path_of(req.target());
  // Expiring a silence changes what the daemon does: it takes the token, when one is set.
  if (req.method() == http::verb::delete_) {
    if (path.starts_with(kSilencePrefix) && !authorized(head.authorization, opts)) return unauthorized(req.version());
    return std::nullopt;
  }
  if (req.method() != http::verb::post) return std::nullopt;
  if (path == kEventsPath) return check_head(req, head, opts, true);
  if (path == kSilencesPath) return check_head(req, head, opts, false);
  // A Sentry SDK sends its key, not the bearer token, and any content type (@sentry/node none).
  if (ingest::sentry_route(path)) {
    return check_length(head, body_limit(req, opts), "server.http.max_body_bytes, or 20 MiB for Sentry", req.version());
  }
  // A reload changes what the daemon does: it takes the token too, when one is set.
  if (path == kReloadPath && !authorized(head.authorization, opts)) return unauthorized(req.version());
  return std::nullopt;
}

std::size_t body_limit(const http::request_header<>& req, const HttpOptions& opts) {
  if (ingest::sentry_route(path_of(req.target()))) return std::min(opts.max_body_bytes, ingest::kMaxSentryBodyBytes);
  return opts.max_body_bytes;
}

Response handle_request(const Request& req, HttpApi& api, const HttpOptions& opts) {
  if (auto early = precheck(req, opts)) return std::move(*early);
  return answer(req, api);
}

Response answer(const Request& req, HttpApi& api, std::uint64_t* durable_ticket) {
  Response res = route(req, api, durable_ticket);
  // A HEAD answer is the GET answer's header alone: its Content-Length says what GET would
  // send, and no body follows (one would be read as the start of the next answer).
  if (req.method() == http::verb::head) res.body().clear();
  return res;
}

}  // namespace erralert::net
