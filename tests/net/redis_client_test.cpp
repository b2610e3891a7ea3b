// RedisClient against a real redis-server (RedisServer) and, for what a real server never does
// (silence, half a reply, garbage, a huge reply), a scripted fake on port 0.
#include "erralert/net/redis_client.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <ostream>
#include <tuple>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "support/io_poll.hpp"
#include "support/redis_server.hpp"

namespace erralert::net {

/// How gtest prints a reply when an expectation fails.
void PrintTo(const RedisReply& r, std::ostream* os) {
  using T = RedisReply::Type;
  switch (r.type) {
    case T::nil: *os << "nil"; return;
    case T::integer: *os << "integer " << r.integer; return;
    case T::string: *os << "string \"" << r.str << "\""; return;
    case T::status: *os << "status " << r.str; return;
    case T::error: *os << "error " << r.str; return;
    case T::array:
      *os << "[";
      for (std::size_t i = 0; i < r.elements.size(); ++i) {
        if (i) *os << ", ";
        PrintTo(r.elements[i], os);
      }
      *os << "]";
      return;
  }
}

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;
using testing::RedisServer;
using Commands = std::vector<std::vector<std::string>>;
using Pending = std::shared_ptr<std::optional<RedisResult>>;
using Clock = std::chrono::steady_clock;

constexpr auto kTimeout = 5s;  // the clients' own timeout where a test is not about it
constexpr auto kBound = 15s;   // no test step may take longer

RedisReply nil() { return {}; }
RedisReply integer(std::int64_t n) { return {RedisReply::Type::integer, n, {}, {}}; }
RedisReply bulk(std::string s) { return {RedisReply::Type::string, 0, std::move(s), {}}; }
RedisReply status(std::string s) { return {RedisReply::Type::status, 0, std::move(s), {}}; }
RedisReply error(std::string s) { return {RedisReply::Type::error, 0, std::move(s), {}}; }
RedisReply array(std::vector<RedisReply> e) { return {RedisReply::Type::array, 0, {}, std::move(e)}; }

core::RedisUrl url_of(std::uint16_t port, std::string password = "", std::string user = "", int db = 0) {
  core::RedisUrl u;
  u.host = "127.0.0.1";
  u.port = port;
  u.user = std::move(user);
  u.password = std::move(password);
  u.db = db;
  return u;
}

/// A TCP port on 127.0.0.1 on which nothing listens.
std::uint16_t closed_port() {
  asio::io_context io;
  tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();  // closed when `a` goes
}

/// A server on 127.0.0.1, port 0, that plays a broken Redis: the i-th connection gets
/// `answers[i]` (nothing when there is none) after its first bytes arrive, then `filler[i]`
/// bytes of 'x', and stays open and silent.
class FakeRedis {
 public:
  struct Answer {
    std::string text;
    std::size_t filler = 0;
  };
  FakeRedis(asio::io_context& io, std::vector<Answer> answers)
      : state_(std::make_shared<State>(io, std::move(answers))) {
    asio::co_spawn(io, serve(state_), asio::detached);
  }
  ~FakeRedis() {
    boost::system::error_code ignored;
    state_->acceptor.close(ignored);
    for (auto& s : state_->held) s->close(ignored);
  }
  std::uint16_t port() const { return state_->acceptor.local_endpoint().port(); }
  std::size_t connections() const { return state_->held.size(); }

 private:
  struct State {
    State(asio::io_context& io, std::vector<Answer> a)
        : acceptor(io, {asio::ip::make_address("127.0.0.1"), 0}), answers(std::move(a)) {}
    tcp::acceptor acceptor;
    std::vector<Answer> answers;
    std::vector<std::shared_ptr<tcp::socket>> held;
  };

  static asio::awaitable<void> serve(std::shared_ptr<State> state) {
    constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
    for (;;) {
      auto socket = std::make_shared<tcp::socket>(state->acceptor.get_executor());
      auto [ec] = co_await state->acceptor.async_accept(*socket, use_tuple);
      if (ec) co_return;
      const std::size_t index = state->held.size();
      state->held.push_back(socket);
      if (index < state->answers.size()) asio::co_spawn(socket->get_executor(), answer(socket, state->answers[index]), asio::detached);
    }
  }

  static asio::awaitable<void> answer(std::shared_ptr<tcp::socket> socket, Answer a) {
    constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
    char buf[4096];
    auto [rec, n] = co_await socket->async_read_some(asio::buffer(buf), use_tuple);
    if (rec) co_return;
    auto [wec, wn] = co_await asio::async_write(*socket, asio::buffer(a.text), use_tuple);
    const std::string chunk(1024 * 1024, 'x');
    for (std::size_t left = a.filler; !wec && left > 0;) {
      const std::size_t now = std::min(left, chunk.size());
      std::tie(wec, wn) = co_await asio::async_write(*socket, asio::buffer(chunk.data(), now), use_tuple);
      left -= now;
    }
  }

  std::shared_ptr<State> state_;
};

class RedisClientTest : public ::testing::Test {
 protected:
  /// Starts `commands` on `client`; the result appears once the io_context has run far enough.
  Pending start(RedisClient& client, Commands commands) {
    auto out = std::make_shared<std::optional<RedisResult>>();
    asio::co_spawn(io_, client.run(std::move(commands)), [out](std::exception_ptr e, RedisResult r) {
      if (e) {
        r = RedisResult{};
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& x) {
          r.error = std::string("exception: ") + x.what();
        }
      }
      *out = std::move(r);
    });
    return out;
  }

  /// Runs the io_context until every one of `pending` has its result (bounded).
  bool finish(const std::vector<Pending>& pending, std::chrono::milliseconds bound = kBound) {
    const bool done = testing::run_until(
        io_, [&] { return std::all_of(pending.begin(), pending.end(), [](const Pending& p) { return p->has_value(); }); },
        bound);
    if (!done) ADD_FAILURE() << "a run did not finish within the bound";
    return done;
  }

  /// One run to completion.
  RedisResult run(RedisClient& client, Commands commands) {
    auto p = start(client, std::move(commands));
    if (!finish({p})) return RedisResult{"did not finish", {}};
    return **p;
  }

  /// One run to completion, and how long it took.
  std::pair<RedisResult, Clock::duration> timed_run(RedisClient& client, Commands commands) {
    const auto begin = Clock::now();
    RedisResult r = run(client, std::move(commands));
    return {std::move(r), Clock::now() - begin};
  }

  asio::io_context io_;
};

TEST(RedisClientSetup, RedisServerIsInstalled) {
  ASSERT_TRUE(RedisServer::available()) << "redis-server is not installed: run scripts/install-deps.sh";
}

TEST_F(RedisClientTest, SetGetIncrEvalRoundTrip) {
  RedisServer redis;
  RedisClient client(io_.get_executor(), url_of(redis.port()), kTimeout);
  RedisResult r = run(client, {{"SET", "greeting", "hello"},
                               {"GET", "greeting"},
                               {"INCR", "counter"},
                               {"INCR", "counter"},
                               {"EVAL", "return redis.call('GET', KEYS[1]) .. ARGV[1]", "1", "greeting", "!"},
                               {"CLIENT", "ID"}});
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.replies.size(), 6u);
  EXPECT_TRUE(r.replies[0].is_ok());
  EXPECT_EQ(r.replies[1], bulk("hello"));
  EXPECT_EQ(r.replies[2], integer(1));
  EXPECT_EQ(r.replies[3], integer(2));
  EXPECT_EQ(r.replies[4], bulk("hello!"));
  EXPECT_EQ(redis.command({"GET", "counter"}), "2");

  // The kept connection serves the next call.
  const RedisReply connection = r.replies[5];
  r = run(client, {{"INCRBY", "counter", "40"}, {"CLIENT", "ID"}});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.replies, (std::vector{integer(42), connection}));
}

TEST_F(RedisClientTest, PipelinesAThousandCommandsInOneRun) {
  RedisServer redis;
  RedisClient client(io_.get_executor(), url_of(redis.port()), kTimeout);
  Commands commands;
  for (int i = 0; i < 1000; ++i) {
    commands.push_back(i % 2 == 0 ? std::vector<std::string>{"INCR", "n"}
                                  : std::vector<std::string>{"RPUSH", "list", "item-" + std::to_string(i)});
  }
  RedisResult r = run(client, commands);
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.replies.size(), 1000u);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(r.replies[i], integer(i / 2 + 1)) << "reply " << i;  // INCR's count, RPUSH's length
  }
  EXPECT_EQ(redis.command({"GET", "n"}), "500");
  EXPECT_EQ(redis.command({"LINDEX", "list", "-1"}), "item-999");
}

TEST_F(RedisClientTest, KeysAndValuesAreBinarySafe) {
  RedisServer redis;
  RedisClient client(io_.get_executor(), url_of(redis.port()), kTimeout);
  const std::string key("k\0\r\n*1\r\n", 8);
  const std::string value = std::string("a\0b", 3) + "\r\n$3\r\nfoo\r\n" + std::string(1, '\xff') + "\r";
  RedisResult r = run(client, {{"SET", key, value}, {"GET", key}, {"STRLEN", key}, {"SET", "empty", ""}, {"GET", "empty"}});
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.replies.size(), 5u);
  EXPECT_EQ(r.replies[1], bulk(value));
  EXPECT_EQ(r.replies[2], integer(static_cast<std::int64_t>(value.size())));
  EXPECT_EQ(r.replies[4], bulk(""));
  EXPECT_EQ(redis.command({"GET", key}), value);
}

TEST_F(RedisClientTest, ParsesEveryReplyType) {
  RedisServer redis;
  RedisClient client(io_.get_executor(), url_of(redis.port()), kTimeout);
  RedisResult r = run(client, {{"GET", "missing"},
                               {"INCRBY", "n", "-7"},
                               {"SET", "k", "v"},
                               {"LRANGE", "nothing", "0", "-1"},
                               {"EVAL",
                                "return {1, 'two', {3, {'four', {}}}, redis.status_reply('FINE'), "
                                "redis.error_reply('BAD'), false, 5}",
                                "0"},
                               {"EVAL", "return false", "0"}});
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.replies.size(), 6u);
  EXPECT_TRUE(r.replies[0].is_nil());
  EXPECT_EQ(r.replies[1], integer(-7));
  EXPECT_EQ(r.replies[2], status("OK"));
  EXPECT_EQ(r.replies[3], array({}));
  EXPECT_EQ(r.replies[4], array({integer(1), bulk("two"), array({integer(3), array({bulk("four"), array({})})}),
                                 status("FINE"), error("ERR BAD"), nil(), integer(5)}));
  EXPECT_EQ(r.replies[5], nil());
}

TEST_F(RedisClientTest, ARefusedCommandIsAReplyNotAFailure) {
  RedisServer redis;
  RedisClient client(io_.get_executor(), url_of(redis.port()), kTimeout);
  RedisResult r = run(client, {{"SET", "k", "v"}, {"NOSUCHCOMMAND", "x"}, {"INCR", "k"}, {"GET", "k"}});
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.replies.size(), 4u);
  EXPECT_TRUE(r.replies[1].is_error());
  EXPECT_NE(r.replies[1].str.find("unknown command"), std::string::npos) << r.replies[1].str;
  EXPECT_TRUE(r.replies[2].is_error());
  EXPECT_EQ(r.replies[3], bulk("v"));

  r = run(client, {{"GET", "k"}});  // the connection is still in step
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.replies, std::vector{bulk("v")});
}

TEST_F(RedisClientTest, AnEmptyCommandFailsTheRunBeforeAnythingIsSent) {
  RedisServer redis;
  RedisClient client(io_.get_executor(), url_of(redis.port()), kTimeout);
  RedisResult r = run(client, {{"SET", "k", "v"}, {}});
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("command 2 of 2 is empty"), std::string::npos) << r.error;
  EXPECT_EQ(redis.command({"EXISTS", "k"}), "0");
  EXPECT_TRUE(run(client, {}).ok());  // nothing to do is not an error
}

TEST_F(RedisClientTest, AuthenticatesWithThePassword) {
  RedisServer redis({"--requirepass", "s3cret-pw"});
  RedisClient client(io_.get_executor(), url_of(redis.port(), "s3cret-pw"), kTimeout);
  RedisResult r = run(client, {{"SET", "k", "v"}, {"ACL", "WHOAMI"}});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.replies[1], bulk("default"));
  EXPECT_EQ(redis.command({"GET", "k"}), "v");

  // Without a password there is no AUTH: Redis refuses each command, in a reply.
  RedisClient anonymous(io_.get_executor(), url_of(redis.port()), kTimeout);
  r = run(anonymous, {{"GET", "k"}});
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_TRUE(r.replies[0].is_error());
  EXPECT_EQ(r.replies[0].str.rfind("NOAUTH", 0), 0u) << r.replies[0].str;
}

TEST_F(RedisClientTest, AWrongPasswordFailsWithoutEchoingIt) {
  RedisServer redis({"--requirepass", "s3cret-pw"});
  const std::string wrong = "wrong-pw-8f3a91";
  RedisClient client(io_.get_executor(), url_of(redis.port(), wrong), kTimeout);
  RedisResult r = run(client, {{"SET", "k", "v"}});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.replies.empty());
  EXPECT_NE(r.error.find("AUTH failed"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("WRONGPASS"), std::string::npos) << r.error;
  EXPECT_EQ(r.error.find(wrong), std::string::npos) << r.error;
  EXPECT_EQ(r.error.find("s3cret-pw"), std::string::npos) << r.error;
  EXPECT_EQ(redis.command({"EXISTS", "k"}), "0");

  // A password to a server that wants none is refused too, and not echoed either.
  RedisServer open;
  RedisClient to_open(io_.get_executor(), url_of(open.port(), wrong), kTimeout);
  r = run(to_open, {{"PING"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.find(wrong), std::string::npos) << r.error;
}

TEST_F(RedisClientTest, AuthenticatesAnAclUser) {
  RedisServer redis({"--requirepass", "admin-pw", "--user", "alice", "on", ">alice-pw", "~*", "+@all"});
  RedisClient alice(io_.get_executor(), url_of(redis.port(), "alice-pw", "alice"), kTimeout);
  RedisResult r = run(alice, {{"ACL", "WHOAMI"}, {"SET", "k", "v"}});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.replies[0], bulk("alice"));
  EXPECT_EQ(redis.command({"GET", "k"}), "v");

  RedisClient wrong(io_.get_executor(), url_of(redis.port(), "admin-pw", "alice"), kTimeout);
  r = run(wrong, {{"ACL", "WHOAMI"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.find("admin-pw"), std::string::npos) << r.error;
}

TEST_F(RedisClientTest, SelectsTheDatabase) {
  RedisServer redis({"--requirepass", "pw-for-select"});
  RedisClient client(io_.get_executor(), url_of(redis.port(), "pw-for-select", "", 3), kTimeout);
  RedisResult r = run(client, {{"SET", "in-three", "yes"}});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(redis.command({"GET", "in-three"}, 3), "yes");
  EXPECT_EQ(redis.command({"EXISTS", "in-three"}, 0), "0");

  RedisClient out_of_range(io_.get_executor(), url_of(redis.port(), "pw-for-select", "", 99), kTimeout);
  r = run(out_of_range, {{"SET", "k", "v"}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("SELECT 99 failed"), std::string::npos) << r.error;
  EXPECT_EQ(redis.command({"EXISTS", "k"}, 0), "0");  // nothing ran in the wrong database
}

TEST_F(RedisClientTest, ResolvesAHostName) {
  RedisServer redis;  // on 127.0.0.1 only: a ::1 that "localhost" may name first is refused
  core::RedisUrl url = url_of(redis.port());
  url.host = "localhost";
  RedisClient client(io_.get_executor(), url, kTimeout);
  RedisResult r = run(client, {{"PING"}});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.replies, std::vector{status("PONG")});
}

TEST_F(RedisClientTest, ConnectionRefusedFailsWithinTheTimeout) {
  RedisClient client(io_.get_executor(), url_of(closed_port()), 1s);
  auto [r, took] = timed_run(client, {{"PING"}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("connection refused"), std::string::npos) << r.error;
  EXPECT_LT(took, 2s);
}

TEST_F(RedisClientTest, ASilentServerTimesOut) {
  FakeRedis silent(io_, {});
  RedisClient client(io_.get_executor(), url_of(silent.port()), 100ms);
  auto [r, took] = timed_run(client, {{"PING"}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("timed out after 100 ms during read"), std::string::npos) << r.error;
  EXPECT_GE(took, 95ms);
  EXPECT_LT(took, 2s);

  // The next run starts over on a new connection, with its own deadline.
  std::tie(r, took) = timed_run(client, {{"PING"}});
  ASSERT_FALSE(r.ok());
  EXPECT_LT(took, 2s);
  EXPECT_EQ(silent.connections(), 2u);
}

TEST_F(RedisClientTest, HalfAReplyIsNotReadByTheNextRun) {
  // The first connection gets half of "$5\r\nfirst\r\n" and then nothing; the second a whole reply.
  FakeRedis fake(io_, {{"$5\r\nfir"}, {"+second\r\n"}});
  RedisClient client(io_.get_executor(), url_of(fake.port()), 200ms);
  RedisResult r = run(client, {{"GET", "k"}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("timed out"), std::string::npos) << r.error;
  r = run(client, {{"GET", "k"}});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.replies, std::vector{status("second")});
  EXPECT_EQ(fake.connections(), 2u);
}

TEST_F(RedisClientTest, ALateReplyIsNotReadByTheNextRun) {
  RedisServer redis({"--enable-debug-command", "yes"});
  redis.command({"SET", "k", "v"});
  RedisClient client(io_.get_executor(), url_of(redis.port()), 200ms);
  RedisResult r = run(client, {{"DEBUG", "SLEEP", "0.5"}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("timed out"), std::string::npos) << r.error;
  // Blocks until the server is awake again: the "+OK" of DEBUG SLEEP has been sent by then.
  ASSERT_EQ(redis.command({"PING"}), "PONG");
  r = run(client, {{"GET", "k"}});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.replies, std::vector{bulk("v")});
}

TEST_F(RedisClientTest, GarbageIsAProtocolError) {
  FakeRedis fake(io_, {{"HTTP/1.1 400 Bad Request\r\n\r\n"}});
  RedisClient client(io_.get_executor(), url_of(fake.port()), kTimeout);
  auto [r, took] = timed_run(client, {{"PING"}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("protocol error"), std::string::npos) << r.error;
  EXPECT_LT(took, 2s);
}

TEST_F(RedisClientTest, AnArrayOfTooManyElementsIsAProtocolError) {
  // 14 bytes that announce two billion elements: refused before hiredis allocates room for them.
  FakeRedis fake(io_, {{"*2000000000\r\n"}});
  RedisClient client(io_.get_executor(), url_of(fake.port()), kTimeout);
  auto [r, took] = timed_run(client, {{"PING"}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("protocol error: replies of over"), std::string::npos) << r.error;
  EXPECT_LT(took, 2s);
}

TEST_F(RedisClientTest, RepliesOverTheByteLimitAreAProtocolError) {
  const std::size_t size = kMaxRedisReplyBytes + 1024 * 1024;
  FakeRedis fake(io_, {{"$" + std::to_string(size) + "\r\n", size}});
  // Generous: under the sanitizers, growing hiredis's buffer to 64 MiB takes seconds.
  RedisClient client(io_.get_executor(), url_of(fake.port()), 60s);
  auto pending = start(client, {{"GET", "big"}});
  ASSERT_TRUE(finish({pending}, 90s));
  ASSERT_FALSE((*pending)->ok());
  EXPECT_NE((*pending)->error.find("protocol error: replies of over 64 MiB"), std::string::npos) << (*pending)->error;
}

TEST_F(RedisClientTest, ReconnectsAfterTheServerIsKilledBetweenCalls) {
  RedisServer redis;
  RedisClient client(io_.get_executor(), url_of(redis.port()), kTimeout);
  ASSERT_TRUE(run(client, {{"SET", "k", "v"}}).ok());

  redis.kill();
  auto [r, took] = timed_run(client, {{"GET", "k"}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("connection refused"), std::string::npos) << r.error;
  EXPECT_LT(took, 2s);

  redis.start();
  r = run(client, {{"GET", "k"}, {"SET", "k", "again"}});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.replies[0], nil());  // a new server, without persistence
  EXPECT_EQ(redis.command({"GET", "k"}), "again");
}

TEST_F(RedisClientTest, AServerKilledMidRunEndsTheRun) {
  RedisServer redis;
  RedisClient client(io_.get_executor(), url_of(redis.port()), 10s);
  auto pending = start(client, {{"BLPOP", "never-filled", "0"}});
  ASSERT_TRUE(testing::run_until(
      io_, [&] { return redis.command({"INFO", "clients"}).find("blocked_clients:1\r\n") != std::string::npos; },
      kBound));
  const auto begin = Clock::now();
  redis.kill();
  ASSERT_TRUE(finish({pending}));
  EXPECT_LT(Clock::now() - begin, 5s);  // well before the 10 s timeout
  ASSERT_FALSE((*pending)->ok());
  EXPECT_NE((*pending)->error.find("connection closed by the server during read"), std::string::npos)
      << (*pending)->error;

  redis.start();
  RedisResult r = run(client, {{"PING"}});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.replies, std::vector{status("PONG")});
}

TEST_F(RedisClientTest, OverlappingRunsAreServedInOrder) {
  RedisServer redis;
  RedisClient client(io_.get_executor(), url_of(redis.port()), kTimeout);
  // The first holds the connection for 200 ms (BLPOP's own timeout); the others must wait
  // rather than interleave their commands with its.
  auto first = start(client, {{"SET", "k", "first"}, {"BLPOP", "never-filled", "0.2"}, {"GET", "k"}});
  auto second = start(client, {{"SET", "k", "second"}, {"GET", "k"}});
  auto third = start(client, {{"APPEND", "k", "+third"}});
  std::vector<int> order;
  ASSERT_TRUE(testing::run_until(
      io_,
      [&] {
        for (auto [i, p] : {std::pair{1, first}, std::pair{2, second}, std::pair{3, third}}) {
          if (p->has_value() && std::find(order.begin(), order.end(), i) == order.end()) order.push_back(i);
        }
        return order.size() == 3;
      },
      kBound));
  EXPECT_EQ(order, (std::vector{1, 2, 3}));
  ASSERT_TRUE((*first)->ok()) << (*first)->error;
  ASSERT_TRUE((*second)->ok()) << (*second)->error;
  ASSERT_TRUE((*third)->ok()) << (*third)->error;
  EXPECT_EQ((*first)->replies, (std::vector{status("OK"), nil(), bulk("first")}));
  EXPECT_EQ((*second)->replies, (std::vector{status("OK"), bulk("second")}));
  EXPECT_EQ((*third)->replies, std::vector{integer(12)});
  EXPECT_EQ(redis.command({"GET", "k"}), "second+third");
}

TEST_F(RedisClientTest, TheTimeoutCoversTheWaitForEarlierRuns) {
  RedisServer redis;
  RedisClient client(io_.get_executor(), url_of(redis.port()), 300ms);
  const auto begin = Clock::now();
  auto slow = start(client, {{"BLPOP", "never-filled", "2"}});
  auto queued = start(client, {{"SET", "k", "v"}});
  ASSERT_TRUE(finish({slow, queued}));
  EXPECT_LT(Clock::now() - begin, 2s);
  ASSERT_FALSE((*slow)->ok());
  ASSERT_FALSE((*queued)->ok());
  EXPECT_NE((*slow)->error.find("timed out"), std::string::npos) << (*slow)->error;
  EXPECT_NE((*queued)->error.find("timed out"), std::string::npos) << (*queued)->error;

  RedisResult r = run(client, {{"SET", "k", "later"}});  // a fresh connection, a fresh deadline
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(redis.command({"GET", "k"}), "later");
}

TEST_F(RedisClientTest, CloseEndsARunInFlight) {
  RedisServer redis;
  RedisClient client(io_.get_executor(), url_of(redis.port()), 10s);
  auto pending = start(client, {{"BLPOP", "never-filled", "0"}});
  ASSERT_TRUE(testing::run_until(
      io_, [&] { return redis.command({"INFO", "clients"}).find("blocked_clients:1\r\n") != std::string::npos; },
      kBound));
  client.close();
  ASSERT_TRUE(finish({pending}, 2s));
  ASSERT_FALSE((*pending)->ok());
  EXPECT_NE((*pending)->error.find("closed by the client"), std::string::npos) << (*pending)->error;

  RedisResult r = run(client, {{"PING"}});
  ASSERT_TRUE(r.ok()) << r.error;
}

TEST_F(RedisClientTest, DestroyingTheClientEndsItsRuns) {
  RedisServer redis;
  auto client = std::make_unique<RedisClient>(io_.get_executor(), url_of(redis.port()), 10s);
  auto blocked = start(*client, {{"BLPOP", "never-filled", "0"}});
  auto queued = start(*client, {{"SET", "k", "v"}});
  ASSERT_TRUE(testing::run_until(
      io_, [&] { return redis.command({"INFO", "clients"}).find("blocked_clients:1\r\n") != std::string::npos; },
      kBound));
  client.reset();
  ASSERT_TRUE(finish({blocked, queued}, 2s));
  EXPECT_FALSE((*blocked)->ok());
  EXPECT_FALSE((*queued)->ok());
  EXPECT_EQ(redis.command({"EXISTS", "k"}), "0");
}

}  // namespace
}  // namespace erralert::net
