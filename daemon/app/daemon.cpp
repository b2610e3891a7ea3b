// Daemon: start order (storage, receivers, listeners, dispatcher), signals, graceful stop.
#include "erralert/app/daemon.hpp"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <system_error>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>


#ifndef ERRALERT_VERSION
#define ERRALERT_VERSION "dev"
#endif

namespace erralert::app {

namespace asio = boost::asio;

namespace {

/// Thrown during start-up for what ends the process with exit code 3.
struct StartError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void ensure_storage_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw StartError("cannot create storage.dir " + dir + ": " + ec.message());
  if (::access(dir.c_str(), W_OK) != 0) {
    throw StartError("storage.dir " + dir + " is not writable: " + std::strerror(errno));
  }
}

/// Which Sentry projects the endpoints take, by id and service (never a key).
std::string sentry_summary(const config::Config& cfg) {
  std::string projects;
  for (const auto& p : cfg.ingest.sentry_projects) {
    projects += (projects.empty() ? "" : ", ") + std::to_string(p.id) + (p.service.empty() ? "" : " (" + p.service + ")");
  }
  return "Sentry SDKs may send to /api/{project}/envelope/ and /store/ for project(s) " + projects;
}

nlohmann::json sentry_status(const config::Config& cfg) {
  auto projects = nlohmann::json::array();
  for (const auto& p : cfg.ingest.sentry_projects) projects.push_back({{"id", p.id}, {"service", p.service}});
  return projects;
}

}  // namespace

std::string local_host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

Daemon::Daemon(config::Config cfg)
    : cfg_(std::move(cfg)),
      host_(local_host_name()),
      started_(std::chrono::steady_clock::now()),
      intake_(io_.get_executor(), cfg_, metrics_, clock_, host_),
      silences_(cfg_.silences),
      dispatcher_(io_.get_executor(), intake_, metrics_, clock_, cfg_, silences_, receivers_),
      signals_(io_, SIGINT, SIGTERM, SIGHUP),
      notifier_(ServiceNotifier::from_environment()) {
  describe_metrics();
}

Daemon::~Daemon() = default;

void Daemon::describe_metrics() {
  metrics_.describe("events_received_total", "counter", "Events received, by transport.");
  metrics_.describe("events_rejected_total", "counter", "Events refused, by reason.");
  metrics_.describe("events_default_service_total", "counter", "Events that named no service and took defaults.service.");
  metrics_.describe("sentry_items_skipped_total", "counter",
                    "Items of Sentry envelopes that are no error event (sessions, client reports, transactions, "
                    "attachments, ...), by type: not alerted on.");
  metrics_.describe("sentry_requests_refused_total", "counter",
                    "Requests to the Sentry endpoints refused before any event was read, by reason.");
  metrics_.describe("events_silenced_total", "counter", "Events matched by a silence.");
  metrics_.describe("events_unrouted_total", "counter", "Events no route matched.");
  metrics_.describe("events_deduplicated_total", "counter",
                    "Events counted into their group without a notification of their own.");
  metrics_.describe("events_below_threshold_total", "counter",
                    "Events of groups that went quiet before reaching their route's min_count.");
  metrics_.describe("groups_open", "gauge", "Groups of events open now (route, receiver, fingerprint).");
  metrics_.describe("groups_overflow_total", "counter",
                    "Events of new errors folded into an overflow group past limits.max_open_groups or "
                    "limits.max_group_bytes.");
  metrics_.describe("receiver_backlog_events", "gauge", "Events the notifications waiting for a receiver account for.");
  metrics_.describe("notifications_sent_total", "counter", "Notifications delivered.");
  metrics_.describe("notifications_failed_total", "counter", "Failed delivery attempts, by reason.");
  metrics_.describe("notifications_dead_total", "counter", "Notifications refused for good (dead-letter.jsonl).");
  metrics_.describe("receiver_queue_depth", "gauge", "Notifications accepted and not yet delivered.");
  metrics_.describe("spool_notifications", "gauge", "Notifications committed to the state store's spool, all receivers.");
  metrics_.describe("store_bytes", "gauge", "Bytes of erralert.db and its WAL on disk.");
  metrics_.describe("store_commit_seconds", "histogram", "Seconds one group commit of the state store took.");
  metrics_.describe("store_last_commit_age_seconds", "gauge",
                    "Seconds since the state store last committed (-1 before the first commit).");
  metrics_.describe("store_commit_errors_total", "counter", "Group commits the state store could not make.");
  metrics_.describe("store_folds_total", "counter",
                    "Times a receiver's waiting notifications folded into a digest because the store reached "
                    "storage.max_bytes.");
  metrics_.describe("delivery_seconds", "histogram",
                    "Seconds from a notification's acceptance to its platform taking it, retries included.");
  metrics_.describe("config_reloads_total", "counter", "Config reloads, by result.");
  metrics_.describe("cluster_mode", "gauge",
                    "Fleet mode: 1 for the mode this sidecar is in (shared: grouping and pacing with the fleet "
                    "through Redis; alone: Redis unreachable or slower than cluster.timeout).");
  metrics_.describe("cluster_mode_changes_total", "counter", "Changes of fleet mode, by the mode changed to.");
  metrics_.describe("cluster_errors_total", "counter",
                    "Redis round trips of fleet mode that failed or took longer than cluster.timeout, and scripts that failed.");
  metrics_.describe("cluster_commands_total", "counter", "Redis commands fleet mode sent (scripts and heartbeats).");
  metrics_.describe("cluster_events_forwarded_total", "counter",
                    "Events counted here and handed to the sidecar that owns their group, to report with the fleet's count.");
  metrics_.describe("cluster_events_taken_total", "counter",
                    "Events other sidecars counted that this one reported, as the owner of their group.");
  metrics_.describe("cluster_notifications_alone_total", "counter",
                    "Notifications sent with this host's count alone while the fleet was unreachable.");
  metrics_.describe("cluster_groups", "gauge", "Groups this sidecar watches in the fleet, by role (owner, watcher).");
  metrics_.describe("build_info", "gauge", "Always 1; the version label names the running erralertd.");
  metrics_.describe("pipeline_queue_depth", "gauge", "Events accepted and waiting for the pipeline.");
  metrics_.describe("http_connections", "gauge", "HTTP connections open now.");
  metrics_.describe("connections_refused_total", "counter",
                    "Connections refused at server.max_connections or for want of file descriptors, by listener.");
  metrics_.describe("connections_evicted_total", "counter",
                    "Idle connections closed to make room for a new one, by listener.");
  const auto guard_metrics = [this](const char* listener, auto guard) {
    metrics_.gauge("connections_refused_total", {{"listener", listener}}, [guard] {
      const net::ConnectionGuard* g = guard();
      return g ? static_cast<double>(g->refused()) : 0.0;
    });
    metrics_.gauge("connections_evicted_total", {{"listener", listener}}, [guard] {
      const net::ConnectionGuard* g = guard();
      return g ? static_cast<double>(g->evicted()) : 0.0;
    });
  };
  guard_metrics("http", [this]() -> const net::ConnectionGuard* { return http_ ? &http_->guard() : nullptr; });
  guard_metrics("unix", [this]() -> const net::ConnectionGuard* { return unix_stream_ ? &unix_stream_->guard() : nullptr; });
  metrics_.gauge("build_info", {{"version", ERRALERT_VERSION}}, [] { return 1.0; });
  metrics_.gauge("pipeline_queue_depth", {}, [this] { return static_cast<double>(intake_.depth()); });
  metrics_.gauge("http_connections", {},
                 [this] { return http_ ? static_cast<double>(http_->connections()) : 0.0; });
}

void Daemon::build_receivers(const config::Config& cfg, std::map<std::string, std::vector<core::Outbox::Item>> backlogs) {
  deliver::ReceiverContext ctx{io_.get_executor(), &clock_, &metrics_, store_.get(), stdout, {}, fleet_pace_.get()};
  ReceiverMap built;
  for (const auto& r : cfg.receivers) {
    // A receiver whose config is unchanged keeps running (its queue, pacing and connection);
    // a disabled one is rebuilt, since a reload is how an operator re-enables it. A rebuilt
    // one takes over what its predecessor had waiting; a name new to this run takes what the
    // store kept under it.
    auto old = receivers_.find(r.name);
    const auto before = std::find_if(cfg_.receivers.begin(), cfg_.receivers.end(),
                                     [&](const config::Receiver& c) { return c.name == r.name; });
    const bool keep = old != receivers_.end() && before != cfg_.receivers.end() && *before == r &&
                      old->second->state() == deliver::ReceiverState::ready;
    if (keep) {
      built.emplace(r.name, std::move(old->second));
    } else {
      std::vector<core::Outbox::Item> backlog;
      if (old != receivers_.end()) {
        backlog = old->second->take_backlog();
        old->second.reset();
      } else if (auto b = backlogs.find(r.name); b != backlogs.end()) {
        backlog = std::move(b->second);
      } else if (restored_) {
        backlog = store_->spool_of(r.name);  // a receiver removed earlier in this run, back
      }
      built.emplace(r.name, deliver::make_receiver(r, ctx, std::move(backlog)));
    }
    metrics_.gauge("receiver_queue_depth", {{"receiver", r.name}}, [this, name = r.name] {
      auto it = receivers_.find(name);
      return it == receivers_.end() ? 0.0 : static_cast<double>(it->second->queue_depth());
    });
    metrics_.gauge("receiver_backlog_events", {{"receiver", r.name}}, [this, name = r.name] {
      auto it = receivers_.find(name);
      return it == receivers_.end() ? 0.0 : static_cast<double>(it->second->backlog_events());
    });
  }
  // Receivers that are gone: what they had waiting is recorded in the store, where it stays.
  for (auto& [name, r] : receivers_) {
    if (r) r->take_backlog();
  }
  receivers_ = std::move(built);
}

void Daemon::warn_of_unclaimed(const std::vector<std::pair<std::string, std::size_t>>& by_receiver) const {
  for (const auto& [name, n] : by_receiver) {
    if (receivers_.contains(name)) continue;
    spdlog::warn("the state store holds {} notification(s) of receiver {}, which is no longer configured; they "
                 "wait there, undelivered, until a receiver of that name is configured again",
                 n, name);
  }
}

void Daemon::open_store() {
  store::StoreOptions options{cfg_.storage.dir, cfg_.storage.commit_interval, cfg_.storage.max_bytes};
  try {
    store_ = store::StateStore::open(options, io_.get_executor(), &metrics_);
  } catch (const store::StoreError& e) {
    throw StartError(e.what());
  }
  store::StoreContents found = store_->take_contents();
  for (const auto& note : found.notes) spdlog::info("state store: {}", note);
  for (const auto& problem : found.problems) spdlog::warn("state store: {}", problem);
  load_silences(found.silences);
  std::map<std::string, std::vector<core::Outbox::Item>> backlogs;
  std::map<std::string, std::size_t> counts;
  for (auto& [receiver, item] : found.spool) {
    ++counts[receiver];
    backlogs[receiver].push_back(std::move(item));
  }
  build_receivers(cfg_, std::move(backlogs));
  warn_of_unclaimed({counts.begin(), counts.end()});
  dispatcher_.restore(std::move(found.groups), cfg_);
  spdlog::info("state store {}: {} open group(s), {} waiting notification(s), {} silence(s) restored", store_->path(),
               dispatcher_.open_groups(), found.spool.size(), found.silences.size());
  store_->on_batch([this] {
    dispatcher_.take_group_changes(store_->group_changes());
    store_->cover(intake_.popped());
  });
  store_->on_commit([this] { after_commit(); });
  dispatcher_.on_change([this] { store_->wake(); });
  store_->start();
  restored_ = true;
}

nlohmann::json Daemon::store_status() const {
  const auto& d = store_->disk();
  const auto age = store_->last_commit_age_seconds();
  return {{"path", store_->path()},
          {"file_bytes", d.file_bytes},
          {"used_bytes", d.used_bytes},
          {"max_bytes", cfg_.storage.max_bytes},
          {"spool_notifications", d.spool_rows},
          {"spool_events", d.spool_events},
          {"dead_letters", d.dead_letters},
          {"last_commit_age_seconds", age ? nlohmann::json(*age) : nlohmann::json(nullptr)},
          {"error", store_->error()}};
}

void Daemon::after_commit() {
  intake_.refuse_all(store_->error().empty() ? "" : "the state store cannot commit (" + store_->error() + ")");
  if (!store_->over_max_bytes()) return;
  // Past storage.max_bytes: the receiver with the most waiting folds it into one digest.
  deliver::Receiver* largest = nullptr;
  for (auto& [name, r] : receivers_) {
    if (!largest || r->queue_depth() > largest->queue_depth()) largest = r.get();
  }
  if (!largest) return;
  if (const std::size_t folded = largest->compact(); folded > 0) {
    ++metrics_.counter("store_folds_total", {{"receiver", largest->name()}});
    spdlog::warn("state store past storage.max_bytes ({} bytes in use): {} notifications waiting for {} folded "
                 "into one digest, counts kept",
                 store_->disk().used_bytes, folded, largest->name());
  }
}

void Daemon::start_fleet() {
  if (!cfg_.cluster.enabled()) return;
  fleet_ = std::make_unique<cluster::Fleet>(io_.get_executor(), cfg_.cluster,
                                            cluster::instance_name(cfg_.cluster, host_), metrics_);
  fleet_pace_ = std::make_unique<cluster::FleetPace>(io_.get_executor(), *fleet_);
  shared_groups_ = std::make_unique<cluster::SharedGroups>(
      io_.get_executor(), *fleet_, clock_, metrics_, [this](core::Notification n) { dispatcher_.hand_to_receiver(std::move(n)); },
      [this] { dispatcher_.flush_receivers(); });
  dispatcher_.divert_to([this](core::Notification n) { shared_groups_->submit(std::move(n)); });
  fleet_->start();
  asio::co_spawn(io_, shared_groups_->run(), asio::detached);
  spdlog::info("fleet mode: instance {}, keys {}*, round trips within {} ms; alone until Redis answers",
               fleet_->instance(), fleet_->prefix(), cfg_.cluster.timeout.count());
}

void Daemon::start() {
  ensure_storage_dir(cfg_.storage.dir);
  start_fleet();
  open_store();
  const auto& s = cfg_.server;
  // Sockets systemd listens on (erralertd.socket) replace the ones the config would bind, so
  // events sent while erralertd restarts wait in the kernel.
  ActivatedSockets passed = take_activated_sockets();
  for (const auto& problem : passed.problems) spdlog::warn("systemd sockets: {}; not used", problem);
  const auto unused = [](const std::optional<int>& fd, std::string_view what) {
    if (fd) spdlog::warn("systemd passed a {} socket, but the config turns that listener off", what);
  };
  std::string where;
  try {
    if (s.http.enabled) {
      where = "http " + s.http.listen;
      http_ = std::make_unique<net::HttpServer>(io_.get_executor(), s.http, *this, s.max_connections);
      http_->start(passed.http);
    } else {
      unused(passed.http, "TCP");
    }
    if (!s.unix.path.empty()) {
      where = "unix " + s.unix.path;
      unix_stream_ = std::make_unique<net::UnixStreamListener>(
          io_.get_executor(), s.unix.path, s.unix.mode, cfg_.limits.max_event_bytes, intake_,
          net::StreamLimits{s.max_connections, s.unix.idle_timeout});
      unix_stream_->start(passed.unix_stream);
    } else {
      unused(passed.unix_stream, "Unix stream");
    }
    if (!s.unix.dgram_path.empty()) {
      where = "unix datagram " + s.unix.dgram_path;
      unix_dgram_ = std::make_unique<net::UnixDgramListener>(
          io_.get_executor(), s.unix.dgram_path, s.unix.mode, cfg_.limits.max_event_bytes, intake_);
      unix_dgram_->start(passed.unix_dgram);
    } else {
      unused(passed.unix_dgram, "Unix datagram");
    }
  } catch (const boost::system::system_error& e) {  // Asio's bind, listen, open
    throw StartError("cannot listen on " + where + ": " + e.code().message());
  } catch (const std::system_error& e) {  // filesystem_error is one too; what() names the path
    throw StartError("cannot listen on " + where + ": " + e.what());
  }
  const std::string listening = fmt::format(
      "http {} unix {} dgram {}", http_ ? http_->address() : "off", unix_stream_ ? unix_stream_->path() : "off",
      unix_dgram_ ? unix_dgram_->path() : "off");
  if (!cfg_.ingest.sentry_projects.empty()) spdlog::info("{}", sentry_summary(cfg_));
  // Tests and scripts read this line to learn the bound port when listen ends in ":0".
  spdlog::info("erralertd {} ready: {} receivers {}", ERRALERT_VERSION, listening, receivers_.size());
  notifier_.notify(fmt::format("READY=1\nSTATUS=serving: {}", listening));
}

int Daemon::run() {
  // A closed stdout (console receiver) or a file-size limit must be an error code, not death.
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGXFSZ, SIG_IGN);
  try {
    start();
  } catch (const StartError& e) {
    spdlog::error("{}", e.what());
    return kExitRuntime;
  } catch (const std::exception& e) {
    spdlog::error("start-up failed: {}", e.what());
    return kExitRuntime;
  }
  asio::co_spawn(io_, dispatcher_.run(), asio::detached);
  asio::co_spawn(io_, handle_signals(), asio::detached);
  if (const auto interval = notifier_.watchdog_interval()) asio::co_spawn(io_, watchdog_loop(*interval), asio::detached);
  io_.run();
  return exit_code_;
}

asio::awaitable<void> Daemon::handle_signals() {
  for (;;) {
    auto [ec, sig] = co_await signals_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    if (sig == SIGHUP) {
      reload();
      continue;
    }
    spdlog::info("received {}; stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    co_await shutdown();
    co_return;
  }
}

asio::awaitable<void> Daemon::watchdog_loop(std::chrono::microseconds interval) {
  asio::steady_timer timer(io_);
  for (;;) {  // until the io_context stops
    notifier_.notify("WATCHDOG=1");
    timer.expires_after(interval);
    co_await timer.async_wait(asio::use_awaitable);
  }
}

asio::awaitable<void> Daemon::shutdown() {
  if (shutting_down_) co_return;
  shutting_down_ = true;
  notifier_.notify("STOPPING=1");
  const auto deadline = std::chrono::steady_clock::now() + cfg_.server.shutdown_timeout;
  // 1. Stop accepting; let requests in flight finish.
  if (unix_stream_) unix_stream_->stop();
  if (unix_dgram_) unix_dgram_->stop();
  if (http_) co_await http_->stop(deadline);
  // 2. Run every queued event through the pipeline.
  intake_.stop();
  co_await dispatcher_.done();
  // 2b. In fleet mode, what the groups produced is reported to the fleet first.
  if (shared_groups_) co_await shared_groups_->stop();
  // 3. Deliver what can be delivered in time; the rest stays in the store.
  for (auto& [name, r] : receivers_) co_await r->drain(deadline);
  if (fleet_) co_await fleet_->stop();
  // 4. Commit everything: the groups, what waits, what was delivered.
  if (std::string why; !store_->commit_now(&why)) {
    spdlog::error("state store: the last commit failed ({}); what was recorded since the last good commit is lost",
                  why);
    exit_code_ = kExitRuntime;
  }
  signals_.cancel();
  spdlog::info("stopped");
  io_.stop();
}

net::ReloadReply Daemon::reload() {
  // Type=notify-reload waits for READY=1 after a RELOADING=1 stamped with the monotonic clock.
  const auto now_usec = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now().time_since_epoch());
  notifier_.notify(fmt::format("RELOADING=1\nMONOTONIC_USEC={}", now_usec.count()));
  net::ReloadReply reply = apply_config_file();
  notifier_.notify("READY=1");  // after a failed reload too: the running config serves on
  return reply;
}

net::ReloadReply Daemon::apply_config_file() {
  const std::string& path = cfg_.source;
  try {
    config::Config next = config::load_config(path);
    if (next.server.http.listen != cfg_.server.http.listen ||
        next.server.unix.path != cfg_.server.unix.path ||
        next.server.unix.dgram_path != cfg_.server.unix.dgram_path) {
      spdlog::warn("reload: listener addresses changed; they apply after a restart");
    }
    if (next.cluster != cfg_.cluster) spdlog::warn("reload: the cluster block changed; it applies after a restart");
    // Groups first, so what a removed route still holds reaches the receivers it was for; then
    // the receivers, the intake, and the new config in one swap (listeners and storage apply
    // after a restart).
    dispatcher_.reconfigure(next);
    build_receivers(next);
    warn_of_unclaimed(store_->spool_by_receiver());
    silences_.set_config(next.silences);
    intake_.reconfigure(next);
    next.server = cfg_.server;
    next.storage = cfg_.storage;
    next.cluster = cfg_.cluster;
    cfg_ = std::move(next);
    ++metrics_.counter("config_reloads_total", {{"result", "success"}});
    spdlog::info("reloaded {}: {} receivers, {} routes", path, cfg_.receivers.size(), cfg_.routes.size());
    return {};
  } catch (const config::ConfigError& e) {
    ++metrics_.counter("config_reloads_total", {{"result", "failure"}});
    for (const auto& p : e.problems()) spdlog::error("reload: {}", p.to_string());
    spdlog::error("reload of {} failed; the running config is unchanged", path);
    return {e.problems()};
  } catch (const std::exception& e) {
    ++metrics_.counter("config_reloads_total", {{"result", "failure"}});
    spdlog::error("reload of {} failed: {}; the running config is unchanged", path, e.what());
    config::Problem p;
    p.file = path;
    p.reason = e.what();
    return {{p}};
  }
}

net::IngestReply Daemon::ingest(std::string_view body, core::BodyFormat format,
                                std::string_view service_hint) {
  auto a = intake_.submit_body(body, format, service_hint);
  const std::uint64_t ticket = cfg_.server.http.durable_ack ? a.ticket : 0;
  return {std::move(a.result), a.queue_full, std::move(a.unavailable), ticket};
}

net::SentryReply Daemon::ingest_sentry(const ingest::SentryPost& post) {
  auto a = intake_.submit_sentry(post);
  const std::uint64_t ticket = cfg_.server.http.durable_ack ? a.ticket : 0;
  return {std::move(a.read), a.queue_full, std::move(a.unavailable), ticket};
}

asio::awaitable<bool> Daemon::durable(std::uint64_t ticket) {
  co_return co_await store_->committed(ticket, std::chrono::steady_clock::now() + cfg_.server.http.body_timeout);
}

std::string Daemon::metrics_text() { return metrics_.render(); }

nlohmann::json Daemon::status() {
  auto receivers = nlohmann::json::array();
  for (const auto& r : cfg_.receivers) {
    auto it = receivers_.find(r.name);
    if (it == receivers_.end()) continue;
    const deliver::Receiver& rcv = *it->second;
    nlohmann::json entry = {{"name", r.name},
                            {"type", r.type},
                            {"state", deliver::to_string(rcv.state())},
                            {"queue_depth", rcv.queue_depth()},
                            {"backlog_events", rcv.backlog_events()},
                            {"last_error", rcv.last_error()}};
    if (rcv.state() != deliver::ReceiverState::ready) entry["state_reason"] = rcv.state_reason();
    if (const auto wait = rcv.next_attempt_in()) entry["next_attempt_in_ms"] = wait->count();
    receivers.push_back(std::move(entry));
  }
  const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::steady_clock::now() - started_);
  return {{"version", ERRALERT_VERSION},
          {"host", host_},
          {"uptime_seconds", uptime.count()},
          {"pipeline_queue_depth", intake_.depth()},
          {"receivers", receivers},
          {"groups_open", dispatcher_.open_groups()},
          {"events_pending_in_groups", dispatcher_.pending_events()},
          {"spool_notifications", store_->disk().spool_rows},
          {"store", store_status()},
          {"sentry_projects", sentry_status(cfg_)},
          {"cluster", fleet_status()}};
}

nlohmann::json Daemon::fleet_status() const {
  if (!fleet_) return {{"mode", "off"}};
  nlohmann::json s = fleet_->status();
  s["groups_watched"] = shared_groups_->watched();
  s["groups_owned"] = shared_groups_->owned();
  return s;
}

std::vector<std::string> Daemon::ready_notes() {
  std::vector<std::string> notes;
  if (fleet_) {
    if (auto why = fleet_->alone_reason()) notes.push_back(*why);
  }
  return notes;
}

std::vector<std::string> Daemon::not_ready_reasons() {
  std::vector<std::string> reasons;
  if (shutting_down_) reasons.push_back("shutting down");
  if (::access(cfg_.storage.dir.c_str(), W_OK) != 0) reasons.push_back("storage.dir is not writable");
  if (!store_->error().empty()) reasons.push_back("state store cannot commit: " + store_->error());
  if (unix_stream_ && !unix_stream_->socket_file_present()) {
    reasons.push_back("the socket file " + unix_stream_->path() + " is gone: apps cannot connect (restart to recreate it)");
  }
  if (unix_dgram_ && !unix_dgram_->socket_file_present()) {
    reasons.push_back("the socket file " + unix_dgram_->path() + " is gone: apps cannot send (restart to recreate it)");
  }
  for (const auto& [name, r] : receivers_) {
    if (r->state() != deliver::ReceiverState::ready) {
      reasons.push_back("receiver " + name + ": " + std::string(deliver::to_string(r->state())) + ": " + r->state_reason());
    }
  }
  return reasons;
}

}  // namespace erralert::app
