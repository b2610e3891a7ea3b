// RedisServer: a real /usr/bin/redis-server on 127.0.0.1 and a free port, with no persistence
// and its files in a temp dir, for tests of the Redis client; stopped by its own PID.
//
//   RedisServer redis({"--requirepass", "secret"});
//   RedisClient client(ex, {"127.0.0.1", redis.port(), "", "secret", 0}, 1s);
//   EXPECT_EQ(redis.command({"GET", "k"}), "v");
//   redis.kill();   // as a crash; redis.start() brings it back on the same port
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "support/daemon_process.hpp"  // TempDir

namespace erralert::testing {

class RedisServer {
 public:
  /// Starts redis-server; `extra_args` are appended to its command line (e.g. "--requirepass",
  /// "secret"). Throws, saying why (and what redis-server logged), when it is not installed or
  /// does not answer PING within 10 s.
  explicit RedisServer(std::vector<std::string> extra_args = {});
  /// stop().
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  /// Whether /usr/bin/redis-server exists (tests fail rather than skip when it does not).
  static bool available();

  std::uint16_t port() const { return port_; }
  /// "redis://127.0.0.1:<port>/0" (no password, even when the server requires one).
  std::string url() const;
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }

  /// Starts the server again, on the same port, after stop() or kill(); waits until it answers.
  void start();
  /// SIGTERM, then waits for the exit; SIGKILL when it takes over 5 s. Nothing when not running.
  void stop();
  /// SIGKILL, as a crash, and waits for the exit.
  void kill();

  /// Sends one command over a fresh blocking connection (AUTH with --requirepass's password
  /// first, and SELECT `db` when not 0) and returns the reply as text: a string or status as
  /// is, an integer in decimal, "(nil)", "(error) <text>", an array as "[a, b]". Throws when
  /// the server cannot be reached.
  std::string command(const std::vector<std::string>& args, int db = 0) const;

 private:
  /// Forks redis-server on port_; true once it answers PING, false when it exited first.
  bool launch(std::string& why);
  /// The process_id of the server answering on port_ (AUTH first when it needs it); -1 when
  /// none answers.
  long answering_pid() const;

  TempDir dir_;
  std::vector<std::string> extra_args_;
  std::string password_;  ///< from --requirepass, for command()
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace erralert::testing
