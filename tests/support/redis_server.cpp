// RedisServer: fork/exec of redis-server with its output in a log file; readiness is a PING
// over hiredis's blocking API, polled with a bound; stop and kill wait on the PID's pidfd.
#include "support/redis_server.hpp"

#include <hiredis/hiredis.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>
#include <stdexcept>
#include <thread>

namespace erralert::testing {

namespace {

constexpr const char* kRedisServer = "/usr/bin/redis-server";
constexpr auto kReadyBound = std::chrono::seconds(10);
constexpr int kPortAttempts = 5;

/// A port on 127.0.0.1 that was free a moment ago: bound on port 0, then closed.
std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot bind a socket on 127.0.0.1 to find a free port");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

/// Waits at most `timeout` for `pid` to exit; true when it did and was reaped.
bool wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
  int code = 0;
  return erralert::testing::wait_exit(pid, code, timeout);
}

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;
struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

std::string render(const redisReply& r) {
  switch (r.type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS: return std::string(r.str, r.len);
    case REDIS_REPLY_ERROR: return "(error) " + std::string(r.str, r.len);
    case REDIS_REPLY_INTEGER: return std::to_string(r.integer);
    case REDIS_REPLY_ARRAY: {
      std::string out = "[";
      for (std::size_t i = 0; i < r.elements; ++i) out += (i ? ", " : "") + render(*r.element[i]);
      return out + "]";
    }
    default: return "(nil)";
  }
}

/// A blocking connection to 127.0.0.1:`port` with 1 s timeouts; null (and `why`) when none.
ContextPtr connect_blocking(std::uint16_t port, std::string& why) {
  const timeval bound{1, 0};
  ContextPtr c(redisConnectWithTimeout("127.0.0.1", port, bound));
  if (!c || c->err) {
    why = c ? c->errstr : "out of memory";
    return nullptr;
  }
  redisSetTimeout(c.get(), bound);
  return c;
}

/// One command on `c`; null (and `why`) when no reply came.
ReplyPtr send(redisContext* c, const std::vector<std::string>& args, std::string& why) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  ReplyPtr reply(static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(args.size()), argv.data(), lengths.data())));
  if (!reply) why = c->errstr;
  return reply;
}

}  // namespace

bool RedisServer::available() { return ::access(kRedisServer, X_OK) == 0; }

RedisServer::RedisServer(std::vector<std::string> extra_args) : extra_args_(std::move(extra_args)) {
  if (!available()) throw std::runtime_error("redis-server is not installed: run scripts/install-deps.sh");
  for (std::size_t i = 0; i + 1 < extra_args_.size(); ++i) {
    if (extra_args_[i] == "--requirepass") password_ = extra_args_[i + 1];
  }
  std::string why;
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    port_ = free_port();  // another process may take it before redis-server binds it: try again
    if (launch(why)) return;
  }
  throw std::runtime_error("redis-server did not start after " + std::to_string(kPortAttempts) +
                           " ports: " + why);
}

RedisServer::~RedisServer() { stop(); }

std::string RedisServer::url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

bool RedisServer::launch(std::string& why) {
  const std::string log = dir_.file("redis.log");
  std::vector<std::string> args{kRedisServer,  "--port",       std::to_string(port_), "--bind", "127.0.0.1",
                                "--save",      "",             "--appendonly",        "no",     "--dir",
                                dir_.path().string(), "--daemonize", "no"};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (out < 0 || in < 0) throw std::runtime_error("cannot open " + log);

  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // no stray server when the test binary dies
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    ::close_range(3, ~0U, 0);  // not the test's sockets: a killed server must close every connection
    ::execv(kRedisServer, argv.data());
    ::_exit(127);
  }
  ::close(out);
  ::close(in);
  if (pid < 0) throw std::runtime_error("fork failed");
  pid_ = pid;

  const auto end = std::chrono::steady_clock::now() + kReadyBound;
  while (std::chrono::steady_clock::now() < end) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {  // exited: port taken, bad argument
      pid_ = -1;
      why = "redis-server exited on port " + std::to_string(port_) + ":\n" + read_file(log);
      return false;
    }
    // Ready when the server on the port answers and is ours: another process (another test's
    // server) may have taken the port between free_port() and the bind.
    const long owner = answering_pid();
    if (owner == pid_) return true;
    if (owner > 0) {
      kill();
      why = "port " + std::to_string(port_) + " was taken by another redis-server";
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill();
  throw std::runtime_error("redis-server did not answer PING on port " + std::to_string(port_) + " within " +
                           std::to_string(kReadyBound.count()) + " s:\n" + read_file(log));
}

long RedisServer::answering_pid() const {
  std::string ignored;
  auto c = connect_blocking(port_, ignored);
  if (!c) return -1;
  if (!password_.empty() && !send(c.get(), {"AUTH", password_}, ignored)) return -1;
  auto info = send(c.get(), {"INFO", "server"}, ignored);
  if (!info || info->type != REDIS_REPLY_STRING) return -1;
  const std::string text(info->str, info->len);
  const auto at = text.find("process_id:");
  return at == std::string::npos ? -1 : std::stol(text.substr(at + 11));
}

void RedisServer::start() {
  if (running()) return;
  std::string why;
  // The port is still free unless something took it since: redis-server sets SO_REUSEADDR, so
  // its own connections in TIME_WAIT do not stand in the way.
  if (!launch(why)) throw std::runtime_error(why);
}

void RedisServer::stop() {
  if (!running()) return;
  ::kill(pid_, SIGTERM);
  if (!wait_exit(pid_, std::chrono::seconds(5))) {
    ::kill(pid_, SIGKILL);
    wait_exit(pid_, std::chrono::seconds(10));
  }
  pid_ = -1;
}

void RedisServer::kill() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  wait_exit(pid_, std::chrono::seconds(10));
  pid_ = -1;
}

std::string RedisServer::command(const std::vector<std::string>& args, int db) const {
  std::string why;
  auto c = connect_blocking(port_, why);
  if (!c) throw std::runtime_error("cannot connect to redis-server on port " + std::to_string(port_) + ": " + why);
  if (!password_.empty()) {
    auto r = send(c.get(), {"AUTH", password_}, why);
    if (!r || r->type == REDIS_REPLY_ERROR) throw std::runtime_error("AUTH failed on the test's redis-server");
  }
  if (db != 0) {
    auto r = send(c.get(), {"SELECT", std::to_string(db)}, why);
    if (!r || r->type == REDIS_REPLY_ERROR) throw std::runtime_error("SELECT failed on the test's redis-server");
  }
  auto reply = send(c.get(), args, why);
  if (!reply) throw std::runtime_error("no reply from redis-server on port " + std::to_string(port_) + ": " + why);
  return render(*reply);
}

}  // namespace erralert::testing
