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
#include "erralert/config/config.hpp"
#include "erralert/core/metrics.hpp"
#include "erralert/core/silence.hpp"
#include "erralert/deliver/receiver.hpp"
#include "erralert/net/http_api.hpp"
#include "erralert/net/http_server.hpp"
#include "erralert/net/signal.hpp"
#include "erralert/net/unix_listener.hpp"

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
  std::string metrics_text() override;
  nlohmann::json status() override;
  std::vector<std::string> not_ready_reasons() override;
  /// SIGHUP and POST /-/reload: apply_config_file(), told to systemd.
  net::ReloadReply reload() override;
  // Silences at run time (daemon_silences.cpp).
  nlohmann::json list_silences() override;
  net::SilenceAddReply add_silence(const nlohmann::json& body) override;
  net::SilenceExpireReply expire_silence(std::string_view id) override;

 private:
  void start();
  void describe_metrics();
  void build_receivers(const config::Config& cfg);
  /// Warns of spool directories under `storage_dir` that no receiver reads any more.
  void warn_of_unclaimed_spools(const std::string& storage_dir) const;
  std::size_t spool_notifications() const;
  boost::asio::awaitable<void> handle_signals();
  /// Tells systemd every `interval` that the io thread still turns.
  boost::asio::awaitable<void> watchdog_loop(std::chrono::microseconds interval);
  boost::asio::awaitable<void> shutdown();
  /// Loads cfg_.source again and applies it; a file that fails to load changes nothing.
  net::ReloadReply apply_config_file();
  /// The config's silences and those of storage.dir/silences.json; a damaged file is set aside.
  void load_silences();
  /// Writes `next`'s API silences to the silence file; empty, or why the disk refused.
  std::string save_silences(const core::SilenceSet& next);

  config::Config cfg_;
  boost::asio::io_context io_{1};
  SystemClock clock_;
  core::Metrics metrics_;
  std::string host_;
  std::chrono::steady_clock::time_point started_;
  Intake intake_;
  core::SilenceSet silences_;
  ReceiverMap receivers_;
  Dispatcher dispatcher_;
  std::unique_ptr<net::HttpServer> http_;
  std::unique_ptr<net::UnixStreamListener> unix_stream_;
  std::unique_ptr<net::UnixDgramListener> unix_dgram_;
  boost::asio::signal_set signals_;
  ServiceNotifier notifier_;
  bool shutting_down_ = false;
  int exit_code_ = kExitOk;
};

/// The machine's host name, for events that name none.
std::string local_host_name();

}  // namespace erralert::app
