// The command line of CONTRACT.md section 1, run as a user would: exit codes and messages.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include "support/daemon_process.hpp"
#include "support/http_client.hpp"

namespace erralert::testing {
namespace {

const std::string kSource = ERRALERT_SOURCE_DIR;

TEST(Cli, VersionPrintsTheVersion) {
  auto r = run_erralertd({"version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(^erralertd \d+\.\d+\.\d+)"))) << r.out;
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(run_erralertd({"--no-such-flag"}).exit_code, 2);
  EXPECT_EQ(run_erralertd({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(run_erralertd({"run"}).exit_code, 2) << "run needs --config";
  EXPECT_EQ(run_erralertd({"send"}).exit_code, 2) << "send needs --to";
  EXPECT_EQ(run_erralertd({"--help"}).exit_code, 0);
}

TEST(Cli, CheckConfigAcceptsTheShippedConfig) {
  auto r = run_erralertd({"check-config", "--config", kSource + "/config/erralert.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(": ok"), std::string::npos);
}

TEST(Cli, CheckConfigLocatesEveryProblem) {
  TempDir dir;
  const std::string file = dir.file("bad.yaml");
  write_file(file,
             "server:\n"
             "  http: {listen: \"127.0.0.1:9780\", max_body_byte: 10}\n"
             "receivers:\n"
             "  - {name: ops-discord, type: discord, url: \"https://discord.example/api/webhooks/1/SECRET\"}\n"
             "routes:\n"
             "  - {name: r, receivers: [ops-discrod]}\n");
  auto r = run_erralertd({"check-config", "--config", file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(file + ":2:36: server.http.max_body_byte: unknown key 'max_body_byte'; did you mean 'max_body_bytes'?"),
            std::string::npos) << r.err;
  EXPECT_NE(r.err.find(file + ":6:27: routes[0].receivers[0]:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("did you mean 'ops-discord'?"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("SECRET"), std::string::npos) << "a webhook URL is a secret";
}

TEST(Cli, RunWithABadConfigExitsOne) {
  TempDir dir;
  write_file(dir.file("bad.yaml"), "receivers: []\n");
  EXPECT_EQ(run_erralertd({"run", "--config", dir.file("bad.yaml")}).exit_code, 1);
  EXPECT_EQ(run_erralertd({"--config", dir.file("missing.yaml")}).exit_code, 1);
}

TEST(Cli, CannotBindExitsThree) {
  DaemonProcess first("receivers: [{name: c, type: console}]\n");
  TempDir dir;
  write_file(dir.file("c.yaml"), "server:\n  http: {listen: \"127.0.0.1:" + std::to_string(first.port()) +
                                     "\"}\n  unix: {path: \"\"}\nstorage: {dir: \"" + dir.file("s") +
                                     "\"}\nreceivers: [{name: c, type: console}]\n");
  auto r = run_erralertd({"--config", dir.file("c.yaml")});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("cannot listen on http 127.0.0.1:"), std::string::npos) << r.err;
}

TEST(Cli, UnwritableStorageExitsThree) {
  TempDir dir;
  write_file(dir.file("c.yaml"), "server:\n  http: {listen: \"127.0.0.1:0\"}\n  unix: {path: \"\"}\n"
                                 "storage: {dir: /proc/erralert-cannot-be-here}\n"
                                 "receivers: [{name: c, type: console}]\n");
  auto r = run_erralertd({"--config", dir.file("c.yaml")});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("storage.dir"), std::string::npos) << r.err;
}

TEST(Cli, SendOverHttpAndUnix) {
  DaemonProcess d("receivers: [{name: c, type: console}]\n");
  const std::string to = "http://127.0.0.1:" + std::to_string(d.port());
  auto r = run_erralertd({"send", "--to", to, "--service", "billing", "--message", "invoice run failed",
                          "--status", "500", "--path", "/v1/invoices/77", "--method", "post",
                          "--param", "month=2026-11", "--code", "BIL-001"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("202"), std::string::npos);

  r = run_erralertd({"send", "--to", "unix:" + d.stream_socket(), "--service", "cron", "--message", "backup failed"});
  EXPECT_EQ(r.exit_code, 0) << r.err;

  r = run_erralertd({"send", "--to", to, "--json", "-"},
                    R"({"statusCode":400,"path":"/auth/login","message":"Invalid Provider","service":"gateway"})");
  EXPECT_EQ(r.exit_code, 0) << r.err;

  ASSERT_TRUE(d.wait_for_stdout_lines(3));
  const auto lines = d.stdout_lines();
  EXPECT_NE(lines[0].find("route=/v1/invoices/{id}"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("method=POST"), std::string::npos) << lines[0];
}

TEST(Cli, SendRefusesAnInvalidEventBeforeSending) {
  auto r = run_erralertd({"send", "--to", "http://127.0.0.1:1", "--service", "a", "--message", "m", "--status", "700"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("status"), std::string::npos) << r.err;
  r = run_erralertd({"send", "--to", "http://127.0.0.1:1", "--message", "m", "--param", "novalue"});
  EXPECT_EQ(r.exit_code, 1);
}

TEST(Cli, SendToNobodyExitsThree) {
  TempDir dir;
  auto r = run_erralertd({"send", "--to", "unix:" + dir.file("none.sock"), "--service", "a", "--message", "m"});
  EXPECT_EQ(r.exit_code, 3);
  r = run_erralertd({"send", "--to", "ftp://x", "--service", "a", "--message", "m"});
  EXPECT_EQ(r.exit_code, 2);
}

const std::string kRoutes =
    "receivers:\n  - {name: ops, type: console}\n  - {name: hooks, type: console}\n"
    "routes:\n"
    "  - {name: pay, match: {service: \"pay-*\"}, receivers: [ops], continue: true, group_by: [service, code]}\n"
    "  - {name: fivexx, match: {status: 5xx}, receivers: [hooks]}\n"
    "  - {name: slow, match: {status: \"504\"}, receivers: [ops]}\n"
    "redact: {keys: [card_no]}\n"
    "silences:\n  - {match: {service: legacy-batch}, comment: migration}\n";

/// route-test on `event` with kRoutes, as JSON.
nlohmann::json route_test_json(const TempDir& dir, const std::string& event) {
  write_file(dir.file("c.yaml"), kRoutes);
  auto r = run_erralertd({"route-test", "--config", dir.file("c.yaml"), "--output", "json"}, event);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(r.out, nullptr, false);
}

TEST(Cli, RouteTestShowsEveryMatchingRouteInOrderUntilOneEnds) {
  TempDir dir;
  const auto j = route_test_json(dir, R"({"service":"pay-api","status":504,"code":"E1","message":"m",
      "request":{"path":"/v1/users/42","params":{"card_no":"4111","password":"hunter2"}}})");
  EXPECT_TRUE(j["silence"].is_null());
  EXPECT_FALSE(j["unrouted"].get<bool>());
  ASSERT_EQ(j["routes"].size(), 2u) << "pay continues; fivexx ends the walk before slow" << j;
  EXPECT_EQ(j["routes"][0]["name"], "pay");
  EXPECT_EQ(j["routes"][0]["receivers"], nlohmann::json::array({"ops"}));
  EXPECT_EQ(j["routes"][0]["group_by"], nlohmann::json::parse(R"([{"field":"service","value":"pay-api"},
      {"field":"code","value":"E1"}])"));
  EXPECT_EQ(j["routes"][0]["fingerprint"].get<std::string>().size(), 16u);
  EXPECT_EQ(j["routes"][1]["name"], "fivexx");
  EXPECT_NE(j["routes"][0]["fingerprint"], j["routes"][1]["fingerprint"]) << "other group_by";
  const auto& by = j["routes"][1]["group_by"];
  const auto route = std::find_if(by.begin(), by.end(), [](const auto& g) { return g["field"] == "request.route"; });
  ASSERT_NE(route, by.end());
  EXPECT_EQ((*route)["value"], "/v1/users/{id}");
  const auto env = std::find_if(by.begin(), by.end(), [](const auto& g) { return g["field"] == "environment"; });
  ASSERT_NE(env, by.end());
  EXPECT_TRUE((*env)["value"].is_null()) << "absent";
  EXPECT_EQ(j["event"]["request"]["params"]["password"], "[redacted]");
  EXPECT_EQ(j["event"]["request"]["params"]["card_no"], "[redacted]") << "the config's redact keys";
}

TEST(Cli, RouteTestSaysWhichSilenceHoldsAndWhenNothingRoutes) {
  TempDir dir;
  auto j = route_test_json(dir, R"({"service":"legacy-batch","status":500,"message":"m"})");
  ASSERT_TRUE(j["silence"].is_object()) << j;
  EXPECT_EQ(j["silence"]["id"], "config-1");
  EXPECT_EQ(j["silence"]["comment"], "migration");

  j = route_test_json(dir, R"({"service":"search","status":404,"message":"m"})");
  EXPECT_TRUE(j["silence"].is_null());
  EXPECT_TRUE(j["unrouted"].get<bool>());
  EXPECT_TRUE(j["routes"].empty());

  auto r = run_erralertd({"route-test", "--config", dir.file("c.yaml")}, R"({"service":"search","status":404,"message":"m"})");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("routes: none matches"), std::string::npos) << r.out;
  write_file(dir.file("e.json"), R"({"service":"pay-api","message":"m"})");
  r = run_erralertd({"route-test", "--config", dir.file("c.yaml"), "--json", dir.file("e.json")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("route 1: pay -> ops"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("code=(absent)"), std::string::npos) << r.out;
}

TEST(Cli, RouteTestRefusesABadEventOrConfig) {
  TempDir dir;
  write_file(dir.file("c.yaml"), kRoutes);
  auto r = run_erralertd({"route-test", "--config", dir.file("c.yaml")}, R"({"service":"a","message":"m","status":999})");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("status: expected an integer 100..599"), std::string::npos) << r.err;
  r = run_erralertd({"route-test", "--config", dir.file("c.yaml")}, "{not json");
  EXPECT_EQ(r.exit_code, 1);

  write_file(dir.file("bad.yaml"), "receivers:\n  - {name: ops, type: console}\nroutes:\n  - {name: r, receivers: [opz]}\n");
  r = run_erralertd({"route-test", "--config", dir.file("bad.yaml")}, R"({"service":"a","message":"m"})");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(dir.file("bad.yaml") + ":4:"), std::string::npos) << r.err;
  EXPECT_EQ(run_erralertd({"route-test"}).exit_code, 2) << "route-test needs --config";
  EXPECT_EQ(run_erralertd({"route-test", "--config", dir.file("c.yaml"), "--output", "yaml"}).exit_code, 2);
}

TEST(Cli, SilenceAddListExpireAgainstADaemon) {
  DaemonProcess d("receivers: [{name: c, type: console}]\nsilences:\n  - {match: {service: legacy-batch}, comment: migration}\n",
                  "token: s3cret");
  const std::string to = "http://127.0.0.1:" + std::to_string(d.port());
  auto r = run_erralertd({"silence", "add", "--to", to, "--token", "s3cret", "--match", "service=search",
                          "--match", "status=5xx", "--for", "2h", "--comment", "reindex"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string id = r.out.substr(0, r.out.find('\n'));
  EXPECT_EQ(id.size(), 16u) << r.out;

  r = run_erralertd({"silence", "list", "--to", to});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("ID ")) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(id + R"( +\d{4}-\d\d-\d\dT[0-9:.]+Z +service=search status=5xx +reindex +api)")))
      << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(config-1 +- +service=legacy-batch +migration +config)"))) << r.out;
  r = run_erralertd({"silence", "list", "--to", to, "--output", "json"});
  EXPECT_EQ(nlohmann::json::parse(r.out)["silences"].size(), 2u) << r.out;

  r = run_erralertd({"silence", "expire", id, "--to", to});
  EXPECT_EQ(r.exit_code, 1) << "without the token";
  EXPECT_NE(r.err.find("401"), std::string::npos) << r.err;
  r = run_erralertd({"silence", "expire", id, "--to", to, "--token", "s3cret"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = run_erralertd({"silence", "expire", id, "--to", to, "--token", "s3cret"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("404"), std::string::npos) << r.err;
  r = run_erralertd({"silence", "list", "--to", to});
  EXPECT_EQ(r.out.find(id), std::string::npos) << r.out;
}

TEST(Cli, SilenceAddPrintsTheDaemonsReasonsAndUsageErrorsExitTwo) {
  DaemonProcess d("receivers: [{name: c, type: console}]\n");
  const std::string to = "http://127.0.0.1:" + std::to_string(d.port());
  auto r = run_erralertd({"silence", "add", "--to", to, "--match", "status=6xx", "--until", "2000-01-01T00:00:00Z"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("match.status: expected 502, 5xx"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("until: must be in the future"), std::string::npos) << r.err;
  r = run_erralertd({"silence", "add", "--to", to, "--match", "service=a", "--for", "soon"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("for: expected a duration"), std::string::npos) << r.err;

  EXPECT_EQ(run_erralertd({"silence", "add", "--to", to, "--match", "service=a"}).exit_code, 2) << "--until or --for";
  EXPECT_EQ(run_erralertd({"silence", "add", "--to", to, "--match", "service=a", "--for", "1h", "--until", "x"}).exit_code, 2);
  EXPECT_EQ(run_erralertd({"silence", "add", "--to", to, "--match", "novalue", "--for", "1h"}).exit_code, 2);
  EXPECT_EQ(run_erralertd({"silence", "add", "--to", "ftp://x", "--match", "a=b", "--for", "1h"}).exit_code, 2);
  EXPECT_EQ(run_erralertd({"silence", "list"}).exit_code, 2) << "--to";
  EXPECT_EQ(run_erralertd({"silence", "expire", "--to", to}).exit_code, 2) << "the id";
  EXPECT_EQ(run_erralertd({"silence"}).exit_code, 2);
  EXPECT_EQ(run_erralertd({"silence", "list", "--to", to}).exit_code, 0);
}

TEST(Cli, SilenceToNobodyExitsThree) {
  auto r = run_erralertd({"silence", "list", "--to", "http://127.0.0.1:1"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("cannot reach 127.0.0.1:1"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace erralert::testing
