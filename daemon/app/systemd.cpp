// systemd's sd_notify and socket-activation protocols, as sd_notify(3) and sd_listen_fds(3)
// describe them, written out: one datagram per state change, fds from 3 on.
#include "erralert/app/systemd.hpp"

#include <fcntl.h>
#include <netinet/in.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <utility>

#include <spdlog/spdlog.h>

namespace erralert::app {

namespace {

constexpr int kFirstPassedFd = 3;  // SD_LISTEN_FDS_START

template <class Int>
std::optional<Int> parse_number(std::string_view text) {
  Int n{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return n;
}

std::string_view env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string_view(v) : std::string_view();
}

}  // namespace

ServiceNotifier ServiceNotifier::from_environment() {
  std::string socket(env_or_empty("NOTIFY_SOCKET"));
  std::string watchdog(env_or_empty("WATCHDOG_USEC"));
  const auto watchdog_pid = parse_number<pid_t>(env_or_empty("WATCHDOG_PID"));
  if (watchdog_pid && *watchdog_pid != ::getpid()) watchdog.clear();  // meant for another process
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
  return ServiceNotifier(socket, watchdog);
}

ServiceNotifier::ServiceNotifier(std::string_view socket, std::string_view watchdog_usec) {
  if (socket.empty()) return;
  if (socket.size() >= sizeof addr_.sun_path || (socket[0] != '/' && socket[0] != '@')) {
    spdlog::warn("NOTIFY_SOCKET is not a socket path; systemd will not hear from erralertd");
    return;
  }
  addr_.sun_family = AF_UNIX;
  std::memcpy(addr_.sun_path, socket.data(), socket.size());
  if (socket[0] == '@') addr_.sun_path[0] = '\0';  // the abstract namespace
  addr_len_ = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket.size());
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    spdlog::warn("cannot open a socket for NOTIFY_SOCKET: {}", std::strerror(errno));
    return;
  }
  if (const auto usec = parse_number<std::uint64_t>(watchdog_usec); usec && *usec > 0) {
    watchdog_interval_ = std::chrono::microseconds(*usec / 2);
  }
}

ServiceNotifier::~ServiceNotifier() {
  if (fd_ >= 0) ::close(fd_);
}

ServiceNotifier::ServiceNotifier(ServiceNotifier&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      addr_(other.addr_),
      addr_len_(other.addr_len_),
      watchdog_interval_(other.watchdog_interval_),
      warned_(other.warned_) {}

ServiceNotifier& ServiceNotifier::operator=(ServiceNotifier&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    addr_ = other.addr_;
    addr_len_ = other.addr_len_;
    watchdog_interval_ = other.watchdog_interval_;
    warned_ = other.warned_;
  }
  return *this;
}

void ServiceNotifier::notify(std::string_view state) {
  if (fd_ < 0) return;
  const ssize_t n = ::sendto(fd_, state.data(), state.size(), MSG_NOSIGNAL,
                             reinterpret_cast<const sockaddr*>(&addr_), addr_len_);
  if (n < 0 && !warned_) {
    warned_ = true;  // once: a manager that went away would otherwise fill the log
    spdlog::warn("cannot notify systemd: {}", std::strerror(errno));
  }
}

int listen_fds_count(const char* listen_pid, const char* listen_fds, pid_t pid) {
  if (!listen_pid || !listen_fds) return 0;
  const auto for_pid = parse_number<pid_t>(listen_pid);
  const auto count = parse_number<int>(listen_fds);
  if (!for_pid || *for_pid != pid || !count || *count < 0) return 0;
  return *count;
}

ActivatedSockets classify_sockets(const std::vector<int>& fds) {
  ActivatedSockets out;
  for (const int fd : fds) {
    int type = 0;
    socklen_t type_len = sizeof type;
    sockaddr_storage addr{};
    socklen_t addr_len = sizeof addr;
    if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_len) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &addr_len) != 0) {
      out.problems.push_back("fd " + std::to_string(fd) + " is not a socket");
      continue;
    }
    const bool inet = addr.ss_family == AF_INET || addr.ss_family == AF_INET6;
    const bool local = addr.ss_family == AF_UNIX;
    std::optional<int>* slot = nullptr;
    std::string_view what;
    if (inet && type == SOCK_STREAM) {
      slot = &out.http;
      what = "TCP (http)";
    } else if (local && type == SOCK_STREAM) {
      slot = &out.unix_stream;
      what = "Unix stream";
    } else if (local && type == SOCK_DGRAM) {
      slot = &out.unix_dgram;
      what = "Unix datagram";
    } else {
      out.problems.push_back("fd " + std::to_string(fd) + " is neither a TCP stream nor a Unix stream or datagram socket");
      continue;
    }
    int listening = 0;
    socklen_t listening_len = sizeof listening;
    if (type == SOCK_STREAM &&
        (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &listening_len) != 0 || !listening)) {
      out.problems.push_back("fd " + std::to_string(fd) + " is a " + std::string(what) + " socket that is not listening");
      continue;
    }
    if (*slot) {
      out.problems.push_back("fd " + std::to_string(fd) + " is a second " + std::string(what) + " socket");
      continue;
    }
    *slot = fd;
  }
  return out;
}

ActivatedSockets take_activated_sockets() {
  const int count = listen_fds_count(std::getenv("LISTEN_PID"), std::getenv("LISTEN_FDS"), ::getpid());
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_FDNAMES");
  std::vector<int> fds;
  for (int fd = kFirstPassedFd; fd < kFirstPassedFd + count; ++fd) {
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    fds.push_back(fd);
  }
  return classify_sockets(fds);
}

}  // namespace erralert::app
