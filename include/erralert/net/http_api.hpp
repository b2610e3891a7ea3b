// HttpApi: what the HTTP front needs from the daemon, so net/ never reaches into app/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "erralert/config/config.hpp"
#include "erralert/core/parse.hpp"
#include "erralert/core/result.hpp"
#include "erralert/ingest/sentry_post.hpp"

namespace erralert::net {

struct IngestReply {
  core::BodyResult result;
  bool queue_full = false;
  std::string unavailable;  ///< nothing was queued: why (503)
  /// With server.http.durable_ack: the 202 waits for durable(ticket); 0: answer at once.
  std::uint64_t durable_ticket = 0;
};

/// How a POST to /api/{project}/envelope/ or /store/ went.
struct SentryReply {
  ingest::SentryRead read;  ///< read.event_id is never empty for an accepted post
  bool queue_full = false;  ///< nothing was queued: 429 with Retry-After and X-Sentry-Rate-Limits
  std::string unavailable;  ///< nothing was queued: why (503)
  std::uint64_t durable_ticket = 0;  ///< as IngestReply's
};

/// How a reload went: no problems when the file loaded and runs now; else why it did not load
/// (keys and variables are named, never a URL or token) and the running config is unchanged.
struct ReloadReply {
  std::vector<config::Problem> problems;
};

/// How a POST /v1/silences went: the new silence's id, or why there is none.
struct SilenceAddReply {
  std::string id;
  core::Errors errors;  ///< the request is invalid (400)
  std::string failure;  ///< valid, but it could not be kept (500); the silence was not added
};

/// How a DELETE /v1/silences/{id} went.
struct SilenceExpireReply {
  enum class Outcome { expired, unknown, read_only, failed } outcome = Outcome::unknown;
  std::string failure;  ///< for `failed`: why it could not be kept (500); the silence holds on
};

class HttpApi {
 public:
  virtual ~HttpApi() = default;
  /// Parses and queues a POST /v1/events body.
  virtual IngestReply ingest(std::string_view body, core::BodyFormat format,
                             std::string_view service_hint) = 0;
  /// Reads and queues what a Sentry SDK posted.
  virtual SentryReply ingest_sentry(const ingest::SentryPost& post) = 0;
  /// Resolves true once the events of an ingest that gave `ticket` are committed; false when
  /// they are not within the body timeout (the answer is then 503).
  virtual boost::asio::awaitable<bool> durable(std::uint64_t ticket) = 0;
  /// The Prometheus text of GET /metrics.
  virtual std::string metrics_text() = 0;
  /// The JSON of GET /v1/status; never holds a receiver URL.
  virtual nlohmann::json status() = 0;
  /// Why the daemon is not ready (empty: ready), for GET /readyz.
  virtual std::vector<std::string> not_ready_reasons() = 0;
  /// What a ready daemon still wants known (it works alone, outside its fleet), for GET /readyz.
  virtual std::vector<std::string> ready_notes() { return {}; }
  /// Loads the config file again, as SIGHUP does (POST /-/reload).
  virtual ReloadReply reload() = 0;
  /// The silences in force, for GET /v1/silences: {"silences": [...]}.
  virtual nlohmann::json list_silences() = 0;
  /// Adds the silence a POST /v1/silences body (parsed JSON, any shape) asks for.
  virtual SilenceAddReply add_silence(const nlohmann::json& body) = 0;
  /// Ends the API silence `id` (DELETE /v1/silences/{id}).
  virtual SilenceExpireReply expire_silence(std::string_view id) = 0;
};

}  // namespace erralert::net
