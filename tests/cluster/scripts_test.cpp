// The fleet's Lua scripts against a real redis-server: each one's reply and what it leaves in
// Redis, for every role a sidecar can be in (CONTRACT.md section 8).
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "erralert/cluster/scripts.hpp"
#include "erralert/net/redis_client.hpp"
#include "support/redis_server.hpp"

namespace erralert::cluster {
namespace {

namespace asio = boost::asio;
using net::RedisReply;
using testing::RedisServer;

/// Runs one script (EVAL, so no script cache is needed) and gives its reply.
class Scripts : public ::testing::Test {
 protected:
  RedisReply eval(const Script& s, std::vector<std::string> keys, std::vector<std::string> args) {
    std::vector<std::string> cmd{"EVAL", std::string(s.source), std::to_string(keys.size())};
    cmd.insert(cmd.end(), keys.begin(), keys.end());
    cmd.insert(cmd.end(), args.begin(), args.end());
    return run(std::move(cmd));
  }

  RedisReply run(std::vector<std::string> cmd) {
    asio::io_context io;
    net::RedisClient client(io.get_executor(), {"127.0.0.1", redis_.port(), "", "", 0}, std::chrono::seconds(5));
    std::vector<std::vector<std::string>> commands{std::move(cmd)};
    auto f = asio::co_spawn(io, client.run(std::move(commands)), asio::use_future);
    io.run();
    auto r = f.get();
    EXPECT_TRUE(r.ok()) << r.error;
    return r.ok() ? r.replies.at(0) : RedisReply{};
  }

  /// A report or sweep reply as {role, taken, total}.
  std::vector<std::int64_t> verdict(const RedisReply& r) {
    std::vector<std::int64_t> v;
    EXPECT_EQ(r.type, RedisReply::Type::array) << r.str;
    for (const auto& e : r.elements) v.push_back(e.integer);
    return v;
  }

  std::vector<std::int64_t> report(const std::string& me, int count) {
    return verdict(eval(scripts::report, {"g:owner", "g:n"}, {me, "60000", std::to_string(count), "600000"}));
  }
  std::vector<std::int64_t> sweep(const std::string& me, bool release) {
    return verdict(eval(scripts::sweep, {"g:owner", "g:n"}, {me, "60000", release ? "1" : "0"}));
  }
  std::int64_t pace(const std::string& member, std::vector<std::string> windows) {
    windows.insert(windows.begin(), member);
    const RedisReply r = eval(scripts::pace, {"p:sends", "p:hold"}, std::move(windows));
    EXPECT_EQ(r.type, RedisReply::Type::integer) << r.str;
    return r.integer;
  }

  RedisServer redis_;
};

using V = std::vector<std::int64_t>;

TEST_F(Scripts, EachScriptsDigestIsTheOneRedisGivesItsSource) {
  // EVALSHA names a script by this digest: a wrong one would send every call twice (NOSCRIPT,
  // then EVAL).
  for (const Script* s : {&scripts::report, &scripts::sweep, &scripts::pace, &scripts::hold}) {
    const RedisReply r = run({"SCRIPT", "LOAD", std::string(s->source)});
    EXPECT_EQ(s->sha1(), r.str) << s->name;
    EXPECT_EQ(s->sha1().size(), 40u) << s->name;
  }
}

TEST_F(Scripts, TheFirstToReportOwnsTheGroupAndTheOthersAddTheirCountsForIt) {
  EXPECT_EQ(report("a", 3), (V{scripts::claimed, 0, 3}));  // a sends its first: 3 events
  EXPECT_EQ(report("b", 2), (V{scripts::other, 0, 5}));    // b's first becomes 2 for a to report
  EXPECT_EQ(report("c", 4), (V{scripts::other, 0, 9}));
  EXPECT_EQ(redis_.command({"GET", "g:owner"}), "a");
  EXPECT_EQ(redis_.command({"HGET", "g:n", "pending"}), "6");
  // a's next summary carries its own 1 and the 6 the others added; nothing is left to take.
  EXPECT_EQ(report("a", 1), (V{scripts::owned, 6, 10}));
  EXPECT_EQ(redis_.command({"HGET", "g:n", "pending"}), "0");
  EXPECT_EQ(report("a", 1), (V{scripts::owned, 0, 11}));
}

TEST_F(Scripts, ASweepTakesWhatTheOthersAddedKeepsTheLeaseAndReleasesAQuietGroup) {
  report("a", 1);
  report("b", 5);
  EXPECT_EQ(sweep("b", false), (V{scripts::other, 0, 6}));  // a is alive: b leaves it to a
  EXPECT_EQ(sweep("a", false), (V{scripts::owned, 5, 6}));  // a reports b's 5
  EXPECT_EQ(sweep("a", false), (V{scripts::owned, 0, 6}));  // nothing new: a keeps it
  EXPECT_NE(redis_.command({"PTTL", "g:owner"}), "-2");
  EXPECT_EQ(sweep("a", true), (V{scripts::released, 0, 6}));  // the fleet went quiet
  EXPECT_EQ(redis_.command({"GET", "g:owner"}), "(nil)");
  EXPECT_EQ(sweep("b", false), (V{scripts::gone, 0, 6}));  // b forgets it
}

TEST_F(Scripts, AnOwnerWithCountsWaitingIsNotReleased) {
  report("a", 1);
  report("b", 2);
  // a asks to give the group up, but b's 2 arrived first: a takes them instead.
  EXPECT_EQ(sweep("a", true), (V{scripts::owned, 2, 3}));
  EXPECT_EQ(redis_.command({"GET", "g:owner"}), "a");
}

TEST_F(Scripts, WhenTheOwnersLeaseRunsOutAnotherTakesOverWithWhatWaits) {
  report("a", 1);
  report("b", 7);
  redis_.command({"DEL", "g:owner"});  // a's lease ran out (a crashed)
  EXPECT_EQ(sweep("b", false), (V{scripts::claimed, 7, 8}));
  EXPECT_EQ(redis_.command({"GET", "g:owner"}), "b");
  report("c", 1);
  redis_.command({"DEL", "g:owner"});
  EXPECT_EQ(report("c", 2), (V{scripts::claimed, 1, 11}));  // c's own report takes over too
}

TEST_F(Scripts, AReleasedGroupThatComesBackIsClaimedAfresh) {
  report("a", 1);
  sweep("a", true);
  EXPECT_EQ(report("b", 1), (V{scripts::claimed, 0, 2}));
  EXPECT_EQ(redis_.command({"GET", "g:owner"}), "b");
}

TEST_F(Scripts, PaceLetsTheFleetSendAsManyAsTheWindowHoldsThenSaysHowLongToWait) {
  for (int i = 0; i < 5; ++i) EXPECT_EQ(pace("a:" + std::to_string(i), {"5", "2000"}), 0) << i;
  const std::int64_t wait = pace("b:1", {"5", "2000"});
  EXPECT_GT(wait, 1000);  // the oldest of the five leaves the window 2.2 s after it was sent
  EXPECT_LE(wait, 2200);
  EXPECT_EQ(redis_.command({"ZCARD", "p:sends"}), "5") << "a refused send is not counted";
}

TEST_F(Scripts, PaceHonoursEveryWindow) {
  // 3 per minute is spent before 5 per 2 s is.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(pace("a:" + std::to_string(i), {"5", "2000", "3", "60000"}), 0) << i;
  const std::int64_t wait = pace("a:4", {"5", "2000", "3", "60000"});
  EXPECT_GT(wait, 55000);
  EXPECT_LE(wait, 60500);
}

TEST_F(Scripts, AHoldStopsEverySenderAndOnlyALongerOneReplacesIt) {
  eval(scripts::hold, {"p:hold"}, {"30000"});
  const std::int64_t wait = pace("a:1", {"5", "2000"});
  EXPECT_GT(wait, 25000);
  EXPECT_LE(wait, 30000);
  eval(scripts::hold, {"p:hold"}, {"1000"});  // shorter: the 30 s hold stands
  EXPECT_GT(pace("a:2", {"5", "2000"}), 25000);
  redis_.command({"DEL", "p:hold"});
  EXPECT_EQ(pace("a:3", {"5", "2000"}), 0);
  EXPECT_EQ(pace("a:4", {}), 0) << "an unpaced receiver still honours holds, and nothing else";
}

}  // namespace
}  // namespace erralert::cluster
