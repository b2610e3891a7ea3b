// libFuzzer target for the HTTP front: any bytes, read as the session reads a request (header
// first, precheck, then the body), get an answer that Beast reads back whole, with a status
// the contract names, a JSON body where it says JSON, and no trace of the token. Without the
// right token nothing reaches the daemon; with it, an ingest gets the body as sent and the
// X-Erralert-Service hint, and only POST /v1/events ingests, only POST /-/reload reloads, only
// POST /v1/silences and DELETE /v1/silences/{id} change silences. A Sentry endpoint takes its
// own key instead of the token, never answers with it, and accepts nothing without it.
//
// The first byte chooses the server's options (token or none, body limit, queue full); the rest
// is the request as it comes off the socket.
//
//   ./fuzz_http corpus/http -runs=20000
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/http/parser.hpp>

#include "erralert/core/parse.hpp"
#include "erralert/net/http_router.hpp"

namespace {

using namespace erralert;
namespace http = boost::beast::http;

constexpr std::string_view kToken = "fuzz-token-3f9c";
constexpr std::string_view kSentryKey = "fuzz-sentry-key-7d1e";

void check(bool ok) {
  if (!ok) __builtin_trap();
}

class RecordingApi : public net::HttpApi {
 public:
  net::IngestReply ingest(std::string_view body, core::BodyFormat format, std::string_view hint) override {
    ++ingests;
    body_seen = std::string(body);
    hint_seen = std::string(hint);
    core::ParseContext ctx;
    ctx.transport_service = hint_seen;
    return {core::parse_body(body, format, ctx), queue_full};
  }
  net::SentryReply ingest_sentry(const ingest::SentryPost& post) override {
    ++sentry_posts;
    core::ParseContext ctx;
    ctx.default_service = "fuzz";
    net::SentryReply r{ingest::read_sentry_post(post, {{1, std::string(kSentryKey), "fuzz-api"}}, ctx), queue_full};
    if (r.read.event_id.empty()) r.read.event_id = "00000000000000000000000000000000";
    return r;
  }
  boost::asio::awaitable<bool> durable(std::uint64_t) override { co_return true; }
  std::string metrics_text() override { return "erralert_events_received_total{transport=\"http\"} 1\n"; }
  nlohmann::json status() override { return {{"receivers", nlohmann::json::array()}}; }
  std::vector<std::string> not_ready_reasons() override {
    if (!not_ready) return {};
    return {"receiver ops is disabled"};
  }
  net::ReloadReply reload() override {
    ++reloads;
    if (!reload_fails) return {};
    config::Problem p;
    p.file = "erralert.yaml";
    p.path = "receivers.ops.url";
    p.reason = "${DISCORD_WEBHOOK_URL} is not set";
    return {{p}};
  }
  nlohmann::json list_silences() override { return {{"silences", nlohmann::json::array()}}; }
  net::SilenceAddReply add_silence(const nlohmann::json&) override {
    ++silence_changes;
    return {"0123456789abcdef", {}, ""};
  }
  net::SilenceExpireReply expire_silence(std::string_view) override {
    ++silence_changes;
    return {net::SilenceExpireReply::Outcome::unknown, ""};
  }

  bool queue_full = false, not_ready = false, reload_fails = false;
  int ingests = 0, reloads = 0, silence_changes = 0, sentry_posts = 0;
  std::string body_seen, hint_seen;
};

/// Feeds `text` to `parser` as the session does with what it has buffered: up to the end of
/// the header, or through the body once the parser is eager. What is left stays in `text`.
bool feed(http::request_parser<http::string_body>& parser, std::string_view& text) {
  while (!text.empty() && !parser.is_done() && (parser.eager() || !parser.is_header_done())) {
    boost::system::error_code ec;
    const std::size_t used = parser.put(boost::asio::buffer(text.data(), text.size()), ec);
    text.remove_prefix(used);
    if (ec == http::error::need_more) break;
    if (ec) return false;
    if (used == 0) break;
  }
  return true;
}

/// The answer as a client reads it: it must parse whole, with the same status and body. The
/// answer to a HEAD has no body, whatever its Content-Length says.
void check_wire(const net::Response& res, bool head) {
  const std::string wire = net::to_wire(res);
  http::response_parser<http::string_body> back;
  back.eager(true);
  back.skip(head);
  back.body_limit(wire.size());
  boost::system::error_code ec;
  const std::size_t used = back.put(boost::asio::buffer(wire), ec);
  check(!ec && back.is_done() && used == wire.size());
  check(back.get().result() == res.result() && back.get().body() == res.body());
}

bool contract_status(http::status s) {
  constexpr std::array allowed = {
      http::status::ok,           http::status::created,           http::status::accepted,
      http::status::bad_request,  http::status::forbidden,
      http::status::unauthorized, http::status::not_found,         http::status::method_not_allowed,
      http::status::payload_too_large, http::status::unsupported_media_type,
      http::status::too_many_requests,  // Sentry endpoints, under back-pressure
      http::status::internal_server_error, http::status::service_unavailable};
  for (const auto a : allowed) {
    if (a == s) return true;
  }
  return false;
}

/// The first field of that name, as a lookup by name finds it ("" when absent).
std::string_view first_field(const http::request_header<>& req, std::string_view name) {
  const auto it = req.find(name);
  if (it == req.end()) return {};
  return it->value();
}

bool bearer_matches(std::string_view auth) {
  constexpr std::string_view scheme = "bearer ";
  if (auth.size() != scheme.size() + kToken.size()) return false;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    const char c = auth[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c) != scheme[i]) return false;
  }
  return auth.substr(scheme.size()) == kToken;
}

void check_answer(const net::Response& res, std::string_view input, bool head) {
  check(contract_status(res.result()));
  if (head) check(res.body().empty());
  check_wire(res, head);
  const auto type = res.find(http::field::content_type);
  check(type != res.end());
  if (!head && type->value() == "application/json") {
    check(nlohmann::json::accept(res.body()));
  }
  // The token is a secret: an answer holds it only if the request itself did.
  if (input.find(kToken) == std::string_view::npos) check(net::to_wire(res).find(kToken) == std::string::npos);
  if (input.find(kSentryKey) == std::string_view::npos) check(net::to_wire(res).find(kSentryKey) == std::string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t options = data[0];
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

  net::HttpOptions opts;
  if (options & 1) opts.token = std::string(kToken);
  opts.max_body_bytes = (options & 2) ? 64 : 4096;
  RecordingApi api;
  api.queue_full = options & 4;
  api.not_ready = options & 8;
  api.reload_fails = options & 16;

  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(opts.max_body_bytes);
  std::string_view rest = input;
  if (!feed(parser, rest) || !parser.is_header_done()) return 0;

  const auto& head = parser.get();
  const bool authorized = opts.token.empty() || bearer_matches(first_field(head, "Authorization"));
  const std::string_view path = head.target().substr(0, head.target().find('?'));
  const bool post = head.method() == http::verb::post;
  const bool changes_silences = (post && path == "/v1/silences") ||
                                (head.method() == http::verb::delete_ && path.starts_with("/v1/silences/"));
  const bool mutates = (post && (path == "/v1/events" || path == "/-/reload")) || changes_silences;
  // Sentry SDKs authenticate by their key, not the bearer token.
  const bool sentry = post && ingest::sentry_route(path).has_value();

  if (auto early = net::precheck(head, opts)) {
    check_answer(*early, input, false);
    // Any request may be stopped early for its framing (400) or for a foreign Origin or Host
    // (403); otherwise only requests that would change the daemon are. Each closes.
    const auto status = early->result();
    check(mutates || status == http::status::bad_request || status == http::status::forbidden ||
          (sentry && status == http::status::payload_too_large));
    check(!early->keep_alive());
    if (!authorized && !sentry && status != http::status::bad_request && status != http::status::forbidden) {
      check(status == http::status::unauthorized);
    }
    return 0;
  }
  // Let through without the token: only what does not reach the daemon.
  if (!authorized) check(!mutates);

  parser.eager(true);
  if (!feed(parser, rest) || !parser.is_done()) return 0;
  const net::Request& req = parser.get();
  const net::Response res = net::answer(req, api);
  check_answer(res, input, req.method() == http::verb::head);
  check(res.keep_alive() == req.keep_alive());

  const bool ingests = post && path == "/v1/events";
  check(api.ingests == (ingests && !req.body().empty() ? 1 : 0));
  check(api.reloads == (post && path == "/-/reload" ? 1 : 0));
  check(api.silence_changes <= (changes_silences ? 1 : 0));
  if (!authorized) check(api.ingests == 0 && api.reloads == 0 && api.silence_changes == 0);
  if (api.ingests == 1) {
    check(api.body_seen == req.body());
    const std::string_view service = first_field(req, "X-Erralert-Service");
    if (!service.empty()) check(api.hint_seen == service);
  }
  if (api.reloads == 1) check(res.result() == (api.reload_fails ? http::status::internal_server_error : http::status::ok));
  check(api.sentry_posts == (sentry ? 1 : 0));
  // An uncompressed Sentry post is taken only with the key in it (header, query or DSN; escapes
  // could spell it otherwise).
  const bool plain = first_field(req, "Content-Encoding").empty() && input.find_first_of("%\\") == std::string_view::npos;
  if (sentry && res.result() == http::status::ok && plain) {
    check(input.find(kSentryKey) != std::string_view::npos);
  }
  return 0;
}
