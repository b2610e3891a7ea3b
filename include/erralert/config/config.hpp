// The daemon's configuration: one immutable value loaded from YAML (CONTRACT.md section 4).
//
//   erralert::config::Config cfg = erralert::config::load_config("/etc/erralert/erralert.yaml");
//   for (const auto& r : cfg.receivers) use(r.name, r.type);
//
// Only daemon/config/ touches yaml-cpp; everything else sees these plain structs.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace erralert::config {

using Duration = std::chrono::milliseconds;

struct HttpServer {
  std::string listen = "127.0.0.1:9780";  ///< "host:port"; port 0 picks a free port
  std::string host = "127.0.0.1";         ///< split from listen
  std::uint16_t port = 9780;              ///< split from listen
  std::size_t max_body_bytes = 1048576;
  std::string token;  ///< empty: no bearer token required
  bool enabled = true;
  bool durable_ack = false;  ///< answer 202 only once the events' counts are committed
  Duration header_timeout{std::chrono::seconds(10)};  ///< deadline to receive request headers
  Duration body_timeout{std::chrono::seconds(30)};    ///< deadline to receive the body
  Duration idle_timeout{std::chrono::seconds(60)};    ///< keep-alive connection with no request
  /// Origins whose web pages may call the API ("https://ops.example.com"); empty: none may, and
  /// a request carrying an Origin header is refused (403).
  std::vector<std::string> allowed_origins;
  /// Names a request's Host may give beyond IP addresses and localhost (DNS rebinding).
  std::vector<std::string> allowed_hosts;
};

struct UnixServer {
  std::string path = "/run/erralert/ingest.sock";  ///< empty: no stream socket
  std::string dgram_path;                          ///< empty: no datagram socket
  unsigned mode = 0660;
  Duration idle_timeout{std::chrono::seconds(60)};  ///< a stream connection that sends nothing is closed
};

struct Server {
  HttpServer http;
  UnixServer unix;
  std::size_t queue_capacity = 10000;  ///< pipeline queue; full means 503 / dropped datagram
  /// Open connections per listener (HTTP, Unix stream); past it the longest-idle connection is
  /// closed to make room, or, when none is idle, the new one is refused.
  std::size_t max_connections = 1024;
  Duration shutdown_timeout{std::chrono::seconds(10)};
};

struct Storage {
  std::string dir = "/var/lib/erralert";
  Duration commit_interval{std::chrono::milliseconds(200)};  ///< group commit; what a kill -9 can lose
  std::size_t max_bytes = 256u << 20;  ///< past it, waiting notifications fold into digests
};

struct Limits {
  std::size_t max_event_bytes = 65536;
  std::size_t max_open_groups = 100000;       ///< past it, new errors fold into an overflow group
  std::size_t max_group_bytes = 64u << 20;    ///< bytes of latest events the groups may hold
};

struct Dedup {
  Duration window{std::chrono::minutes(5)};
  std::uint32_t min_count = 1;
  bool resolved = false;  ///< send a `resolved` notification when a notified group goes quiet
  bool operator==(const Dedup&) const = default;
};

struct RateWindow {
  std::uint32_t count = 0;
  Duration per{0};
  bool operator==(const RateWindow&) const = default;
};

/// One `key: value` of a match block, kept as written (validated by core/match at load).
struct MatchTerm {
  std::string key;    ///< dotted event field path, e.g. "request.path"
  std::string value;  ///< glob, status class or severity comparison
};

struct Receiver {
  std::string name;
  std::string type;  ///< discord | slack | webhook | console
  std::string url;   ///< a secret: never log it
  std::string ca_file;
  std::vector<RateWindow> rate_limit;  ///< the type's safe default when not configured
  Duration max_delay{std::chrono::seconds(30)};
  Duration timeout{std::chrono::seconds(10)};  ///< per delivery attempt
  /// `retry: {initial, max, give_up_after}`: backoff after 5xx, timeouts and network errors.
  Duration retry_initial{std::chrono::seconds(1)};
  Duration retry_max{std::chrono::minutes(5)};
  Duration retry_for{std::chrono::hours(24)};
  bool operator==(const Receiver&) const = default;
};

struct Route {
  std::string name;
  std::vector<MatchTerm> match;  ///< empty: matches everything
  std::vector<std::string> receivers;
  std::vector<std::string> group_by;  ///< defaults.group_by when not set in the route
  Dedup dedup;                        ///< defaults.dedup when not set in the route
  bool continue_matching = false;     ///< YAML key `continue`
};

struct Redact {
  std::vector<std::string> keys;      ///< added to the built-in list
  std::vector<std::string> patterns;  ///< RE2 regexes, validated at load
};

struct Silence {
  std::vector<MatchTerm> match;
  std::optional<std::int64_t> until_ms;  ///< epoch ms; nullopt: until removed
  std::string comment;
};

struct Defaults {
  std::string service;  ///< used when an event names none; empty: service is required
  std::string environment;
  std::vector<std::string> group_by = {"service",        "environment",   "code", "status",
                                       "request.method", "request.route", "exception.type"};
  Dedup dedup;
};

/// One Sentry project an unmodified Sentry SDK may send to (`ingest.sentry.projects[]`): its
/// DSN is http://<key>@127.0.0.1:9780/<id>.
struct SentryProject {
  std::uint64_t id = 0;
  std::string key;      ///< the DSN's public key; a secret: never logged, never in an answer
  std::string service;  ///< the events' service; empty: a `service` tag, else defaults.service
  bool operator==(const SentryProject&) const = default;
};

/// `ingest:`: protocols other than erralert's own that apps may send in.
struct Ingest {
  /// `sentry.projects`; empty: /api/{project}/envelope/ and /store/ answer 404.
  std::vector<SentryProject> sentry_projects;
};

/// `cluster:`: fleet mode, where the sidecars of many hosts share grouping and pacing through
/// Redis (CONTRACT.md section 8). Without `redis` each sidecar works alone.
struct Cluster {
  std::string redis;  ///< redis://[user:password@]host[:port][/db]; a secret (it may hold a password)
  std::string key_prefix = "erralert:";
  Duration timeout{std::chrono::milliseconds(50)};  ///< per Redis round trip; past it, work alone
  std::string instance;  ///< this sidecar's name in the fleet; empty: the host name
  bool enabled() const { return !redis.empty(); }
  bool operator==(const Cluster&) const = default;
};

struct Config {
  std::string source;  ///< the file it was loaded from
  Server server;
  Storage storage;
  Limits limits;
  Defaults defaults;
  std::vector<Receiver> receivers;
  std::vector<Route> routes;  ///< when none are configured: one route to every receiver
  Redact redact;
  std::vector<Silence> silences;
  Ingest ingest;
  Cluster cluster;
};

/// One thing wrong with a config file, located as precisely as the YAML allows.
struct Problem {
  std::string file;
  int line = 0;    ///< 1-based; 0 when unknown
  int column = 0;  ///< 1-based; 0 when unknown
  std::string path;  ///< dotted key path, e.g. "receivers[0].url"
  std::string reason;
  /// "FILE:LINE:COL: path: reason"
  std::string to_string() const;
};

/// Thrown by load_config with every problem found, not only the first.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<Problem> problems);
  const std::vector<Problem>& problems() const { return problems_; }

 private:
  std::vector<Problem> problems_;
};

/// Reads, expands (${VAR}, url_file) and validates a config file. Throws ConfigError.
/// Every scalar may use ${VAR} (an unset VAR is an error), ${VAR:-fallback} (also used when VAR
/// is empty) and $$ for a literal "$"; a "$" before anything else stays as written.
/// Problems name keys and variables, never a URL or token.
Config load_config(const std::string& path);

/// load_config() for a command: the problems, one "FILE:LINE:COL: path: reason" a line, go to
/// `err` instead of an exception; nullopt then.
std::optional<Config> load_config_or_report(const std::string& path, std::ostream& err);

/// Same, from text already in memory; `file` names it in problems. `env` looks up ${VAR}.
Config parse_config(std::string_view text, const std::string& file,
                    const std::function<std::optional<std::string>(const std::string&)>& env);

}  // namespace erralert::config
