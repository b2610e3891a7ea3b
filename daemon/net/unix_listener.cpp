// Unix socket ingest. Back-pressure: when the pipeline queue is full, readers stop reading and
// the kernel's socket buffer holds the rest, so nothing accepted is ever dropped.
#include "erralert/net/unix_listener.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <filesystem>
#include <memory>
#include <system_error>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "erralert/core/ndjson.hpp"

namespace erralert::net {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using stream = asio::local::stream_protocol;
using dgram = asio::local::datagram_protocol;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

void set_mode(const std::string& path, unsigned mode) {
  if (::chmod(path.c_str(), static_cast<mode_t>(mode)) != 0) {
    throw std::system_error(errno, std::generic_category(), "chmod " + path);
  }
}

/// Where `socket` is bound (a passed socket's own path), else the configured path.
template <class Socket>
std::string bound_path(const Socket& socket, const std::string& configured) {
  boost::system::error_code ec;
  const auto ep = socket.local_endpoint(ec);
  return ec ? configured : ep.path();
}

void remove_socket_file(const std::string& path) {
  std::error_code ec;
  if (fs::is_socket(fs::symlink_status(path, ec))) fs::remove(path, ec);
}

}  // namespace

std::string_view to_string(UnixTransport t) { return t == UnixTransport::stream ? "unix" : "unix_dgram"; }

bool socket_in_use(const std::string& path, int type) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) return false;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  const int fd = ::socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return false;
  // A listener or a bound datagram socket answers; a stale file refuses (ECONNREFUSED). A full
  // backlog (EAGAIN) is a live listener too.
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  const bool live = rc == 0 || errno == EAGAIN || errno == EINPROGRESS;
  ::close(fd);
  return live;
}

void prepare_socket_path(const std::string& path, int type) {
  const fs::path p(path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
  std::error_code ec;
  const auto st = fs::symlink_status(p, ec);
  if (!fs::exists(st)) return;
  if (!fs::is_socket(st)) {
    throw std::system_error(std::make_error_code(std::errc::file_exists),
                            path + " exists and is not a socket");
  }
  // Only a stale socket is removed: taking a live one from another erralertd would leave that
  // one deaf while its /readyz says ready, and it would delete ours when it stops.
  if (socket_in_use(path, type)) {
    throw std::system_error(std::make_error_code(std::errc::address_in_use),
                            path + " is in use by another process");
  }
  fs::remove(p);
}

SocketFile::SocketFile(const std::string& path) : path_(path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    dev_ = st.st_dev;
    ino_ = st.st_ino;
  }
}

bool SocketFile::present() const {
  struct stat st {};
  return ::lstat(path_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == dev_ && st.st_ino == ino_;
}

// ---- stream ----

UnixStreamListener::UnixStreamListener(const asio::any_io_executor& ex, std::string path,
                                       unsigned mode, std::size_t max_line_bytes, TextSink& sink,
                                       const StreamLimits& limits)
    : ex_(ex),
      path_(std::move(path)),
      mode_(mode),
      max_line_(max_line_bytes),
      idle_timeout_(limits.idle_timeout),
      sink_(sink),
      acceptor_(ex),
      guard_(ex, "unix", limits.max_connections, [this] { return close_longest_idle(); }),
      sweep_timer_(ex) {}

UnixStreamListener::~UnixStreamListener() { stop(); }

void UnixStreamListener::start(std::optional<int> passed) {
  if (passed) {
    acceptor_.assign(stream(), *passed);
  } else {
    prepare_socket_path(path_, SOCK_STREAM);
    acceptor_.open();
    acceptor_.bind(stream::endpoint(path_));
    bound_ = true;
    file_.emplace(path_);
    set_mode(path_, mode_);
    acceptor_.listen(asio::socket_base::max_listen_connections);
  }
  asio::co_spawn(ex_, accept_loop(), asio::detached);
}

std::string UnixStreamListener::path() const { return bound_path(acceptor_, path_); }

void UnixStreamListener::stop() {
  stopped_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  sweep_timer_.cancel();
  for (auto& s : sessions_) s.socket->cancel(ignored);
  if (bound_ && file_ && file_->present()) remove_socket_file(path_);
  bound_ = false;
}

bool UnixStreamListener::close_longest_idle() {
  Session* oldest = longest_idle(sessions_);
  if (oldest == nullptr) return false;
  boost::system::error_code ignored;
  oldest->socket->close(ignored);  // the descriptor is free now; its read ends aborted
  oldest->idle = false;
  return true;
}

asio::awaitable<void> UnixStreamListener::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
    if (ec) {
      co_await guard_.accept_failed(ec);
      continue;
    }
    if (!guard_.admit(sessions_.size())) continue;
    asio::co_spawn(ex_, session(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> UnixStreamListener::idle_sweep() {
  // A sender that connects and never writes (or stops writing) holds a descriptor: closed once
  // idle for idle_timeout, as HTTP's keep-alive connections are. A session waiting for queue
  // space is not idle: the daemon is the one that stopped reading.
  while (!stopped_ && !sessions_.empty()) {
    sweep_timer_.expires_after(idle_timeout_ / 4 + std::chrono::milliseconds(1));
    co_await sweep_timer_.async_wait(use_tuple);
    const auto now = std::chrono::steady_clock::now();
    boost::system::error_code ignored;
    for (auto& c : sessions_) {
      if (c.idle && now - c.idle_since >= idle_timeout_) c.socket->close(ignored);
    }
  }
  sweeping_ = false;
}

asio::awaitable<void> UnixStreamListener::session(stream::socket socket) {
  auto self = sessions_.insert(sessions_.end(), Session{&socket, std::chrono::steady_clock::now(), true});
  if (!sweeping_) {
    sweeping_ = true;
    asio::co_spawn(ex_, idle_sweep(), asio::detached);
  }
  core::LineFramer framer(max_line_);
  std::vector<char> buf(64 * 1024);
  const auto on_line = [&](std::string_view line, bool overlong) {
    if (overlong) {
      sink_.refuse_oversized(max_line_ + 1, UnixTransport::stream);
    } else {
      sink_.submit_text(line, UnixTransport::stream);
    }
  };
  while (!stopped_) {
    if (!sink_.has_space()) {
      self->idle = false;
      co_await sink_.space();
    }
    if (stopped_ || !socket.is_open()) break;
    self->idle = true;
    self->idle_since = std::chrono::steady_clock::now();
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(buf), use_tuple);
    self->idle = false;
    if (n > 0) framer.feed(std::string_view(buf.data(), n), on_line);
    if (ec) break;
  }
  framer.finish(on_line);
  sessions_.erase(self);
  guard_.closed(sessions_.size());
}

bool UnixStreamListener::socket_file_present() const { return !file_ || file_->present(); }

// ---- datagram ----

UnixDgramListener::UnixDgramListener(const asio::any_io_executor& ex, std::string path, unsigned mode,
                                     std::size_t max_event_bytes, TextSink& sink)
    : ex_(ex), path_(std::move(path)), mode_(mode), max_event_(max_event_bytes), sink_(sink), socket_(ex) {}

UnixDgramListener::~UnixDgramListener() { stop(); }

void UnixDgramListener::start(std::optional<int> passed) {
  if (passed) {
    socket_.assign(dgram(), *passed);
  } else {
    prepare_socket_path(path_, SOCK_DGRAM);
    socket_.open();
    socket_.bind(dgram::endpoint(path_));
    bound_ = true;
    file_.emplace(path_);
    set_mode(path_, mode_);
  }
  socket_.non_blocking(true);  // receive() in the drain loop answers would_block, never waits
  // A burst waits in the socket up to net.unix.max_dgram_qlen datagrams, fixed when the socket
  // was created (systemd/sysctl.d/60-erralertd.conf); SO_RCVBUF does not enter into it.
  asio::co_spawn(ex_, receive_loop(), asio::detached);
}

std::string UnixDgramListener::path() const { return bound_path(socket_, path_); }

bool UnixDgramListener::socket_file_present() const { return !file_ || file_->present(); }

void UnixDgramListener::stop() {
  boost::system::error_code ignored;
  socket_.close(ignored);
  if (bound_ && file_ && file_->present()) remove_socket_file(path_);
  bound_ = false;
}

asio::awaitable<void> UnixDgramListener::receive_loop() {
  // One byte more than the limit tells an oversized datagram from one exactly at it. Not
  // zeroed: the kernel writes each datagram over it, so an idle daemon maps none of its pages.
  const std::size_t size = max_event_ + 1;
  const std::unique_ptr<char[]> buf(new char[size]);
  for (;;) {
    if (!sink_.has_space()) co_await sink_.space();
    if (!socket_.is_open()) break;
    auto [ec, n] = co_await socket_.async_receive(asio::buffer(buf.get(), size), use_tuple);
    if (ec == asio::error::operation_aborted || !socket_.is_open()) break;
    if (ec) continue;
    take(std::string_view(buf.get(), n));
    // Take what else is already queued without a trip through the reactor per datagram.
    for (int i = 1; i < kDrainBatch && sink_.has_space(); ++i) {
      n = socket_.receive(asio::buffer(buf.get(), size), 0, ec);
      if (ec) break;  // would_block: the queue is empty
      take(std::string_view(buf.get(), n));
    }
  }
}

void UnixDgramListener::take(std::string_view datagram) {
  if (datagram.size() > max_event_) {
    sink_.refuse_oversized(datagram.size(), UnixTransport::datagram);
  } else {
    sink_.submit_text(datagram, UnixTransport::datagram);
  }
}

}  // namespace erralert::net
