// The real erralertd under a stand-in for systemd: the sd_notify messages a Type=notify unit
// waits for, the watchdog, and the sockets of socket activation, where what apps send while no
// daemon runs waits in the kernel for the next one.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/daemon_process.hpp"
#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/sockets.hpp"

namespace erralert::testing {
namespace {

// Console receivers with a short dedup window, so repeats come back as summaries within the
// test's time; lines are counted by their count= fields (every event counted once).
const std::string kConsole = "receivers:\n  - {name: console, type: console}\ndefaults: {dedup: {window: 100ms}}\n";
const std::string kEvent = R"({"service":"payment-api","message":"upstream 502","status":502})";

/// What systemd listens on for a Type=notify service: states arrive as datagrams.
class FakeManager {
 public:
  FakeManager() : socket_(bound_unix(path(), SOCK_DGRAM)) {
    EXPECT_GE(socket_.get(), 0);
    bound_receives(socket_.get(), std::chrono::seconds(10));
  }
  std::string path() const { return dir_.file("notify"); }

  /// The next state that starts with `prefix`; those skipped on the way are kept in seen().
  std::string next(const std::string& prefix) {
    for (int i = 0; i < 1000; ++i) {
      char buf[512];
      const ssize_t n = ::recv(socket_.get(), buf, sizeof buf, 0);
      if (n < 0) return "(nothing within 10 s)";
      std::string state(buf, static_cast<std::size_t>(n));
      seen_.push_back(state);
      if (state.starts_with(prefix)) return state;
    }
    return "(too many other states)";
  }
  const std::vector<std::string>& seen() const { return seen_; }

 private:
  TempDir dir_;
  Fd socket_;
  std::vector<std::string> seen_;
};

std::size_t count_starting(const std::vector<std::string>& states, const std::string& prefix) {
  std::size_t n = 0;
  for (const auto& s : states) n += s.starts_with(prefix) ? 1 : 0;
  return n;
}

LaunchOptions with_env(std::vector<std::string> env) {
  LaunchOptions o;
  o.env = std::move(env);
  return o;
}

LaunchOptions with_sockets(std::vector<int> fds) {
  LaunchOptions o;
  o.passed_sockets = std::move(fds);
  return o;
}

TEST(Service, TellsTheManagerWhenReadyReloadingAndStopping) {
  FakeManager manager;
  DaemonProcess d(kConsole, with_env({"NOTIFY_SOCKET=" + manager.path()}));
  EXPECT_EQ(manager.next("READY=1"),
            "READY=1\nSTATUS=serving: http 127.0.0.1:" + std::to_string(d.port()) + " unix " + d.stream_socket() +
                " dgram " + d.dgram_socket());

  d.signal(SIGHUP);
  EXPECT_TRUE(manager.next("RELOADING=1").starts_with("RELOADING=1\nMONOTONIC_USEC="));
  EXPECT_EQ(manager.next("READY=1"), "READY=1");

  EXPECT_EQ(d.terminate(), 0);
  EXPECT_EQ(manager.next("STOPPING=1"), "STOPPING=1");
  EXPECT_EQ(count_starting(manager.seen(), "WATCHDOG"), 0u) << "no WATCHDOG_USEC, no pings";
}

TEST(Service, PingsTheWatchdogAtHalfItsTimeout) {
  FakeManager manager;
  DaemonProcess d(kConsole, with_env({"NOTIFY_SOCKET=" + manager.path(), "WATCHDOG_USEC=100000"}));
  ASSERT_EQ(manager.next("READY=1").substr(0, 8), "READY=1\n");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(manager.next("WATCHDOG=1"), "WATCHDOG=1");
  EXPECT_EQ(d.terminate(), 0);
}

TEST(Service, AWatchdogMeantForAnotherProcessIsNotPinged) {
  FakeManager manager;
  DaemonProcess d(kConsole, with_env({"NOTIFY_SOCKET=" + manager.path(), "WATCHDOG_USEC=100000", "WATCHDOG_PID=1"}));
  ASSERT_EQ(manager.next("READY=1").substr(0, 8), "READY=1\n");
  EXPECT_EQ(d.terminate(), 0);
  EXPECT_EQ(manager.next("STOPPING=1"), "STOPPING=1");
  // A watchdog that was on would have pinged as soon as the daemon was ready.
  EXPECT_EQ(count_starting(manager.seen(), "WATCHDOG"), 0u);
}

TEST(Service, ReloadOverHttpAppliesTheFileOrSaysWhyNot) {
  FakeManager manager;
  DaemonProcess d(kConsole, with_env({"NOTIFY_SOCKET=" + manager.path()}));
  ASSERT_EQ(manager.next("READY=1").substr(0, 8), "READY=1\n");
  const std::string config = read_file(d.config_path());

  write_file(d.config_path(), config + "receiverz: []\n");
  auto res = http_post(d.port(), "/-/reload", "");
  EXPECT_EQ(res.status, 500) << res.body;
  EXPECT_EQ(res.json()["code"], "reload_failed");
  EXPECT_EQ(res.json()["errors"][0]["field"], "receiverz") << res.body;
  EXPECT_TRUE(manager.next("RELOADING=1").starts_with("RELOADING=1\n"));
  EXPECT_EQ(manager.next("READY=1"), "READY=1");
  EXPECT_EQ(http_post(d.port(), "/v1/events", kEvent).status, 202);
  ASSERT_TRUE(d.wait_for_stdout_lines(1)) << "the running config still routes to the console";

  write_file(d.config_path(), config + "silences:\n  - {match: {service: payment-api}}\n");
  res = http_post(d.port(), "/-/reload", "");
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.json(), (nlohmann::json{{"status", "reloaded"}}));
  EXPECT_EQ(http_post(d.port(), "/v1/events", kEvent).status, 202);
  EXPECT_TRUE(eventually([&] {
    return http_get(d.port(), "/metrics").body.find("erralert_events_silenced_total 1") != std::string::npos;
  })) << "the new silence holds the second event";
  const std::string metrics = http_get(d.port(), "/metrics").body;
  EXPECT_NE(metrics.find(R"(erralert_config_reloads_total{result="failure"} 1)"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find(R"(erralert_config_reloads_total{result="success"} 1)"), std::string::npos) << metrics;
  EXPECT_EQ(d.stdout_lines().size(), 1u);
  EXPECT_EQ(d.terminate(), 0);
}

TEST(Service, ServesThePassedSocketsAndWhatWaitedInThemWhileNoDaemonRan) {
  TempDir dir;
  std::uint16_t port = 0;
  Fd tcp(loopback_tcp(&port));
  Fd stream(bound_unix(dir.file("ingest.sock"), SOCK_STREAM));
  Fd dgram(bound_unix(dir.file("ingest.dgram"), SOCK_DGRAM));
  const LaunchOptions activated = with_sockets({tcp.get(), stream.get(), dgram.get()});
  {
    DaemonProcess d(kConsole, activated);
    EXPECT_EQ(d.port(), port);
    EXPECT_EQ(http_post(port, "/v1/events", kEvent).status, 202);
    unix_stream_send(dir.file("ingest.sock"), kEvent + "\n");
    unix_dgram_send(dir.file("ingest.dgram"), kEvent);
    ASSERT_TRUE(d.wait_for_console_count(3)) << d.console_count();
    EXPECT_FALSE(std::filesystem::exists(d.stream_socket())) << "the config's own socket is not bound";
    EXPECT_EQ(d.terminate(), 0);
  }
  EXPECT_TRUE(std::filesystem::exists(dir.file("ingest.sock"))) << "the manager's socket file stays";

  // Between two daemons: a datagram and an HTTP request wait in the sockets' queues.
  unix_dgram_send(dir.file("ingest.dgram"), kEvent);
  Fd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  ASSERT_EQ(::connect(client.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a), 0);
  const std::string request = "POST /v1/events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                              "Content-Length: " + std::to_string(kEvent.size()) + "\r\nConnection: close\r\n\r\n" + kEvent;
  ASSERT_EQ(::send(client.get(), request.data(), request.size(), MSG_NOSIGNAL), static_cast<ssize_t>(request.size()));

  DaemonProcess next(kConsole, activated);
  ASSERT_TRUE(next.wait_for_console_count(2)) << next.stderr_text();
  bound_receives(client.get(), std::chrono::seconds(10));
  char buf[256];
  const ssize_t n = ::recv(client.get(), buf, sizeof buf, 0);
  ASSERT_GT(n, 0);
  EXPECT_TRUE(std::string(buf, static_cast<std::size_t>(n)).starts_with("HTTP/1.1 202")) << std::string(buf, n);
  EXPECT_EQ(next.terminate(), 0);
}

TEST(Service, PassedSocketsItCannotUseAreNamedAndLeftAlone) {
  TempDir dir;
  std::uint16_t port = 0, other = 0;
  Fd tcp(loopback_tcp(&port));
  Fd second(loopback_tcp(&other));
  DaemonProcess d(kConsole, with_sockets({tcp.get(), second.get()}));
  EXPECT_EQ(d.port(), port);
  EXPECT_TRUE(d.wait_for_stderr("systemd sockets: fd 4 is a second TCP (http) socket; not used"))
      << d.stderr_text();
  EXPECT_EQ(http_post(port, "/v1/events", kEvent).status, 202);
  EXPECT_EQ(d.terminate(), 0);
}

}  // namespace
}  // namespace erralert::testing
