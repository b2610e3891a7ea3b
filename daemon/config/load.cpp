// Loading the config file: YAML in, a validated Config out, or ConfigError with every problem.
#include <algorithm>
#include <array>
#include <cstdlib>
#include <ostream>

#include <re2/re2.h>
#include <yaml-cpp/depthguard.h>

#include "erralert/config/config.hpp"
#include "erralert/core/url.hpp"
#include "sections.hpp"
#include "values.hpp"

namespace erralert::config {
namespace {

constexpr std::size_t kMaxConfigBytes = 16 * 1024 * 1024;
constexpr std::array<std::string_view, 10> kRootKeys{"server", "storage",  "limits", "defaults", "receivers",
                                                     "routes", "redact",   "silences", "ingest", "cluster"};
constexpr std::array<std::string_view, 5> kServerKeys{"http", "unix", "queue_capacity", "shutdown_timeout",
                                                      "max_connections"};
constexpr std::array<std::string_view, 10> kHttpKeys{"listen",         "max_body_bytes",  "token",
                                                     "enabled",        "header_timeout",  "body_timeout",
                                                     "idle_timeout",   "allowed_origins", "allowed_hosts",
                                                     "durable_ack"};
constexpr std::array<std::string_view, 4> kUnixKeys{"path", "dgram_path", "mode", "idle_timeout"};
constexpr std::array<std::string_view, 3> kStorageKeys{"dir", "commit_interval", "max_bytes"};
constexpr std::array<std::string_view, 3> kLimitsKeys{"max_event_bytes", "max_open_groups", "max_group_bytes"};
constexpr std::array<std::string_view, 4> kDefaultsKeys{"service", "environment", "group_by", "dedup"};
constexpr std::array<std::string_view, 2> kRedactKeys{"keys", "patterns"};

std::optional<HostPort> read_listen(Reader& r, const YAML::Node& node, const std::string& path) {
  const auto text = r.text(node, path);
  const auto hp = text ? parse_listen(*text) : std::nullopt;
  if (text && !hp) r.report(node, path, "expected host:port with a port of 0..65535, e.g. 127.0.0.1:9780 or [::1]:9780");
  return hp;
}

// A bearer token goes into an HTTP header, so it must be printable without spaces.
std::optional<std::string> read_token(Reader& r, const YAML::Node& node, const std::string& path) {
  auto token = r.text(node, path);
  const auto bad = [](unsigned char c) { return c <= 0x20 || c == 0x7f; };
  if (token && std::any_of(token->begin(), token->end(), bad)) {
    r.report(node, path, "must not contain spaces or control characters");
    return std::nullopt;
  }
  return token;
}

std::optional<unsigned> read_mode(Reader& r, const YAML::Node& node, const std::string& path) {
  const auto text = r.text(node, path);
  const auto mode = text ? parse_mode(*text) : std::nullopt;
  if (text && !mode) r.report(node, path, "expected an octal file mode like \"0660\"");
  return mode;
}

std::optional<std::string> read_nonempty(Reader& r, const YAML::Node& node, const std::string& path) {
  auto text = r.text(node, path);
  if (text && text->empty()) r.report(node, path, "must not be empty");
  return text && !text->empty() ? text : std::nullopt;
}

// Each entry as a browser sends it in Origin: scheme://host[:port], nothing after.
std::optional<std::vector<std::string>> read_origins(Reader& r, const YAML::Node& node, const std::string& path) {
  auto origins = r.strings(node, path);
  if (!origins) return std::nullopt;
  for (const auto& o : *origins) {
    const auto parsed = core::parse_http_url(o);
    const auto* u = std::get_if<core::HttpUrl>(&parsed);
    if (!u || u->target != "/" || o.ends_with('/')) {
      r.report(node, path, "expected origins like https://ops.example.com or http://127.0.0.1:3000 (scheme, host, "
                           "optional port, no path)");
      return std::nullopt;
    }
  }
  return origins;
}

void read_http(Reader& r, const YAML::Node& node, const std::string& path, HttpServer& http) {
  const auto f = r.map(node, path, kHttpKeys);
  if (!f) return;
  if (const Field* listen = f->find("listen")) {
    if (auto hp = read_listen(r, listen->value, f->path_of("listen"))) {
      const bool v6 = hp->host.find(':') != std::string::npos;
      http.listen = (v6 ? "[" + hp->host + "]" : hp->host) + ":" + std::to_string(hp->port);
      http.host = hp->host;
      http.port = hp->port;
    }
  }
  r.set(*f, "max_body_bytes", http.max_body_bytes, &Reader::size);
  r.set(*f, "token", http.token, read_token);
  r.set(*f, "enabled", http.enabled, &Reader::boolean);
  r.set(*f, "durable_ack", http.durable_ack, &Reader::boolean);
  r.set(*f, "header_timeout", http.header_timeout, &Reader::duration);
  r.set(*f, "body_timeout", http.body_timeout, &Reader::duration);
  r.set(*f, "idle_timeout", http.idle_timeout, &Reader::duration);
  r.set(*f, "allowed_origins", http.allowed_origins, read_origins);
  r.set(*f, "allowed_hosts", http.allowed_hosts, &Reader::strings);
}

void read_unix(Reader& r, const YAML::Node& node, const std::string& path, UnixServer& unix_server) {
  const auto f = r.map(node, path, kUnixKeys);
  if (!f) return;
  r.set(*f, "path", unix_server.path, &Reader::text);
  r.set(*f, "dgram_path", unix_server.dgram_path, &Reader::text);
  r.set(*f, "mode", unix_server.mode, read_mode);
  r.set(*f, "idle_timeout", unix_server.idle_timeout, &Reader::duration);
}

void read_server(Reader& r, const YAML::Node& node, const std::string& path, Server& server) {
  const auto f = r.map(node, path, kServerKeys);
  if (!f) return;
  read_http(r, f->value("http"), f->path_of("http"), server.http);
  read_unix(r, f->value("unix"), f->path_of("unix"), server.unix);
  r.set(*f, "queue_capacity", server.queue_capacity, &Reader::count);
  r.set(*f, "shutdown_timeout", server.shutdown_timeout, &Reader::duration_or_zero);
  r.set(*f, "max_connections", server.max_connections, &Reader::count);
}

void read_defaults(Reader& r, const YAML::Node& node, const std::string& path, Defaults& defaults) {
  const auto f = r.map(node, path, kDefaultsKeys);
  if (!f) return;
  r.set(*f, "service", defaults.service, &Reader::text);
  r.set(*f, "environment", defaults.environment, &Reader::text);
  r.set(*f, "group_by", defaults.group_by, read_group_by);
  defaults.dedup = read_dedup(r, f->value("dedup"), f->path_of("dedup"), defaults.dedup);
}

// Each pattern must compile with RE2, the engine redaction runs it with.
std::vector<std::string> read_patterns(Reader& r, const YAML::Node& node, const std::string& path) {
  std::vector<std::string> patterns;
  const auto items = r.list(node, path);
  if (!items) return patterns;
  RE2::Options options;
  options.set_log_errors(false);
  for (std::size_t i = 0; i < items->size(); ++i) {
    const auto pattern = r.text((*items)[i], index_path(path, i));
    if (!pattern) continue;
    const RE2 re(*pattern, options);
    if (re.ok()) {
      patterns.push_back(*pattern);
    } else {
      r.report((*items)[i], index_path(path, i), "invalid regex: " + re.error());
    }
  }
  return patterns;
}

void read_redact(Reader& r, const YAML::Node& node, const std::string& path, Redact& redact) {
  const auto f = r.map(node, path, kRedactKeys);
  if (!f) return;
  r.set(*f, "keys", redact.keys, &Reader::strings);
  redact.patterns = read_patterns(r, f->value("patterns"), f->path_of("patterns"));
}

// With no routes configured, every event goes to every receiver.
Route default_route(const Config& cfg) {
  Route route;
  route.name = "default";
  for (const Receiver& rcv : cfg.receivers) route.receivers.push_back(rcv.name);
  route.group_by = cfg.defaults.group_by;
  route.dedup = cfg.defaults.dedup;
  return route;
}

bool empty_or_absent(const YAML::Node& node) {
  return node.IsNull() || (node.IsSequence() && node.size() == 0);
}

void read_config(Reader& r, const YAML::Node& root, Config& cfg) {
  if (!root.IsNull() && !root.IsMap()) {
    r.report(root, "", "expected a map of sections (server, receivers, routes, ...), got " +
                           std::string(describe(root)));
    return;
  }
  const auto f = r.map(root, "", kRootKeys);
  read_server(r, f->value("server"), "server", cfg.server);
  if (const auto storage = r.map(f->value("storage"), "storage", kStorageKeys)) {
    r.set(*storage, "dir", cfg.storage.dir, read_nonempty);
    r.set(*storage, "commit_interval", cfg.storage.commit_interval, &Reader::duration);
    r.set(*storage, "max_bytes", cfg.storage.max_bytes, &Reader::size);
  }
  if (const auto limits = r.map(f->value("limits"), "limits", kLimitsKeys)) {
    r.set(*limits, "max_event_bytes", cfg.limits.max_event_bytes, &Reader::size);
    r.set(*limits, "max_open_groups", cfg.limits.max_open_groups, &Reader::count);
    r.set(*limits, "max_group_bytes", cfg.limits.max_group_bytes, &Reader::size);
  }
  read_defaults(r, f->value("defaults"), "defaults", cfg.defaults);
  cfg.receivers = read_receivers(r, f->value("receivers"), "receivers");
  if (empty_or_absent(f->value("receivers")))
    r.report(f->find("receivers") ? f->value("receivers") : root, "receivers", "at least one receiver is required");
  cfg.routes = read_routes(r, f->value("routes"), "routes", cfg.defaults, cfg.receivers);
  if (cfg.routes.empty()) cfg.routes.push_back(default_route(cfg));
  read_redact(r, f->value("redact"), "redact", cfg.redact);
  cfg.silences = read_silences(r, f->value("silences"), "silences");
  cfg.ingest = read_ingest(r, f->value("ingest"), "ingest");
  cfg.cluster = read_cluster(r, f->value("cluster"), "cluster");
}

std::optional<std::string> getenv_lookup(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  return value ? std::optional<std::string>(value) : std::nullopt;
}

}  // namespace

Config parse_config(std::string_view text, const std::string& file,
                    const std::function<std::optional<std::string>(const std::string&)>& env) {
  Reader r(file, env);
  Config cfg;
  cfg.source = file;
  try {
    read_config(r, YAML::Load(std::string(text)), cfg);
  } catch (const YAML::DeepRecursion& e) {
    r.report(e.mark, "", "invalid YAML: nested too deeply");
  } catch (const YAML::ParserException& e) {
    r.report(e.mark, "", "invalid YAML: " + e.msg);
  } catch (const YAML::Exception& e) {
    r.report(e.mark, "", "cannot read YAML: " + e.msg);
  }
  if (!r.ok()) throw ConfigError(r.take_problems());
  return cfg;
}

std::optional<Config> load_config_or_report(const std::string& path, std::ostream& err) {
  try {
    return load_config(path);
  } catch (const ConfigError& e) {
    for (const auto& p : e.problems()) err << p.to_string() << "\n";
    return std::nullopt;
  }
}

Config load_config(const std::string& path) {
  std::string error;
  const std::optional<std::string> text = read_text_file(path, kMaxConfigBytes, error);
  if (!text) throw ConfigError({Problem{path, 0, 0, "", error}});
  return parse_config(*text, path, getenv_lookup);
}

}  // namespace erralert::config
