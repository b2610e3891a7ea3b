// DaemonProcess: the real erralertd started on a temporary config, port 0 and a temporary
// socket directory, with its stdout and stderr captured; for integration tests.
//
//   DaemonProcess d(R"(receivers: [{name: console, type: console}])");
//   http_post(d.port(), "/v1/events", body);
//   ASSERT_TRUE(d.wait_for_stdout_lines(1));
//   EXPECT_EQ(d.terminate(), 0);
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace erralert::testing {

/// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

/// Writes `text` to `path`.
void write_file(const std::string& path, const std::string& text);
/// The bytes of the file at `path`; empty when it cannot be read.
std::string read_file(const std::string& path);

/// waitpid with a deadline (poll() on a pidfd wakes exactly when `pid` exits): true once it
/// exited and was reaped, with its exit code in `code` (-1 when a signal ended it).
bool wait_exit(pid_t pid, int& code, std::chrono::milliseconds timeout);

/// Runs `erralertd` with `args` to completion (bounded) and returns its exit code and output.
struct CommandResult {
  int exit_code = -1;
  std::string out, err;
};
/// A run that outlasts `timeout` is killed (exit_code -2); `file_size_limit` >= 0 sets
/// RLIMIT_FSIZE, as DaemonProcess's does.
CommandResult run_erralertd(const std::vector<std::string>& args, const std::string& stdin_text = "",
                            std::chrono::seconds timeout = std::chrono::seconds(30), long file_size_limit = -1);

/// One line of a `receivers:` list: `extra` adds keys, e.g. ", max_delay: 1s".
inline std::string receiver_yaml(const std::string& name, const std::string& type, const std::string& url,
                                 const std::string& extra = "") {
  return "  - {name: " + name + ", type: " + type + ", url: \"" + url + "\"" + extra + "}\n";
}

/// What a test adds to a daemon's start beyond its config.
struct LaunchOptions {
  std::vector<std::string> env;  ///< "NAME=value" entries added to the daemon's environment
  /// Sockets handed over as systemd's socket activation does: as fds 3, 4, ... with LISTEN_FDS
  /// and LISTEN_PID (the daemon's own PID) set.
  std::vector<int> passed_sockets;
  /// Keys added to the storage block after `dir`, one a line, e.g. "commit_interval: 50ms".
  std::string storage_yaml;
  /// >= 0: RLIMIT_NOFILE (soft and hard) of the daemon, to run it out of descriptors.
  long open_files_limit = -1;
};

class DaemonProcess {
 public:
  /// `extra_yaml` is appended to a config whose server block (port 0, sockets and storage in
  /// a temp dir) is written by the harness; it must hold at least `receivers:`. `server_yaml`
  /// adds keys to server.http (e.g. "token: abc"); `server_yaml` to server; `storage_dir`
  /// replaces the temp storage (to restart on the spool of an earlier daemon);
  /// `file_size_limit` >= 0 caps every file the daemon writes (RLIMIT_FSIZE), as a full disk.
  explicit DaemonProcess(const std::string& extra_yaml, const std::string& http_yaml = "",
                         const std::string& server_yaml = "", const std::string& storage_dir = "",
                         long file_size_limit = -1, const LaunchOptions& launch = {});
  DaemonProcess(const std::string& extra_yaml, const LaunchOptions& launch)
      : DaemonProcess(extra_yaml, "", "", "", -1, launch) {}
  ~DaemonProcess();

  std::uint16_t port() const { return port_; }
  std::string stream_socket() const { return dir_.file("ingest.sock"); }
  std::string dgram_socket() const { return dir_.file("ingest.dgram"); }
  std::string storage_dir() const { return storage_dir_; }
  /// The config file the daemon runs on (rewrite it, then reload).
  std::string config_path() const { return dir_.file("erralert.yaml"); }
  pid_t pid() const { return pid_; }

  /// Waits (at most `timeout`) until stdout holds at least `n` lines.
  bool wait_for_stdout_lines(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// Events the console receiver's lines account for: the sum of their `count=` fields (the
  /// count invariant, read off stdout).
  std::uint64_t console_count() const;
  /// Waits (at most `timeout`) until console_count() is at least `n`.
  bool wait_for_console_count(std::uint64_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// Waits (at most `timeout`) until stderr contains `text`.
  bool wait_for_stderr(const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::vector<std::string> stdout_lines() const;
  std::string stderr_text() const;

  /// Sends `sig` (SIGHUP: a reload).
  void signal(int sig);
  /// Replaces the config file (atomically, by a rename) with the harness's server and storage
  /// blocks and `extra_yaml` in place of the one it started with.
  void rewrite_config(const std::string& extra_yaml);
  /// SIGHUP, then waits (at most `timeout`) until the daemon logs that this reload succeeded.
  bool reload(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// Sends SIGTERM and waits (bounded) for the exit; returns the exit code, -1 when killed.
  int terminate(std::chrono::milliseconds timeout = std::chrono::seconds(15));
  /// Whether the process is still running.
  bool alive();
  /// SIGKILL, as a crash would: nothing is flushed, nothing cleaned up.
  void kill_hard();
  /// Lifts the running daemon's RLIMIT_FSIZE (prlimit), as space coming back to a full disk;
  /// false when this process may not (raising a hard limit takes CAP_SYS_RESOURCE).
  bool lift_file_size_limit();

 private:
  void reader(int fd, std::string& into);
  /// Waits for both output readers to reach the end of their pipes (call once the process is gone).
  void join_readers();
  bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) const;

  TempDir dir_;
  std::string storage_dir_;
  std::string base_yaml_;  ///< the config the harness writes before `extra_yaml`
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  int exit_code_ = -1;
  bool exited_ = false;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::string out_, err_;
  std::thread out_thread_, err_thread_;
};

}  // namespace erralert::testing
