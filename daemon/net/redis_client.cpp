// RedisClient: a FIFO of runs, one connection, one deadline timer per run; hiredis frames the
// commands and parses the replies, Asio moves every byte.
#include "erralert/net/redis_client.hpp"

#include <hiredis/hiredis.h>
#include <string.h>  // explicit_bzero
#include <sys/socket.h>

#include <cerrno>
#include <deque>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace erralert::net {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kReadChunk = 64 * 1024;

/// What the replies of one run may still take; hiredis's array callback draws on it before it
/// allocates room for the elements an array announces.
struct Budget {
  std::size_t values_left = 0;
  bool exceeded = false;
};

/// hiredis's default reply functions, but for an array creation that counts against the Budget
/// in the reader's privdata: "*2000000000\r\n" is 14 bytes that would make hiredis allocate
/// 16 GB of element pointers.
struct ReaderFunctions {
  redisReplyObjectFunctions budgeted{};
  void* (*create_array)(const redisReadTask*, int) = nullptr;
};

const ReaderFunctions& reader_functions();

void* create_budgeted_array(const redisReadTask* task, int elements) {
  auto* budget = static_cast<Budget*>(task->privdata);
  if (budget != nullptr && elements > 0) {
    if (static_cast<std::size_t>(elements) > budget->values_left) {
      budget->exceeded = true;
      return nullptr;  // hiredis sets an error and stops parsing
    }
    budget->values_left -= static_cast<std::size_t>(elements);
  }
  return reader_functions().create_array(task, elements);
}

const ReaderFunctions& reader_functions() {
  static const ReaderFunctions functions = [] {
    ReaderFunctions f;
    redisReader* probe = redisReaderCreate();  // the only way to reach hiredis's defaults
    if (probe == nullptr) throw std::bad_alloc();
    f.budgeted = *probe->fn;
    redisReaderFree(probe);
    f.create_array = f.budgeted.createArray;
    f.budgeted.createArray = &create_budgeted_array;
    return f;
  }();
  return functions;
}

struct ReaderDeleter {
  void operator()(redisReader* r) const { redisReaderFree(r); }
};
using ReaderPtr = std::unique_ptr<redisReader, ReaderDeleter>;

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

/// A reader that charges `budget` for every array it parses.
ReaderPtr make_reader(Budget* budget) {
  ReaderPtr reader(redisReaderCreateWithFunctions(const_cast<redisReplyObjectFunctions*>(&reader_functions().budgeted)));
  if (!reader) throw std::bad_alloc();
  reader->privdata = budget;
  return reader;
}

RedisReply convert(const redisReply& r) {
  RedisReply out;
  switch (r.type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::string;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::status;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::error;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::integer;
      out.integer = r.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::array;
      out.elements.reserve(r.elements);
      for (std::size_t i = 0; i < r.elements; ++i) {
        out.elements.push_back(r.element[i] != nullptr ? convert(*r.element[i]) : RedisReply{});
      }
      break;
    default:  // REDIS_REPLY_NIL
      break;
  }
  return out;
}

/// Appends `args` framed as a RESP array of bulk strings (binary-safe); false when hiredis
/// cannot (out of memory). `secret`: wipe hiredis's copy before freeing it (AUTH).
bool append_command(std::string& out, const std::vector<std::string>& args, bool secret = false) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  char* framed = nullptr;
  const int n = redisFormatCommandArgv(&framed, static_cast<int>(args.size()), argv.data(), lengths.data());
  if (n < 0 || framed == nullptr) return false;
  out.append(framed, static_cast<std::size_t>(n));
  if (secret) explicit_bzero(framed, static_cast<std::size_t>(n));
  redisFreeCommand(framed);
  return true;
}

void wipe(std::string& s) {
  if (!s.empty()) explicit_bzero(s.data(), s.size());
  s.clear();
}

enum class Step { resolve, connect, auth, select, write, read };

std::string step_name(Step step) {
  switch (step) {
    case Step::resolve: return "resolve";
    case Step::connect: return "connect";
    case Step::auth: return "AUTH";
    case Step::select: return "SELECT";
    case Step::write: return "write";
    case Step::read: return "read";
  }
  return "run";
}

/// What one run shares with its deadline timer and with close().
struct Watch {
  bool fired = false;   ///< the deadline passed
  bool closed = false;  ///< close() or the destructor
  bool done = false;    ///< the run is over: the timer must not touch the connection
};

/// A run waiting for its turn; its timer expires at the run's deadline, and is cancelled to
/// wake it when the run before it leaves.
struct Waiter {
  Waiter(const asio::any_io_executor& ex, Clock::time_point deadline) : timer(ex, deadline) {}
  asio::steady_timer timer;
};

/// A name resolution raced against the deadline: getaddrinfo cannot be interrupted, so the run
/// stops waiting for it rather than waiting for it to give up.
struct Resolution {
  Resolution(const asio::any_io_executor& ex, Clock::time_point deadline) : wake(ex, deadline) {}
  asio::steady_timer wake;
  bool done = false;
  error_code ec;
  std::vector<tcp::endpoint> endpoints;
};

}  // namespace

struct RedisClient::Impl {
  Impl(const asio::any_io_executor& ex, core::RedisUrl url, std::chrono::milliseconds timeout)
      : ex_(ex),
        url_(std::move(url)),
        timeout_(timeout),
        where_("redis " + (url_.host.find(':') != std::string::npos ? "[" + url_.host + "]" : url_.host) + ":" +
               std::to_string(url_.port)),
        socket_(ex),
        read_buffer_(kReadChunk) {}

  static asio::awaitable<RedisResult> run(std::shared_ptr<Impl> self, std::vector<std::vector<std::string>> commands,
                                          Clock::time_point deadline);
  /// Opens a fresh connection and says AUTH and SELECT on it; why not, or empty.
  asio::awaitable<std::string> connect(Watch& watch, Clock::time_point deadline, std::size_t& bytes_left);
  asio::awaitable<std::string> resolve(Watch& watch, Clock::time_point deadline, std::vector<tcp::endpoint>& out);
  /// Reads `n` more replies into `out`; why not, or empty.
  asio::awaitable<std::string> read_replies(std::size_t n, std::vector<RedisReply>& out, Step step, Watch& watch,
                                            std::size_t& bytes_left);
  /// Why `ec` (or the watch) ended `step`, in words without the password.
  std::string describe(const error_code& ec, Step step, const Watch& watch) const;
  /// The parser's complaint, once redisReaderGetReply or redisReaderFeed failed.
  std::string parse_error() const;
  /// A failed result, the text prefixed and scrubbed of the password.
  RedisResult error_result(std::string why) const;
  /// error_result(), once the connection is dropped: its state is unknown.
  RedisResult fail(std::string why);
  /// Whether the kept connection is open, fully read, and not closed by the server meanwhile.
  bool reusable();
  /// Wakes the run that is first in the queue now.
  void wake_front();
  void leave(const std::shared_ptr<Waiter>& me);
  /// Closes the socket; operations in flight end with operation_aborted.
  void close_socket();
  /// Forgets the connection and its parser state; only when no operation is pending on it.
  void drop();
  /// Interrupts the run in flight (close() and the destructor).
  void interrupt();

  asio::any_io_executor ex_;
  core::RedisUrl url_;
  std::chrono::milliseconds timeout_;
  std::string where_;  ///< "redis host:port", the prefix of every error
  tcp::socket socket_;
  ReaderPtr reader_;  ///< one per connection: a dropped connection takes its half-read reply along
  Budget budget_;
  std::vector<char> read_buffer_;
  std::deque<std::shared_ptr<Waiter>> queue_;  ///< the front one holds the connection
  std::shared_ptr<Watch> active_;              ///< the run holding the connection
  std::weak_ptr<Resolution> resolving_;
  bool destroyed_ = false;
};

std::string RedisClient::Impl::describe(const error_code& ec, Step step, const Watch& watch) const {
  const std::string what = step_name(step);
  if (watch.fired) return "timed out after " + std::to_string(timeout_.count()) + " ms during " + what;
  if (watch.closed) return "connection closed by the client during " + what;
  if (step == Step::connect && ec == asio::error::connection_refused) return "connection refused";
  if (ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::error::broken_pipe) {
    return "connection closed by the server during " + what;
  }
  if (step == Step::resolve) return "cannot resolve the host: " + ec.message();
  return what + " failed: " + ec.message();
}

std::string RedisClient::Impl::parse_error() const {
  if (budget_.exceeded) return "protocol error: replies of over " + std::to_string(kMaxRedisReplyValues) + " values";
  if (reader_ && reader_->err == REDIS_ERR_OOM) return "out of memory while parsing a reply";
  std::string_view why = reader_ ? reader_->errstr : "no parser";
  if (why.starts_with("Protocol error, ")) why.remove_prefix(16);  // hiredis: "Protocol error, got ..."
  return "protocol error: " + std::string(why);
}

RedisResult RedisClient::Impl::fail(std::string why) {
  drop();
  return error_result(std::move(why));
}

RedisResult RedisClient::Impl::error_result(std::string why) const {
  RedisResult r;
  r.error = where_ + ": " + why;
  // The password is never put in a message, but an error reply comes from the other end, which
  // might echo what it was sent (a proxy, or not Redis at all).
  const auto& secret = url_.password;
  if (!secret.empty()) {
    for (auto at = r.error.find(secret); at != std::string::npos; at = r.error.find(secret, at)) {
      r.error.replace(at, secret.size(), "[redacted]");
      at += 10;
    }
  }
  return r;
}

bool RedisClient::Impl::reusable() {
  if (!reader_ || !socket_.is_open()) return false;
  if (reader_->pos != reader_->len || reader_->ridx != -1) return false;  // bytes beyond our replies
  // An idle connection has nothing to say: a FIN (0) or bytes (> 0) mean the server closed it
  // or is out of step. Peek without blocking and without consuming.
  char byte = 0;
  const auto n = ::recv(socket_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void RedisClient::Impl::close_socket() {
  error_code ignored;
  socket_.close(ignored);
}

void RedisClient::Impl::drop() {
  close_socket();
  reader_.reset();
}

void RedisClient::Impl::interrupt() {
  if (active_) {
    active_->closed = true;
    close_socket();  // the run sees operation_aborted, drops the rest itself
    if (auto r = resolving_.lock()) r->wake.cancel();
  } else {
    drop();
  }
}

void RedisClient::Impl::wake_front() {
  if (!queue_.empty()) queue_.front()->timer.cancel();
}

void RedisClient::Impl::leave(const std::shared_ptr<Waiter>& me) {
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (*it != me) continue;
    const bool was_front = it == queue_.begin();
    queue_.erase(it);
    if (was_front) wake_front();
    return;
  }
}

asio::awaitable<std::string> RedisClient::Impl::resolve(Watch& watch, Clock::time_point deadline,
                                                         std::vector<tcp::endpoint>& out) {
  auto resolution = std::make_shared<Resolution>(ex_, deadline);
  auto resolver = std::make_shared<tcp::resolver>(ex_);
  resolving_ = resolution;
  resolver->async_resolve(url_.host, std::to_string(url_.port),
                          [resolution, resolver](const error_code& ec, const tcp::resolver::results_type& results) {
                            resolution->ec = ec;
                            for (const auto& entry : results) resolution->endpoints.push_back(entry.endpoint());
                            resolution->done = true;
                            resolution->wake.cancel();
                          });
  while (!resolution->done && !watch.closed && Clock::now() < deadline) {
    co_await resolution->wake.async_wait(use_tuple);
  }
  resolving_.reset();
  if (!resolution->done) {
    resolver->cancel();  // stops it if it has not started; its handler keeps what it needs
    watch.fired = watch.fired || !watch.closed;
    co_return describe({}, Step::resolve, watch);
  }
  if (resolution->ec) co_return describe(resolution->ec, Step::resolve, watch);
  if (resolution->endpoints.empty()) co_return "cannot resolve the host: no addresses";
  out = std::move(resolution->endpoints);
  co_return std::string();
}

asio::awaitable<std::string> RedisClient::Impl::connect(Watch& watch, Clock::time_point deadline,
                                                         std::size_t& bytes_left) {
  drop();
  std::vector<tcp::endpoint> endpoints;
  error_code aec;
  const auto address = asio::ip::make_address(url_.host, aec);
  if (!aec) {
    endpoints.emplace_back(address, url_.port);
  } else {
    std::string why = co_await resolve(watch, deadline, endpoints);
    if (!why.empty()) co_return why;
  }
  auto [cec, ep] = co_await asio::async_connect(socket_, endpoints, use_tuple);
  if (cec || watch.fired || watch.closed) co_return describe(cec, Step::connect, watch);
  error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  reader_ = make_reader(&budget_);

  // AUTH and SELECT pipelined: when AUTH fails, SELECT fails too (NOAUTH) and nothing else ran.
  std::string hello;
  std::vector<Step> steps;
  if (!url_.password.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!url_.user.empty()) auth.push_back(url_.user);
    auth.push_back(url_.password);
    const bool framed = append_command(hello, auth, true);
    for (auto& a : auth) wipe(a);
    if (!framed) co_return "out of memory framing AUTH";
    steps.push_back(Step::auth);
  }
  if (url_.db != 0) {
    if (!append_command(hello, {"SELECT", std::to_string(url_.db)})) co_return "out of memory framing SELECT";
    steps.push_back(Step::select);
  }
  if (steps.empty()) co_return std::string();
  auto [wec, wn] = co_await asio::async_write(socket_, asio::buffer(hello), use_tuple);
  wipe(hello);
  if (wec || watch.fired || watch.closed) co_return describe(wec, steps.front(), watch);

  std::vector<RedisReply> replies;
  std::string why = co_await read_replies(steps.size(), replies, steps.front(), watch, bytes_left);
  if (!why.empty()) co_return why;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const std::string what = steps[i] == Step::auth ? "AUTH" : "SELECT " + std::to_string(url_.db);
    if (replies[i].is_error()) co_return what + " failed: " + replies[i].str;
    if (!replies[i].is_ok()) co_return what + " failed: an unexpected reply";
  }
  co_return std::string();
}

asio::awaitable<std::string> RedisClient::Impl::read_replies(std::size_t n, std::vector<RedisReply>& out, Step step,
                                                              Watch& watch, std::size_t& bytes_left) {
  const std::size_t want = out.size() + n;
  while (out.size() < want) {
    void* raw = nullptr;
    if (redisReaderGetReply(reader_.get(), &raw) != REDIS_OK) co_return parse_error();
    if (raw != nullptr) {
      ReplyPtr reply(static_cast<redisReply*>(raw));
      if (budget_.values_left == 0) {
        budget_.exceeded = true;
        co_return parse_error();
      }
      --budget_.values_left;
      out.push_back(convert(*reply));
      continue;
    }
    auto [ec, got] = co_await socket_.async_read_some(asio::buffer(read_buffer_), use_tuple);
    if (ec || watch.fired || watch.closed) co_return describe(ec, step, watch);
    if (got > bytes_left) {
      co_return "protocol error: replies of over " + std::to_string(kMaxRedisReplyBytes / (1024 * 1024)) + " MiB";
    }
    bytes_left -= got;
    if (redisReaderFeed(reader_.get(), read_buffer_.data(), got) != REDIS_OK) co_return parse_error();
  }
  co_return std::string();
}

asio::awaitable<RedisResult> RedisClient::Impl::run(std::shared_ptr<Impl> self,
                                                    std::vector<std::vector<std::string>> commands,
                                                    Clock::time_point deadline) {
  if (commands.empty()) co_return RedisResult{};
  // Framed now, and checked before anything is sent: a bad call leaves the connection as it is.
  const std::size_t count = commands.size();
  if (count > kMaxRedisReplyValues) {
    co_return self->error_result("over " + std::to_string(kMaxRedisReplyValues) + " commands in one run");
  }
  std::string payload;
  for (std::size_t i = 0; i < count; ++i) {
    if (commands[i].empty()) {
      co_return self->error_result("command " + std::to_string(i + 1) + " of " + std::to_string(count) + " is empty");
    }
    if (!append_command(payload, commands[i])) co_return self->error_result("out of memory framing the commands");
  }
  std::vector<std::vector<std::string>>().swap(commands);  // only the framed copy waits its turn

  // Wait for the runs before this one; the front of the queue holds the connection.
  auto me = std::make_shared<Waiter>(self->ex_, deadline);
  self->queue_.push_back(me);
  struct Turn {
    Impl& impl;
    std::shared_ptr<Waiter> me;
    ~Turn() { impl.leave(me); }
  } turn{*self, me};
  while (self->queue_.front() != me && !self->destroyed_ && Clock::now() < deadline) {
    co_await me->timer.async_wait(use_tuple);
  }
  // Neither drops the connection: it belongs to the run in front, if any.
  if (self->destroyed_) co_return self->error_result("the client was destroyed before this call's turn");
  if (self->queue_.front() != me || Clock::now() >= deadline) {
    co_return self->error_result("timed out after " + std::to_string(self->timeout_.count()) +
                                 " ms waiting for earlier calls");
  }

  // From here the deadline is a timer that closes the socket: every pending step then ends.
  auto watch = std::make_shared<Watch>();
  self->active_ = watch;
  struct Active {
    Impl& impl;
    Watch& watch;
    ~Active() {
      watch.done = true;
      impl.active_.reset();
    }
  } active{*self, *watch};
  asio::steady_timer watchdog(self->ex_, deadline);
  watchdog.async_wait([self, watch](const error_code& ec) {
    if (ec || watch->done) return;
    watch->fired = true;
    self->close_socket();
    if (auto r = self->resolving_.lock()) r->wake.cancel();
  });

  self->budget_ = Budget{kMaxRedisReplyValues, false};
  std::size_t bytes_left = kMaxRedisReplyBytes;
  if (!self->reusable()) {
    std::string why = co_await self->connect(*watch, deadline, bytes_left);
    if (!why.empty()) co_return self->fail(std::move(why));
  }
  auto [wec, wn] = co_await asio::async_write(self->socket_, asio::buffer(payload), use_tuple);
  if (wec || watch->fired || watch->closed) co_return self->fail(self->describe(wec, Step::write, *watch));
  RedisResult result;
  result.replies.reserve(count);
  std::string why = co_await self->read_replies(count, result.replies, Step::read, *watch, bytes_left);
  if (!why.empty()) co_return self->fail(std::move(why));
  watchdog.cancel();
  co_return result;
}

RedisClient::RedisClient(const asio::any_io_executor& ex, core::RedisUrl url, std::chrono::milliseconds timeout)
    : impl_(std::make_shared<Impl>(ex, std::move(url), timeout)) {}

RedisClient::~RedisClient() {
  impl_->destroyed_ = true;
  for (auto& waiter : impl_->queue_) waiter->timer.cancel();
  impl_->interrupt();
}

asio::awaitable<RedisResult> RedisClient::run(std::vector<std::vector<std::string>> commands) {
  // Not a coroutine itself: the deadline starts now, when the call is made.
  return Impl::run(impl_, std::move(commands), Clock::now() + impl_->timeout_);
}

void RedisClient::close() { impl_->interrupt(); }

}  // namespace erralert::net
