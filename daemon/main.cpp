// erralertd: parses the command line and wires the parts together; nothing else.
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "erralert/app/cluster_cli.hpp"
#include "erralert/app/daemon.hpp"
#include "erralert/app/logging.hpp"
#include "erralert/app/route_test.hpp"
#include "erralert/app/send.hpp"
#include "erralert/app/silence_cli.hpp"
#include "erralert/app/state_cli.hpp"
#include "erralert/config/config.hpp"

namespace {

using namespace erralert;

int check_config(const std::string& path) {
  try {
    const auto cfg = config::load_config(path);
    std::cout << path << ": ok (" << cfg.receivers.size() << " receivers, "
              << cfg.routes.size() << " routes, " << cfg.silences.size() << " silences)\n";
    return app::kExitOk;
  } catch (const config::ConfigError& e) {
    for (const auto& p : e.problems()) std::cerr << p.to_string() << "\n";
    return app::kExitInvalid;
  }
}

int run_daemon(const std::string& path, const std::string& level) {
  if (!app::setup_logging(level)) {
    std::cerr << "erralertd: --log-level must be trace, debug, info, warn or error\n";
    return app::kExitUsage;
  }
  config::Config cfg;
  try {
    cfg = config::load_config(path);
  } catch (const config::ConfigError& e) {
    for (const auto& p : e.problems()) spdlog::error("{}", p.to_string());
    return app::kExitInvalid;
  }
  return app::Daemon(std::move(cfg)).run();
}

}  // namespace

int main(int argc, char** argv) {
  auto cli = std::make_unique<CLI::App>("erralertd: error alerts from your API servers to Discord, Slack and webhooks");
  cli->fallthrough();
  cli->require_subcommand(0, 1);
  std::string config_path;
  std::string log_level = "info";
  cli->add_option("--config,-c", config_path, "configuration file (YAML)");
  cli->add_option("--log-level", log_level, "trace, debug, info, warn or error");

  auto* run = cli->add_subcommand("run", "run the daemon (the default)");
  auto* check = cli->add_subcommand("check-config", "validate the configuration and exit");
  auto* version = cli->add_subcommand("version", "print the version");
  auto* send = cli->add_subcommand("send", "send one event to a running erralertd");
  app::SendOptions so;
  send->add_option("--to", so.to, "http://HOST:PORT or unix:PATH")->required();
  send->add_option("--service", so.service, "service name");
  send->add_option("--message", so.message, "what went wrong");
  send->add_option("--path", so.path, "request path, e.g. /v1/users/42");
  send->add_option("--method", so.method, "request method, e.g. POST");
  send->add_option("--status", so.status, "HTTP status 100..599");
  send->add_option("--code", so.code, "application error code");
  send->add_option("--severity", so.severity, "debug, info, warning, error or critical");
  send->add_option("--param", so.params, "request parameter KEY=VALUE (repeatable)");
  send->add_option("--json", so.json_file, "event JSON file, or - for standard input");

  auto* route_test = cli->add_subcommand("route-test", "show the silence, routes, receivers and fingerprint an event gets");
  app::RouteTestOptions rto;
  route_test->add_option("--json", rto.json_file, "event JSON file, or - for standard input (the default)");
  route_test->add_option("--output", rto.output, "text (the default) or json")->check(CLI::IsMember({"text", "json"}));

  auto* silence = cli->add_subcommand("silence", "add, list or expire silences of a running erralertd");
  silence->require_subcommand(1);
  app::SilenceOptions sil;
  std::string silence_output = "text";
  const auto daemon_options = [&](CLI::App* sub) {
    sub->add_option("--to", sil.to, "http://HOST:PORT of the daemon")->required();
    sub->add_option("--token", sil.token, "server.http.token, when the daemon has one");
  };
  auto* silence_add = silence->add_subcommand("add", "silence matching events until a time or for a while");
  daemon_options(silence_add);
  silence_add->add_option("--match", sil.match, "event field KEY=PATTERN, as in a route's match (repeatable)")->required();
  auto* until = silence_add->add_option("--until", sil.until, "RFC 3339 end time, e.g. 2026-12-01T00:00:00Z");
  silence_add->add_option("--for", sil.for_, "how long, e.g. 30m, 2h, 1d")->excludes(until);
  silence_add->add_option("--comment", sil.comment, "why, for whoever reads silence list");
  auto* silence_list = silence->add_subcommand("list", "list the silences in force");
  daemon_options(silence_list);
  silence_list->add_option("--output", silence_output, "text (a table, the default) or json")
      ->check(CLI::IsMember({"text", "json"}));
  auto* silence_expire = silence->add_subcommand("expire", "end a silence added at run time");
  daemon_options(silence_expire);
  silence_expire->add_option("id", sil.id, "the silence's id, as silence list shows it")->required();

  auto* state = cli->add_subcommand("state", "inspect a stopped daemon's state store (storage.dir)");
  state->require_subcommand(1);
  app::StateOptions sto;
  std::string state_output = "text";
  auto* state_stats = state->add_subcommand("stats", "size, waiting notifications, groups, dead letters");
  auto* state_dead = state->add_subcommand("dead-letters", "list what platforms refused for good");
  std::int64_t retry_id = 0;
  auto* retry = state_dead->add_option("--retry", retry_id, "move dead letter ID back to its receiver's spool");
  for (auto* sub : {state_stats, state_dead}) {
    sub->add_option("--output", state_output, "text (the default) or json")->check(CLI::IsMember({"text", "json"}));
  }

  auto* cluster = cli->add_subcommand("cluster", "fleet mode: what the sidecars share in Redis");
  cluster->require_subcommand(1);
  app::ClusterOptions clo;
  std::string cluster_output = "text";
  auto* cluster_status = cluster->add_subcommand("status", "the sidecars alive, the groups each owns, the shared pace");
  cluster_status->add_option("--output", cluster_output, "text (the default) or json")
      ->check(CLI::IsMember({"text", "json"}));

  try {
    cli->parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = cli->exit(e);
    return rc == 0 ? app::kExitOk : app::kExitUsage;
  }

  if (*version) {
    std::cout << "erralertd " << ERRALERT_VERSION << "\n";
    return app::kExitOk;
  }
  if (*send) return app::send_event(so, std::cout, std::cerr);
  sil.json = silence_output == "json";
  if (*silence_add) return app::silence_add(sil, std::cout, std::cerr);
  if (*silence_list) return app::silence_list(sil, std::cout, std::cerr);
  if (*silence_expire) return app::silence_expire(sil, std::cout, std::cerr);
  if (config_path.empty()) {
    std::cerr << "erralertd: --config FILE is required\n" << cli->help();
    return app::kExitUsage;
  }
  if (*check) return check_config(config_path);
  if (*state) {
    sto.config = config_path;
    sto.json = state_output == "json";
    if (*retry) sto.retry = retry_id;
    return *state_stats ? app::state_stats(sto, std::cout, std::cerr) : app::state_dead_letters(sto, std::cout, std::cerr);
  }
  if (*cluster_status) {
    clo.config = config_path;
    clo.json = cluster_output == "json";
    return app::cluster_status(clo, std::cout, std::cerr);
  }
  if (*route_test) {
    rto.config = config_path;
    return app::route_test(rto, std::cout, std::cerr);
  }
  (void)run;
  cli.reset();  // the daemon runs for months without the parser's 40 KB of option tables
  return run_daemon(config_path, log_level);
}
