// Daemon: owns the io_context and every part of erralertd, and their start and stop order.
//
//   config::Config cfg = config::load_config(path);
//   return app::Daemon(std::move(cfg)).run();   // until SIGTERM or SIGINT; the exit code
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "erralert/app/dispatcher.hpp"
#include "erralert/app/intake.hpp"
#include "erralert/app/system_clock.hpp"
#include "erralert/app/systemd.hpp"
#include "erralert/cluster/fleet.hpp"
#include "erralert/cluster/shared_groups.hpp"
#include "erralert/cluster/shared_pace.hpp"
#include "erralert/config/config.hpp"
#include "erralert/core/metrics.hpp"
#include "erralert/core/silence.hpp"
#include "erralert/deliver/receiver.hpp"
#include "erralert/net/http_api.hpp"
#include "erralert/net/http_server.hpp"
#include "erralert/net/signal.hpp"
#include "erralert/net/unix_listener.hpp"
#include "erralert/store/state_store.hpp"

namespace erralert::app {

/// Exit codes of CONTRACT.md section 1.
enum ExitCode { kExitOk = 0, kExitInvalid = 1, kExitUsage = 2, kExitRuntime = 3 };

class Daemon final : public net::HttpApi {
 public:
  explicit Daemon(config::Config cfg);
  ~Daemon() override;

  /// Binds (or takes the sockets systemd passed), tells systemd it is ready, serves until
  /// SIGTERM or SIGINT, shuts down gracefully. Returns the exit code.
  int run();

  // net::HttpApi
  net::IngestReply ingest(std::string_view body, core::BodyFormat format,
                          std::string_view service_hint) override;
  net::SentryReply ingest_sentry(const ingest::SentryPost& post) override;
  boost::asio::awaitable<bool> durable(std::uint64_t ticket) override;
  std::string metrics_text() override;
  nlohmann::json status() override;
  std::vector<std::string> not_ready_reasons() override;
  std::vector<std::string> ready_notes() override;
  /// SIGHUP and POST /-/reload: apply_config_file(), told to systemd.
  net::ReloadReply reload() override;
  // Silences at run time (daemon_silences.cpp).
  nlohmann::json list_silences() override;
  net::SilenceAddReply add_silence(const nlohmann::json& body) override;
  net::SilenceExpireReply expire_silence(std::string_view id) override;

 private:
  void start();
  void describe_metrics();
  /// Opens the state store and restores what it holds: silences, receivers' backlogs, groups.
  void open_store();
  /// (Re)builds the receivers of `cfg`; `backlogs` holds what the store kept for them at start.
  void build_receivers(const config::Config& cfg, std::map<std::string, std::vector<core::Outbox::Item>> backlogs = {});
  /// Warns of notifications in the store for receiver names the config does not have.
  void warn_of_unclaimed(const std::vector<std::pair<std::string, std::size_t>>& by_receiver) const;
  /// After each commit: refuse events while the store cannot commit; fold past max_bytes.
  void after_commit();
  /// Fleet mode's parts, when the config has cluster.redis.
  void start_fleet();
  /// What /v1/status says of the store: what the last commit left on disk.
  nlohmann::json store_status() const;
  /// What /v1/status says of fleet mode ({"mode": "off"} without cluster.redis).
  nlohmann::json fleet_status() const;
  boost::asio::awaitable<void> handle_signals();
  /// Tells systemd every `interval` that the io thread still turns.
  boost::asio::awaitable<void> watchdog_loop(std::chrono::microseconds interval);
  boost::asio::awaitable<void> shutdown();
  /// Loads cfg_.source again and applies it; a file that fails to load changes nothing.
  net::ReloadReply apply_config_file();
  /// The config's silences and the API's ones the store kept.
  void load_silences(const nlohmann::json& stored);
  /// Commits `next`'s API silences to the store; empty, or why it could not.
  std::string save_silences(const core::SilenceSet& next);

  config::Config cfg_;
  boost::asio::io_context io_{1};
  SystemClock clock_;
  core::Metrics metrics_;
  std::unique_ptr<store::StateStore> store_;  // before the receivers, which write to it
  std::string host_;
  std::chrono::steady_clock::time_point started_;
  Intake intake_;
  core::SilenceSet silences_;
  // Fleet mode (cluster.redis): before the receivers, which pace through it.
  std::unique_ptr<cluster::Fleet> fleet_;
  std::unique_ptr<cluster::FleetPace> fleet_pace_;
  ReceiverMap receivers_;
  Dispatcher dispatcher_;
  std::unique_ptr<cluster::SharedGroups> shared_groups_;  // between the dispatcher and the receivers
  std::unique_ptr<net::HttpServer> http_;
  std::unique_ptr<net::UnixStreamListener> unix_stream_;
  std::unique_ptr<net::UnixDgramListener> unix_dgram_;
  boost::asio::signal_set signals_;
  ServiceNotifier notifier_;
  bool shutting_down_ = false;
  bool restored_ = false;  // the store's contents went to their parts; a reload reads it anew
  int exit_code_ = kExitOk;
};

/// The machine's host name, for events that name none.
std::string local_host_name();

}  // namespace erralert::app
