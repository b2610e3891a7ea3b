// The sd_notify and socket-activation protocols against real sockets in a temp dir, and the
// units in systemd/ as systemd-analyze judges them.
#include "erralert/app/systemd.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "support/daemon_process.hpp"
#include "support/sockets.hpp"

namespace erralert::app {
namespace {

using testing::bound_receives;
using testing::bound_unix;
using testing::Fd;
using testing::loopback_tcp;
using testing::TempDir;

/// A datagram socket bound at `path` ("@name": abstract) whose receives wait at most 10 s.
int bound_dgram(const std::string& path) {
  const int fd = bound_unix(path, SOCK_DGRAM);
  EXPECT_GE(fd, 0) << path << ": " << std::strerror(errno);
  bound_receives(fd, std::chrono::seconds(10));
  return fd;
}

std::string receive(int fd) {
  char buf[512];
  const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  return n < 0 ? std::string("(nothing)") : std::string(buf, static_cast<std::size_t>(n));
}

// ---- sd_notify ----

TEST(ServiceNotifier, SendsEachStateAsOneDatagramToThePath) {
  TempDir dir;
  const std::string path = dir.file("notify");
  Fd manager(bound_dgram(path));
  ServiceNotifier n(path, "");
  ASSERT_TRUE(n.enabled());
  n.notify("READY=1\nSTATUS=serving");
  n.notify("STOPPING=1");
  EXPECT_EQ(receive(manager.get()), "READY=1\nSTATUS=serving");
  EXPECT_EQ(receive(manager.get()), "STOPPING=1");
}

TEST(ServiceNotifier, ReachesAnAbstractSocket) {
  const std::string name = "@erralert-test-" + std::to_string(std::random_device{}());
  Fd manager(bound_dgram(name));
  ServiceNotifier n(name, "");
  n.notify("WATCHDOG=1");
  EXPECT_EQ(receive(manager.get()), "WATCHDOG=1");
}

TEST(ServiceNotifier, IsInertWithoutAUsableSocket) {
  EXPECT_FALSE(ServiceNotifier("", "").enabled());
  EXPECT_FALSE(ServiceNotifier("relative/path", "").enabled());
  EXPECT_FALSE(ServiceNotifier("/" + std::string(200, 'x'), "").enabled());  // longer than sun_path
  ServiceNotifier none;
  none.notify("READY=1");  // nothing to do, nothing thrown
  TempDir dir;
  ServiceNotifier gone(dir.file("nobody-listens"), "");
  ASSERT_TRUE(gone.enabled());
  gone.notify("READY=1");  // a manager that went away is logged, not fatal
  gone.notify("READY=1");
}

TEST(ServiceNotifier, PingsTheWatchdogAtHalfItsTimeout) {
  TempDir dir;
  const std::string path = dir.file("notify");
  EXPECT_EQ(ServiceNotifier(path, "30000000").watchdog_interval(), std::chrono::microseconds(15000000));
  EXPECT_EQ(ServiceNotifier(path, "").watchdog_interval(), std::nullopt);
  EXPECT_EQ(ServiceNotifier(path, "0").watchdog_interval(), std::nullopt);
  EXPECT_EQ(ServiceNotifier(path, "30s").watchdog_interval(), std::nullopt);
  EXPECT_EQ(ServiceNotifier("", "30000000").watchdog_interval(), std::nullopt);  // nobody to ping
}

TEST(ServiceNotifier, MovesItsSocket) {
  TempDir dir;
  const std::string path = dir.file("notify");
  Fd manager(bound_dgram(path));
  ServiceNotifier a(path, "");
  ServiceNotifier b(std::move(a));
  EXPECT_FALSE(a.enabled());  // NOLINT(bugprone-use-after-move): moved-from is inert by contract
  ServiceNotifier c;
  c = std::move(b);
  c.notify("READY=1");
  EXPECT_EQ(receive(manager.get()), "READY=1");
}

// ---- socket activation ----

TEST(ListenFds, CountsOnlySocketsMeantForThisProcess) {
  EXPECT_EQ(listen_fds_count("42", "3", 42), 3);
  EXPECT_EQ(listen_fds_count("41", "3", 42), 0);  // inherited from a parent that was activated
  EXPECT_EQ(listen_fds_count(nullptr, "3", 42), 0);
  EXPECT_EQ(listen_fds_count("42", nullptr, 42), 0);
  EXPECT_EQ(listen_fds_count("42", "3x", 42), 0);
  EXPECT_EQ(listen_fds_count("42", "-1", 42), 0);
  EXPECT_EQ(listen_fds_count("", "", 42), 0);
}

TEST(ClassifySockets, SortsByFamilyAndType) {
  TempDir dir;
  Fd tcp(loopback_tcp());
  Fd stream(bound_unix(dir.file("s.sock"), SOCK_STREAM));
  Fd dgram(bound_dgram(dir.file("d.sock")));
  const ActivatedSockets s = classify_sockets({dgram.get(), tcp.get(), stream.get()});
  EXPECT_EQ(s.http, tcp.get());
  EXPECT_EQ(s.unix_stream, stream.get());
  EXPECT_EQ(s.unix_dgram, dgram.get());
  EXPECT_TRUE(s.problems.empty());
}

TEST(ClassifySockets, RefusesWhatItCannotServe) {
  TempDir dir;
  Fd first(loopback_tcp());
  Fd second(loopback_tcp());
  Fd not_listening(loopback_tcp(nullptr, false));
  Fd udp(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
  Fd pipe_read(pipe_fds[0]), pipe_write(pipe_fds[1]);
  const ActivatedSockets s =
      classify_sockets({first.get(), second.get(), not_listening.get(), udp.get(), pipe_read.get()});
  EXPECT_EQ(s.http, first.get());
  ASSERT_EQ(s.problems.size(), 4u);
  EXPECT_NE(s.problems[0].find("a second TCP"), std::string::npos) << s.problems[0];
  EXPECT_NE(s.problems[1].find("not listening"), std::string::npos) << s.problems[1];
  EXPECT_NE(s.problems[2].find("neither"), std::string::npos) << s.problems[2];
  EXPECT_NE(s.problems[3].find("not a socket"), std::string::npos) << s.problems[3];
}

// ---- the units ----

/// Runs `command` through the shell; its exit code and what it printed.
std::pair<int, std::string> run(const std::string& command) {
  std::string out;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) return {-1, "popen failed"};
  char buf[4096];
  while (const std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

/// The units of systemd/ in `dir`, the service's ExecStart pointing at the erralertd just built
/// (verify checks that the command exists).
void copy_units(const TempDir& dir) {
  std::ifstream in(std::string(ERRALERT_SOURCE_DIR) + "/systemd/erralertd.service");
  std::stringstream text;
  text << in.rdbuf();
  const std::string service = std::regex_replace(text.str(), std::regex("/usr/bin/erralertd"), ERRALERTD_PATH);
  ASSERT_NE(service, text.str()) << "ExecStart names /usr/bin/erralertd";
  testing::write_file(dir.file("erralertd.service"), service);
  std::filesystem::copy_file(std::string(ERRALERT_SOURCE_DIR) + "/systemd/erralertd.socket", dir.file("erralertd.socket"));
}

bool have_systemd_analyze() { return run("command -v systemd-analyze").first == 0; }

TEST(SystemdUnits, PassSystemdAnalyzeVerify) {
  if (!have_systemd_analyze()) GTEST_SKIP() << "systemd-analyze is not installed (scripts/install-deps.sh installs it)";
  TempDir dir;
  copy_units(dir);
  const auto [code, out] = run("cd " + dir.path().string() + " && systemd-analyze verify --man=no ./erralertd.socket ./erralertd.service");
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(out, "") << "verify warns of nothing";
}

TEST(SystemdUnits, ServiceIsHardened) {
  if (!have_systemd_analyze()) GTEST_SKIP() << "systemd-analyze is not installed (scripts/install-deps.sh installs it)";
  TempDir dir;
  copy_units(dir);
  const auto [code, out] = run("cd " + dir.path().string() + " && systemd-analyze security --offline=yes ./erralertd.service");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(Overall exposure level for erralertd\.service: ([0-9.]+))"))) << out;
  // 0 is a service that can do nothing; erralertd needs the network, so it cannot reach 0.
  EXPECT_LE(std::stod(m[1].str()), 1.5) << out;
}

/// The settings of a sysctl.d file as the /proc/sys files they write: ("/proc/sys/a/b", "v")
/// for each "a.b = v" line.
std::vector<std::pair<std::string, std::string>> sysctl_writes(const std::string& file) {
  std::ifstream in(file);
  EXPECT_TRUE(in) << file;
  std::vector<std::pair<std::string, std::string>> out;
  const auto trim = [](std::string s) {
    s.erase(0, s.find_first_not_of(" \t"));
    s.erase(s.find_last_not_of(" \t\r") + 1);
    return s;
  };
  for (std::string line; std::getline(in, line);) {
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos) {
      ADD_FAILURE() << file << ": not a setting: " << line;
      continue;
    }
    std::string key = trim(line.substr(0, eq));
    std::replace(key.begin(), key.end(), '.', '/');
    out.emplace_back("/proc/sys/" + key, trim(line.substr(eq + 1)));
  }
  return out;
}

constexpr int kNoNamespace = -1;  // this process may not make a network namespace (not root)
constexpr int kNotApplied = -2;   // a setting could not be written

/// In a new network namespace (the kernel's defaults) with `writes` applied: how many of
/// `senders` x `per_sender` small datagrams, sent without waiting to one Unix datagram socket
/// that nobody reads, the kernel takes. Runs in a child process, which makes only system calls.
int datagrams_taken(const std::vector<std::pair<std::string, std::string>>& writes, int senders, int per_sender) {
  socklen_t len = 0;
  const sockaddr_un to = testing::unix_address("@erralert-burst", len);
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return kNotApplied;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(pipe_fds[0]);
    const auto answer = [&](int n) {
      (void)!::write(pipe_fds[1], &n, sizeof n);
      ::_exit(0);
    };
    if (::unshare(CLONE_NEWNET) != 0) answer(kNoNamespace);
    for (const auto& [path, value] : writes) {
      const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
      const bool written = fd >= 0 && ::write(fd, value.data(), value.size()) == static_cast<ssize_t>(value.size());
      if (fd >= 0) ::close(fd);
      if (!written) answer(kNotApplied);
    }
    const int receiver = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (::bind(receiver, reinterpret_cast<const sockaddr*>(&to), len) != 0) answer(kNotApplied);
    const char event[64] = R"({"service":"payment-api","message":"upstream 502"})";
    int taken = 0;
    for (int s = 0; s < senders; ++s) {
      const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      for (int i = 0; i < per_sender; ++i) {
        if (::sendto(fd, event, sizeof event, 0, reinterpret_cast<const sockaddr*>(&to), len) < 0) break;
        ++taken;
      }
    }
    answer(taken);
  }
  ::close(pipe_fds[1]);
  int n = kNotApplied;
  if (pid < 0 || ::read(pipe_fds[0], &n, sizeof n) != sizeof n) n = kNotApplied;
  ::close(pipe_fds[0]);
  if (pid > 0) ::waitpid(pid, nullptr, 0);
  return n;
}

// The kernel queues at most net.unix.max_dgram_qlen datagrams on a Unix datagram socket (10 in
// a new namespace, whatever the receive buffer), so apps sending without waiting lose events in
// a burst while erralertd is busy; the sysctl drop-in raises it. Several senders, because each
// sending socket also holds only what its send buffer allows.
TEST(SystemdUnits, SysctlDropInLetsTheDatagramSocketHoldABurst) {
  const auto writes = sysctl_writes(std::string(ERRALERT_SOURCE_DIR) + "/systemd/sysctl.d/60-erralertd.conf");
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(writes[0].first, "/proc/sys/net/unix/max_dgram_qlen");
  constexpr int kSenders = 4;
  constexpr int kEach = 150;
  const int by_default = datagrams_taken({}, kSenders, kEach);
  if (by_default == kNoNamespace) GTEST_SKIP() << "needs root, for a network namespace of its own";
  const int with_drop_in = datagrams_taken(writes, kSenders, kEach);
  ASSERT_NE(with_drop_in, kNotApplied);
  EXPECT_LE(by_default, 11) << "the kernel's default queue";
  EXPECT_GE(with_drop_in, std::stoi(writes[0].second)) << "a burst of the drop-in's size waits for erralertd";
  EXPECT_GE(with_drop_in, 500) << "the burst the README promises room for";
  EXPECT_LT(with_drop_in, kSenders * kEach) << "and the limit is the drop-in's, not the senders'";
}

}  // namespace
}  // namespace erralert::app
