// Unix socket ingest: a stream socket (NDJSON, no answers) and a datagram socket (one event each).
//
//   UnixStreamListener s(ex, "/run/erralert/ingest.sock", 0660, 65536, sink);
//   s.start();          // binds, sets the mode; throws std::system_error when it cannot
//   s.stop();           // closes and removes the socket file
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/local/datagram_protocol.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>

#include "erralert/net/connection_guard.hpp"

namespace erralert::net {

/// The Unix socket an event came through: a stream ("unix") or datagrams ("unix_dgram").
enum class UnixTransport { stream, datagram };

/// The transport label of events_received_total and of log lines: "unix" or "unix_dgram".
std::string_view to_string(UnixTransport t);

/// Where Unix listeners hand event texts; the daemon's intake implements it.
class TextSink {
 public:
  virtual ~TextSink() = default;
  virtual bool has_space() const = 0;
  /// Suspends until has_space() or the daemon stops.
  virtual boost::asio::awaitable<void> space() = 0;
  virtual void submit_text(std::string_view text, UnixTransport transport) = 0;
  /// Counts and logs an event that was over the size limit, whose bytes were never kept.
  virtual void refuse_oversized(std::size_t bytes, UnixTransport transport) = 0;
};

/// Creates the socket's directory when missing and removes a stale socket file at `path`.
/// Throws std::system_error when `path` exists and is not a socket, or is a socket that a
/// process listens on (a connection of `type`, SOCK_STREAM or SOCK_DGRAM, succeeds):
/// "PATH is in use by another process".
void prepare_socket_path(const std::string& path, int type);

/// Whether a connection of `type` to the socket at `path` succeeds: someone serves it.
bool socket_in_use(const std::string& path, int type);

/// The socket file a listener bound, so it can tell that the file is still its own: removed or
/// replaced (by hand, or by another process binding the same path), it no longer reaches us.
class SocketFile {
 public:
  explicit SocketFile(const std::string& path);
  /// The path still holds the socket file that was bound.
  bool present() const;

 private:
  std::string path_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
};

/// A stream listener's limits (server.max_connections, server.unix.idle_timeout).
struct StreamLimits {
  std::size_t max_connections = 1024;
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
};

class UnixStreamListener {
 public:
  UnixStreamListener(const boost::asio::any_io_executor& ex, std::string path, unsigned mode,
                     std::size_t max_line_bytes, TextSink& sink, const StreamLimits& limits = {});
  ~UnixStreamListener();
  /// Binds `path`; given `passed`, a listening socket from systemd, accepts on it instead (its
  /// file and mode are systemd's, and stop() leaves the file in place).
  void start(std::optional<int> passed = std::nullopt);
  void stop();
  /// The socket's path.
  std::string path() const;
  /// False once the socket file this listener bound is gone or replaced (for /readyz); true for
  /// a socket systemd passed.
  bool socket_file_present() const;
  /// Connections refused or idle ones closed at the limits (connections_refused_total).
  const ConnectionGuard& guard() const { return guard_; }
  /// Closes the connection that sent nothing for longest; false when none is reading.
  bool close_longest_idle();

 private:
  struct Session {
    boost::asio::local::stream_protocol::socket* socket;
    std::chrono::steady_clock::time_point idle_since;
    bool idle;  ///< waiting for the sender (not for queue space)
  };
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> session(boost::asio::local::stream_protocol::socket socket);
  boost::asio::awaitable<void> idle_sweep();

  boost::asio::any_io_executor ex_;
  std::string path_;
  unsigned mode_;
  std::size_t max_line_;
  std::chrono::milliseconds idle_timeout_;
  TextSink& sink_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  ConnectionGuard guard_;
  boost::asio::steady_timer sweep_timer_;
  std::list<Session> sessions_;
  std::optional<SocketFile> file_;
  bool bound_ = false;
  bool stopped_ = false;
  bool sweeping_ = false;
};

class UnixDgramListener {
 public:
  UnixDgramListener(const boost::asio::any_io_executor& ex, std::string path, unsigned mode,
                    std::size_t max_event_bytes, TextSink& sink);
  ~UnixDgramListener();
  /// Binds `path`, or receives on `passed`, a bound datagram socket from systemd.
  void start(std::optional<int> passed = std::nullopt);
  void stop();
  /// The socket's path.
  std::string path() const;
  /// False once the socket file this listener bound is gone or replaced (for /readyz).
  bool socket_file_present() const;

 private:
  boost::asio::awaitable<void> receive_loop();
  /// Hands one received datagram on (one over the limit is refused).
  void take(std::string_view datagram);

  /// Datagrams read per wake-up before the loop goes back to the reactor (and lets HTTP in).
  static constexpr int kDrainBatch = 64;

  boost::asio::any_io_executor ex_;
  std::string path_;
  unsigned mode_;
  std::size_t max_event_;
  TextSink& sink_;
  boost::asio::local::datagram_protocol::socket socket_;
  std::optional<SocketFile> file_;
  bool bound_ = false;
};

}  // namespace erralert::net
