// RedisClient: sends batches of Redis commands, pipelined, on one kept connection, on Asio.
//
//   RedisClient redis(ex, std::get<core::RedisUrl>(core::parse_redis_url(url)), std::chrono::seconds(2));
//   RedisResult r = co_await redis.run({{"INCR", "events"}, {"GET", "last"}});
//   if (!r.ok()) log(r.error);                          // never holds the password
//   else if (r.replies[0].type == RedisReply::Type::integer) use(r.replies[0].integer);
//
// hiredis only frames commands and parses replies (RESP2); every byte goes through an Asio socket
// on the caller's executor. Asio and hiredis stay in the .cpp, so this header is cheap to include.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "erralert/core/url.hpp"

namespace erralert::net {

/// One reply of Redis's protocol (RESP2).
struct RedisReply {
  enum class Type { nil, integer, string, status, error, array };
  Type type = Type::nil;
  std::int64_t integer = 0;
  std::string str;                   ///< string, status and error text (binary-safe)
  std::vector<RedisReply> elements;  ///< array

  /// Whether this is a null bulk string or a null array.
  bool is_nil() const { return type == Type::nil; }
  /// Whether Redis refused the command ("-ERR ...", "-WRONGTYPE ...").
  bool is_error() const { return type == Type::error; }
  /// Whether this is the status reply "+OK".
  bool is_ok() const { return type == Type::status && str == "OK"; }
  bool operator==(const RedisReply&) const = default;
};

/// What one run() got.
struct RedisResult {
  /// Empty when every reply arrived; else why not (refused, timed out, closed, protocol).
  /// NEVER contains the password.
  std::string error;
  /// One per command, in order, when ok(). A command Redis refuses is a reply of Type::error here,
  /// not an error of the run.
  std::vector<RedisReply> replies;
  bool ok() const { return error.empty(); }
};

/// The most bytes the replies of one run() may take on the wire; more is a protocol error.
inline constexpr std::size_t kMaxRedisReplyBytes = 64 * 1024 * 1024;
/// The most values (replies and array elements at every depth) one run() may receive.
inline constexpr std::size_t kMaxRedisReplyValues = 1 << 20;

class RedisClient {
 public:
  /// `url.password` is a secret: kept private, never logged or returned. `timeout` bounds each
  /// run() as a whole (see run()). Runs and close() happen on `ex`, one thread (no locks).
  RedisClient(const boost::asio::any_io_executor& ex, core::RedisUrl url, std::chrono::milliseconds timeout);
  /// Closes the connection; a run() in flight, or waiting its turn, ends with an error.
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  /// Sends `commands` pipelined (one write) and reads one reply for each. Connects first when
  /// not connected, or when the kept connection was closed by the server while idle: AUTH
  /// ([user] password) when the URL has a password, then SELECT db when db is not 0.
  ///
  /// The timeout covers the whole call from the moment it is made: waiting for earlier calls
  /// (overlapping calls are served one at a time, in the order they were made), connecting,
  /// AUTH and SELECT, the write and every reply. Any failure (timeout, refused, reset, a
  /// protocol error, replies over kMaxRedisReplyBytes or kMaxRedisReplyValues, close()) drops the
  /// connection, so the next call starts on a fresh one and never reads a stale reply. Commands
  /// are never retried (INCR twice would count twice); after a failure some may have run. An
  /// empty command, or more than kMaxRedisReplyValues of them, fails before anything is sent.
  /// SUBSCRIBE, MONITOR and other commands that change the protocol are not supported.
  boost::asio::awaitable<RedisResult> run(std::vector<std::vector<std::string>> commands);

  /// Drops the connection; a run() in flight ends with an error, later ones reconnect.
  void close();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;  // shared with the runs in flight
};

}  // namespace erralert::net
