// Fleet: this sidecar's link to the fleet's Redis (CONTRACT.md section 8): it runs the shared
// scripts, knows whether the fleet is reachable (mode shared) or this sidecar works alone, and
// keeps a heartbeat so the others (and `erralertd cluster status`) see it alive.
//
//   Fleet fleet(ex, cfg.cluster, "web-3", metrics);
//   fleet.start();                                         // heartbeat; probes Redis while alone
//   auto replies = co_await fleet.eval({{&scripts::report, {owner, counts}, {me, lease, n, ttl}}});
//   if (!replies) deliver_alone();                         // Redis down or slower than timeout
//
// Fail open: a round trip that fails or takes longer than `cluster.timeout` turns the mode to
// alone (logged once, counted), and while alone eval() answers nullopt at once without touching
// Redis; the heartbeat keeps probing and turns the mode back to shared when Redis answers.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "erralert/cluster/scripts.hpp"
#include "erralert/config/config.hpp"
#include "erralert/core/metrics.hpp"
#include "erralert/net/redis_client.hpp"

namespace erralert::cluster {

enum class Mode { shared, alone };

/// "shared", "alone".
std::string_view to_string(Mode m);

/// One script to run: EVALSHA with these keys and arguments.
struct ScriptCall {
  const Script* script = nullptr;
  std::vector<std::string> keys;
  std::vector<std::string> args;
};

/// The instance name the fleet knows this sidecar by: cluster.instance, else the host name.
std::string instance_name(const config::Cluster& c, const std::string& host);

class Fleet {
 public:
  Fleet(const boost::asio::any_io_executor& ex, const config::Cluster& cfg, std::string instance,
        core::Metrics& metrics);
  ~Fleet();
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;

  /// Starts the heartbeat (every second), which also probes Redis while alone.
  void start();
  /// Stops the heartbeat and removes this instance's heartbeat key (best effort).
  boost::asio::awaitable<void> stop();

  /// Runs `calls` pipelined in one round trip; a reply per call (a script's own error is an
  /// error reply). nullopt while alone, or when the round trip failed (the mode turns alone).
  boost::asio::awaitable<std::optional<std::vector<net::RedisReply>>> eval(std::vector<ScriptCall> calls);

  Mode mode() const { return mode_; }
  const std::string& instance() const { return instance_; }
  const std::string& prefix() const { return prefix_; }
  /// A key of this fleet's: the prefix, then `parts` joined by ':'.
  std::string key(std::initializer_list<std::string_view> parts) const;

  /// For /v1/status (never the Redis URL or its password).
  nlohmann::json status() const;
  /// For /readyz: why the sidecar works alone; nullopt while shared.
  std::optional<std::string> alone_reason() const;

 private:
  boost::asio::awaitable<void> heartbeat_loop();
  void fail(const std::string& why);
  void joined();

  std::string instance_;
  std::string prefix_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<net::RedisClient> client_;
  core::Metrics& metrics_;
  Mode mode_ = Mode::alone;  // until Redis first answers
  std::string last_error_;
  std::int64_t alone_since_ms_ = 0;
  bool ever_joined_ = false;
  bool stopped_ = false;
  std::uint64_t& errors_;
  std::uint64_t& commands_;
  struct Timer;
  std::unique_ptr<Timer> timer_;
};

}  // namespace erralert::cluster
