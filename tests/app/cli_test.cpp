// The command line of CONTRACT.md section 1, run as a user would: exit codes and messages.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace erralert::testing
