// Raw sockets for tests that play the other side of a protocol (a service manager, systemd's
// socket activation): an owning fd and the few socket set-ups those tests need.
//
//   Fd tcp(listening_tcp(&port));
//   Fd manager(bound_unix(dir.file("notify"), SOCK_DGRAM));
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace erralert::testing {

/// An fd the test owns, closed with it.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

/// The address of a Unix socket at `path`; "@name" is `name` in the abstract namespace.
inline sockaddr_un unix_address(const std::string& path, socklen_t& len) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, path.data(), std::min(path.size(), sizeof a.sun_path - 1));
  if (!path.empty() && path[0] == '@') a.sun_path[0] = '\0';
  len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
  return a;
}

/// A Unix socket of `type` (SOCK_STREAM: listening, SOCK_DGRAM: bound) at `path`; -1 on failure.
inline int bound_unix(const std::string& path, int type) {
  const int fd = ::socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
  socklen_t len = 0;
  const sockaddr_un a = unix_address(path, len);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&a), len) != 0 || (type == SOCK_STREAM && ::listen(fd, 16) != 0)) {
    ::close(fd);
    return -1;
  }
  return fd;
}

/// A TCP socket bound to 127.0.0.1 on a free port (written to `port`), listening unless told
/// otherwise; -1 on failure.
inline int loopback_tcp(std::uint16_t* port = nullptr, bool listening = true) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0 || (listening && ::listen(fd, 16) != 0) ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    return -1;
  }
  if (port) *port = ntohs(a.sin_port);
  return fd;
}

/// Makes every receive on `fd` give up after `limit`, so a test waiting for a message is bounded.
inline void bound_receives(int fd, std::chrono::seconds limit) {
  const timeval tv{static_cast<time_t>(limit.count()), 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

}  // namespace erralert::testing
