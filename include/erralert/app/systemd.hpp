// systemd integration without libsystemd: the sd_notify protocol (readiness, reload, stop,
// watchdog) and sockets passed by socket activation (LISTEN_PID, LISTEN_FDS).
//
//   ServiceNotifier notifier = ServiceNotifier::from_environment();   // inert outside systemd
//   notifier.notify("READY=1");
//   ActivatedSockets sockets = take_activated_sockets();              // fds systemd listens on
//   if (sockets.http) http.start(*sockets.http);
#pragma once

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace erralert::app {

/// Sends state lines ("READY=1", "RELOADING=1", "STOPPING=1", "WATCHDOG=1", "STATUS=...") to
/// the service manager over NOTIFY_SOCKET. Without NOTIFY_SOCKET every call does nothing.
class ServiceNotifier {
 public:
  /// Reads NOTIFY_SOCKET (a path, or "@name" in the abstract namespace) and WATCHDOG_USEC
  /// (honoured only when WATCHDOG_PID is unset or this process), then unsets them so that
  /// no child inherits them.
  static ServiceNotifier from_environment();
  /// From given values, for tests: `socket` as NOTIFY_SOCKET, `watchdog_usec` as WATCHDOG_USEC.
  ServiceNotifier(std::string_view socket, std::string_view watchdog_usec);
  ServiceNotifier() = default;
  ~ServiceNotifier();
  ServiceNotifier(ServiceNotifier&& other) noexcept;
  ServiceNotifier& operator=(ServiceNotifier&& other) noexcept;
  ServiceNotifier(const ServiceNotifier&) = delete;
  ServiceNotifier& operator=(const ServiceNotifier&) = delete;

  bool enabled() const { return fd_ >= 0; }
  /// How often to send WATCHDOG=1: half the manager's timeout; nullopt without a watchdog.
  std::optional<std::chrono::microseconds> watchdog_interval() const { return watchdog_interval_; }
  /// Sends `state` as one datagram; failures are logged once, never thrown.
  void notify(std::string_view state);

 private:
  int fd_ = -1;
  sockaddr_un addr_{};
  socklen_t addr_len_ = 0;
  std::optional<std::chrono::microseconds> watchdog_interval_;
  bool warned_ = false;
};

/// The listening sockets systemd passed, by what they are: a TCP stream socket serves HTTP, a
/// Unix stream socket the NDJSON stream, a Unix datagram socket datagrams.
struct ActivatedSockets {
  std::optional<int> http;
  std::optional<int> unix_stream;
  std::optional<int> unix_dgram;
  std::vector<std::string> problems;  ///< sockets that fit none of the three, or one too many
};

/// How many sockets LISTEN_PID and LISTEN_FDS pass to process `pid` (fds 3, 4, ...): 0 when
/// they are unset, malformed or meant for another process.
int listen_fds_count(const char* listen_pid, const char* listen_fds, pid_t pid);

/// Sorts the sockets passed by socket activation (marking them close-on-exec) and unsets
/// LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES.
ActivatedSockets take_activated_sockets();

/// Sorts the sockets `fds` into ActivatedSockets by family and type.
ActivatedSockets classify_sockets(const std::vector<int>& fds);

}  // namespace erralert::app
