// `erralertd cluster status`: a read of the fleet's keys (SCAN, never KEYS) and a report.
#include "erralert/app/cluster_cli.hpp"

#include <algorithm>
#include <map>
#include <ostream>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "erralert/app/daemon.hpp"
#include "erralert/cluster/fleet.hpp"
#include "erralert/config/config.hpp"
#include "erralert/deliver/receiver.hpp"
#include "erralert/net/redis_client.hpp"

namespace erralert::app {

namespace asio = boost::asio;
using json = nlohmann::json;

namespace {

constexpr std::size_t kMaxGroupsShown = 1000000;  // a fleet holds at most max_open_groups each

struct Failure {
  std::string why;
};

/// Runs `commands`; throws Failure when Redis does not answer them all.
asio::awaitable<std::vector<net::RedisReply>> ask(net::RedisClient& redis, std::vector<std::vector<std::string>> commands) {
  net::RedisResult r = co_await redis.run(std::move(commands));
  if (!r.ok()) throw Failure{r.error};
  for (const auto& reply : r.replies) {
    if (reply.is_error()) throw Failure{"Redis refused a command: " + reply.str};
  }
  co_return std::move(r.replies);
}

/// Every key matching `pattern`, by SCAN (bounded by kMaxGroupsShown).
asio::awaitable<std::vector<std::string>> scan(net::RedisClient& redis, const std::string& pattern) {
  std::vector<std::string> keys;
  std::string cursor = "0";
  do {
    // Named before co_await: GCC 12 mis-compiles a braced list inside a co_await expression.
    std::vector<std::vector<std::string>> command{{"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"}};
    auto replies = co_await ask(redis, std::move(command));
    const auto& r = replies.at(0);
    if (r.type != net::RedisReply::Type::array || r.elements.size() != 2) throw Failure{"unexpected SCAN reply"};
    cursor = r.elements[0].str;
    for (const auto& k : r.elements[1].elements) keys.push_back(k.str);
  } while (cursor != "0" && keys.size() < kMaxGroupsShown);
  co_return keys;
}

asio::awaitable<json> snapshot(net::RedisClient& redis, const config::Config& cfg) {
  const std::string& prefix = cfg.cluster.key_prefix;
  json s = {{"key_prefix", prefix}};
  // Sidecars alive: their heartbeat keys.
  json instances = json::array();
  const auto beats = co_await scan(redis, prefix + "instance:*");
  if (!beats.empty()) {
    std::vector<std::vector<std::string>> gets;
    for (const auto& k : beats) gets.push_back({"GET", k});
    const auto values = co_await ask(redis, std::move(gets));
    for (const auto& v : values) {
      json beat = json::parse(v.str, nullptr, false);
      if (beat.is_object()) instances.push_back(std::move(beat));
    }
  }
  // Groups: who owns each, and what waits in it for its owner's next summary.
  const auto owners = co_await scan(redis, prefix + "g:*:owner");
  std::map<std::string, std::uint64_t> owned;
  std::uint64_t waiting = 0;
  if (!owners.empty()) {
    std::vector<std::vector<std::string>> gets;
    for (const auto& k : owners) {
      gets.push_back({"GET", k});
      gets.push_back({"HGET", k.substr(0, k.size() - 5) + "n", "pending"});
    }
    const auto values = co_await ask(redis, std::move(gets));
    for (std::size_t i = 0; i + 1 < values.size(); i += 2) {
      if (!values[i].is_nil()) ++owned[values[i].str];
      if (!values[i + 1].is_nil()) waiting += std::strtoull(values[i + 1].str.c_str(), nullptr, 10);
    }
  }
  s["instances"] = std::move(instances);
  s["groups"] = {{"owned", owned.empty() ? json::object() : json(owned)},
                 {"total", owners.size()},
                 {"events_waiting_for_owner", waiting}};
  // Each webhook's shared pace: sends in its longest window, and a platform's hold.
  json pace = json::array();
  for (const auto& r : cfg.receivers) {
    if (r.url.empty()) continue;
    const std::string id = deliver::pace_id(r);
    const auto longest = std::max_element(r.rate_limit.begin(), r.rate_limit.end(),
                                          [](const auto& a, const auto& b) { return a.per < b.per; });
    std::vector<std::vector<std::string>> commands{{"ZCARD", prefix + "pace:" + id}, {"PTTL", prefix + "hold:" + id}};
    const auto values = co_await ask(redis, std::move(commands));
    json entry = {{"receiver", r.name}, {"sends_in_window", values[0].integer}, {"hold_ms", std::max<std::int64_t>(values[1].integer, 0)}};
    if (longest != r.rate_limit.end()) {
      entry["window"] = {{"count", longest->count}, {"per_ms", longest->per.count()}};
    }
    pace.push_back(std::move(entry));
  }
  s["pace"] = std::move(pace);
  co_return s;
}

void print(const json& s, std::ostream& out) {
  out << fmt::format("keys       {}*\n", s["key_prefix"].get<std::string>());
  out << fmt::format("instances  {} alive\n", s["instances"].size());
  for (const auto& i : s["instances"]) {
    out << fmt::format("  {:<24} mode {:<6} version {}\n", i.value("instance", "?"), i.value("mode", "?"),
                       i.value("version", "?"));
  }
  const auto& g = s["groups"];
  out << fmt::format("groups     {} open, {} events waiting for their owner's next summary\n",
                     g["total"].get<std::uint64_t>(), g["events_waiting_for_owner"].get<std::uint64_t>());
  for (const auto& [owner, n] : g["owned"].items()) out << fmt::format("  {:<24} owns {}\n", owner, n.get<std::uint64_t>());
  out << (s["pace"].empty() ? "pace       no webhook receivers in this config\n" : "pace\n");
  for (const auto& p : s["pace"]) {
    std::string window = "unpaced";
    if (p.contains("window")) {
      window = fmt::format("{} of {} in the last {} ms", p["sends_in_window"].get<std::int64_t>(),
                           p["window"]["count"].get<std::uint32_t>(), p["window"]["per_ms"].get<std::int64_t>());
    }
    const std::int64_t hold = p["hold_ms"].get<std::int64_t>();
    out << fmt::format("  {:<24} {}{}\n", p["receiver"].get<std::string>(), window,
                       hold > 0 ? fmt::format(", held {} ms more by the platform", hold) : "");
  }
}

}  // namespace

int cluster_status(const ClusterOptions& o, std::ostream& out, std::ostream& err) {
  const auto loaded = config::load_config_or_report(o.config, err);
  if (!loaded) return kExitInvalid;
  const config::Config& cfg = *loaded;
  if (!cfg.cluster.enabled()) {
    err << "erralertd: " << o.config << " has no cluster block: each sidecar works alone\n";
    return kExitInvalid;
  }
  asio::io_context io;
  const auto url = std::get<core::RedisUrl>(core::parse_redis_url(cfg.cluster.redis));
  // A person waits here, not an event: a slow Redis gets more than cluster.timeout.
  net::RedisClient redis(io.get_executor(), url, std::max(cfg.cluster.timeout, std::chrono::milliseconds(5000)));
  auto result = asio::co_spawn(io, snapshot(redis, cfg), asio::use_future);
  io.run();
  try {
    const json s = result.get();
    if (o.json) {
      out << s.dump(2) << "\n";
    } else {
      print(s, out);
    }
    return kExitOk;
  } catch (const Failure& f) {
    err << "erralertd: cannot read the fleet's state from Redis: " << f.why << "\n";
    return kExitRuntime;
  }
}

}  // namespace erralert::app
