// Fleet: script calls pipelined over one Redis connection, the shared/alone mode, the heartbeat.
#include "erralert/cluster/fleet.hpp"

#include <chrono>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "erralert/core/timefmt.hpp"

#ifndef ERRALERT_VERSION
#define ERRALERT_VERSION "dev"
#endif

namespace erralert::cluster {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

constexpr milliseconds kHeartbeatEvery{1000};
constexpr milliseconds kHeartbeatLife{5000};  // an instance is "seen" while its key lives

std::int64_t wall_ms() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

core::RedisUrl redis_url(const config::Cluster& c) {
  auto parsed = core::parse_redis_url(c.redis);  // validated at load: this cannot fail there
  if (auto* u = std::get_if<core::RedisUrl>(&parsed)) return std::move(*u);
  throw std::invalid_argument("cluster.redis " + std::get<std::string>(parsed));
}

std::vector<std::string> command_of(const ScriptCall& c, bool by_sha) {
  std::vector<std::string> cmd;
  cmd.reserve(3 + c.keys.size() + c.args.size());
  cmd.emplace_back(by_sha ? "EVALSHA" : "EVAL");
  cmd.emplace_back(by_sha ? c.script->sha1() : std::string(c.script->source));
  cmd.push_back(std::to_string(c.keys.size()));
  cmd.insert(cmd.end(), c.keys.begin(), c.keys.end());
  cmd.insert(cmd.end(), c.args.begin(), c.args.end());
  return cmd;
}

bool is_noscript(const net::RedisReply& r) {
  return r.type == net::RedisReply::Type::error && r.str.starts_with("NOSCRIPT");
}

}  // namespace

struct Fleet::Timer {
  explicit Timer(const asio::any_io_executor& ex) : timer(ex) {}
  asio::steady_timer timer;
};

std::string_view to_string(Mode m) { return m == Mode::shared ? "shared" : "alone"; }

std::string instance_name(const config::Cluster& c, const std::string& host) {
  return c.instance.empty() ? host : c.instance;
}

Fleet::Fleet(const asio::any_io_executor& ex, const config::Cluster& cfg, std::string instance,
             core::Metrics& metrics)
    : instance_(std::move(instance)),
      prefix_(cfg.key_prefix),
      timeout_(cfg.timeout),
      client_(std::make_unique<net::RedisClient>(ex, redis_url(cfg), cfg.timeout)),
      metrics_(metrics),
      errors_(metrics.counter("cluster_errors_total")),
      commands_(metrics.counter("cluster_commands_total")),
      timer_(std::make_unique<Timer>(ex)) {
  alone_since_ms_ = wall_ms();
  last_error_ = "not connected yet";
  for (const Mode m : {Mode::shared, Mode::alone}) {
    metrics.gauge("cluster_mode", {{"mode", std::string(to_string(m))}}, [this, m] { return mode_ == m ? 1.0 : 0.0; });
  }
}

Fleet::~Fleet() = default;

std::string Fleet::key(std::initializer_list<std::string_view> parts) const {
  std::string k = prefix_;
  bool first = true;
  for (std::string_view p : parts) {
    if (!first) k += ':';
    k += p;
    first = false;
  }
  return k;
}

void Fleet::fail(const std::string& why) {
  ++errors_;
  last_error_ = why;
  if (mode_ == Mode::alone) return;
  mode_ = Mode::alone;
  alone_since_ms_ = wall_ms();
  ++metrics_.counter("cluster_mode_changes_total", {{"to", "alone"}});
  spdlog::warn("fleet: Redis {} ({}); working alone: grouping and pacing are this host's own until it answers again",
               ever_joined_ ? "stopped answering" : "cannot be reached", why);
}

void Fleet::joined() {
  if (mode_ == Mode::shared) return;
  mode_ = Mode::shared;
  ++metrics_.counter("cluster_mode_changes_total", {{"to", "shared"}});
  spdlog::info("fleet: {} Redis as instance {}: grouping and pacing are shared with the fleet",
               ever_joined_ ? "rejoined" : "joined", instance_);
  ever_joined_ = true;
}

asio::awaitable<std::optional<std::vector<net::RedisReply>>> Fleet::eval(std::vector<ScriptCall> calls) {
  if (mode_ == Mode::alone || stopped_) co_return std::nullopt;
  if (calls.empty()) co_return std::vector<net::RedisReply>{};
  std::vector<std::vector<std::string>> commands;
  commands.reserve(calls.size());
  for (const auto& c : calls) commands.push_back(command_of(c, true));
  commands_ += commands.size();
  net::RedisResult r = co_await client_->run(std::move(commands));
  if (!r.ok()) {
    fail(r.error);
    co_return std::nullopt;
  }
  // After a Redis restart its script cache is empty: send those once more in full.
  std::vector<std::size_t> again;
  for (std::size_t i = 0; i < r.replies.size(); ++i) {
    if (is_noscript(r.replies[i])) again.push_back(i);
  }
  if (!again.empty()) {
    std::vector<std::vector<std::string>> full;
    for (std::size_t i : again) full.push_back(command_of(calls[i], false));
    commands_ += full.size();
    net::RedisResult second = co_await client_->run(std::move(full));
    if (!second.ok()) {
      fail(second.error);
      co_return std::nullopt;
    }
    for (std::size_t k = 0; k < again.size(); ++k) r.replies[again[k]] = std::move(second.replies[k]);
  }
  for (std::size_t i = 0; i < r.replies.size(); ++i) {
    if (r.replies[i].type == net::RedisReply::Type::error) {
      // A script that fails is a bug of erralert's, or a Redis without Lua: say it, count it.
      ++errors_;
      spdlog::error("fleet: script {} failed: {}", calls[i].script->name, r.replies[i].str);
    }
  }
  co_return std::move(r.replies);
}

void Fleet::start() { asio::co_spawn(timer_->timer.get_executor(), heartbeat_loop(), asio::detached); }

asio::awaitable<void> Fleet::heartbeat_loop() {
  const std::int64_t started = wall_ms();
  while (!stopped_) {
    const nlohmann::json beat = {{"instance", instance_},
                                 {"version", ERRALERT_VERSION},
                                 {"started", started},
                                 {"mode", to_string(mode_)}};
    commands_ += 1;
    // Named before co_await: GCC 12 mis-compiles a braced list inside a co_await expression.
    std::vector<std::vector<std::string>> command{
        {"SET", key({"instance", instance_}), beat.dump(), "PX", std::to_string(kHeartbeatLife.count())}};
    net::RedisResult r = co_await client_->run(std::move(command));
    if (stopped_) break;
    if (r.ok() && !r.replies.empty() && r.replies[0].type != net::RedisReply::Type::error) {
      joined();
    } else {
      fail(r.ok() ? (r.replies.empty() ? "no reply" : r.replies[0].str) : r.error);
    }
    timer_->timer.expires_after(kHeartbeatEvery);
    co_await timer_->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<void> Fleet::stop() {
  if (stopped_) co_return;
  stopped_ = true;
  timer_->timer.cancel();
  if (mode_ == Mode::shared) {
    std::vector<std::vector<std::string>> command{{"DEL", key({"instance", instance_})}};
    co_await client_->run(std::move(command));
  }
  client_->close();
}

nlohmann::json Fleet::status() const {
  nlohmann::json s = {{"mode", to_string(mode_)}, {"instance", instance_}, {"key_prefix", prefix_},
                      {"timeout_ms", timeout_.count()}, {"errors", errors_}};
  if (mode_ == Mode::alone) {
    s["alone_since"] = core::format_rfc3339(alone_since_ms_);
    s["last_error"] = last_error_;
  }
  return s;
}

std::optional<std::string> Fleet::alone_reason() const {
  if (mode_ == Mode::shared) return std::nullopt;
  return "fleet: working alone, Redis " + (ever_joined_ ? std::string("stopped answering") : std::string("not reached")) +
         " (" + last_error_ + "); grouping and pacing are this host's own until it answers";
}

}  // namespace erralert::cluster
