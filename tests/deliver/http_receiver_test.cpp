// HttpReceiver on a fake HTTP client, a fake clock and a real io_context run in the test thread:
// rendering per platform, the spool, merging and folding while notifications wait, retries,
// dead letters and the disabled state, a restart on an old spool, and drain (CONTRACT.md
// section 5, "Pace" and "Deliver").
#include "erralert/deliver/http_receiver.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/grouping_support.hpp"
#include "erralert/core/clock.hpp"
#include "erralert/core/metrics.hpp"
#include "erralert/core/platform.hpp"
#include "support/daemon_process.hpp"
#include "support/fake_http_client.hpp"
#include "support/io_poll.hpp"
#include "support/memory_spool.hpp"
#include "erralert/store/spool.hpp"

namespace erralert::deliver {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using core::NotificationKind;
using testing::FakeHttpClient;
using Reply = FakeHttpClient::Reply;

constexpr std::int64_t kT0 = 1'795'323'000'000;  // 2026-11-22T04:50:00Z
constexpr const char* kRoute = "payments-5xx";
constexpr const char* kDiscordToken = "SECRET-TOKEN-d1sc0rd";

class HttpReceiverTest : public ::testing::Test {
 protected:
  ~HttpReceiverTest() override { stop(); }

  /// Starts a receiver named "hooks" of `type` with `extra` YAML keys (", max_delay: 1s").
  HttpReceiver& start(const std::string& type = "webhook", const std::string& extra = "",
                      std::vector<core::Outbox::Item> backlog = {}) {
    const std::string url = type == "discord" ? std::string("https://discord.com/api/webhooks/123/") + kDiscordToken
                                              : std::string("https://hooks.example/in");
    cfg_ = testing::config_of("receivers:\n  - {name: hooks, type: " + type + ", url: '" + url + "'" + extra + "}\n")
               .receivers.at(0);
    ReceiverContext ctx;
    ctx.executor = io_.get_executor();
    ctx.clock = &clock_;
    ctx.metrics = &metrics_;
    ctx.store = &spool_;
    ctx.make_client = fake_.factory();
    receiver_ = std::make_unique<HttpReceiver>(cfg_, ctx, *core::find_platform(type), std::move(backlog));
    return *receiver_;
  }

  /// Destroys the receiver (what is undelivered stays in the store) and lets its loop end.
  void stop() {
    receiver_.reset();
    testing::poll(io_);
  }

  /// A `first` notification of group `fp` on kRoute, accounting for `count` events.
  static core::Notification first(const std::string& fp, std::uint64_t count, std::int64_t at = kT0) {
    core::Notification n = testing::one_group(NotificationKind::first, kRoute, fp, count, at, at);
    n.receiver = "hooks";
    return n;
  }

  bool run_until(std::function<bool()> done, std::chrono::milliseconds timeout = 2s) {
    return testing::run_until(io_, std::move(done), timeout);
  }
  bool idle() const { return receiver_->queue_depth() == 0; }

  std::uint64_t sent(const std::string& kind) {
    return metrics_.counter("notifications_sent_total", {{"receiver", "hooks"}, {"kind", kind}});
  }
  std::uint64_t failed(const std::string& reason) {
    return metrics_.counter("notifications_failed_total", {{"receiver", "hooks"}, {"reason", reason}});
  }

  /// The stored rows of "hooks", oldest first, as JSON.
  std::vector<nlohmann::json> spool_files() const { return spool_.rows("hooks"); }

  asio::io_context io_;
  core::FakeClock clock_{kT0};
  core::Metrics metrics_;
  testing::MemorySpool spool_;
  FakeHttpClient fake_{io_.get_executor()};
  config::Receiver cfg_;
  std::unique_ptr<HttpReceiver> receiver_;
};

// --- 1. one notification, rendered for its platform, spooled until its 2xx -------------------

TEST_F(HttpReceiverTest, WebhookPostsTheContractJsonOnceAndEmptiesTheSpoolAfterA2xx) {
  auto& r = start("webhook");
  fake_.push(Reply::status(200).held());
  r.deliver(first("fp-a", 3));
  ASSERT_TRUE(run_until([&] { return fake_.held() == 1; }));
  EXPECT_EQ(spool_files().size(), 1u) << "spooled before the first attempt";
  EXPECT_EQ(sent("first"), 0u);

  fake_.release();
  ASSERT_TRUE(run_until([&] { return idle(); }));
  ASSERT_EQ(fake_.posts().size(), 1u);
  const auto& post = fake_.posts()[0];
  EXPECT_EQ(post.content_type, "application/json");
  EXPECT_EQ(post.query, "");
  const nlohmann::json& j = post.json;
  ASSERT_TRUE(j.is_object()) << post.body;
  EXPECT_EQ(j["kind"], "first");
  EXPECT_EQ(j["receiver"], "hooks");
  EXPECT_EQ(j["route"], kRoute);
  ASSERT_EQ(j["groups"].size(), 1u);
  EXPECT_EQ(j["groups"][0]["fingerprint"], "fp-a");
  EXPECT_EQ(j["groups"][0]["count"], 3);
  EXPECT_EQ(j["groups"][0]["event"]["service"], "payment-api");
  EXPECT_EQ(j["others"], (nlohmann::json{{"groups", 0}, {"count", 0}}));

  EXPECT_TRUE(spool_files().empty());
  EXPECT_EQ(sent("first"), 1u);
  EXPECT_EQ(r.last_error(), "");
}

TEST_F(HttpReceiverTest, DiscordPostsEmbedsWithWaitTrue) {
  auto& r = start("discord");
  r.deliver(first("fp-a", 2));
  ASSERT_TRUE(run_until([&] { return idle(); }));
  ASSERT_EQ(fake_.posts().size(), 1u);
  const auto& post = fake_.posts()[0];
  EXPECT_EQ(post.query, "wait=true");
  ASSERT_TRUE(post.json.is_object()) << post.body;
  ASSERT_EQ(post.json["embeds"].size(), 1u);
  EXPECT_EQ(post.json["allowed_mentions"], (nlohmann::json{{"parse", nlohmann::json::array()}}));
  EXPECT_FALSE(post.json.contains("kind")) << "not the webhook's JSON";
  EXPECT_TRUE(spool_files().empty());
  EXPECT_EQ(sent("first"), 1u);
}

// --- 2. the in-flight head takes no merge ----------------------------------------------------

TEST_F(HttpReceiverTest, WhileTheHeadIsInFlightItsGroupQueuesBehindIt) {
  auto& r = start();
  fake_.push(Reply::status(200).held());
  r.deliver(first("fp-a", 2));
  ASSERT_TRUE(run_until([&] { return fake_.held() == 1; }));

  r.deliver(first("fp-b", 3));  // another group: queues
  r.deliver(first("fp-a", 4));  // the head's group: must not change what is being sent
  EXPECT_EQ(r.queue_depth(), 3u);
  EXPECT_EQ(r.backlog_events(), 9u);
  EXPECT_EQ(spool_files().size(), 3u);

  fake_.release();
  ASSERT_TRUE(run_until([&] { return idle(); }));
  ASSERT_EQ(fake_.posts().size(), 3u);
  std::vector<std::pair<std::string, int>> sent_groups;
  for (const auto& p : fake_.posts()) {
    ASSERT_EQ(p.json["groups"].size(), 1u) << p.body;
    sent_groups.emplace_back(p.json["groups"][0]["fingerprint"].get<std::string>(),
                             p.json["groups"][0]["count"].get<int>());
  }
  const std::vector<std::pair<std::string, int>> expected = {{"fp-a", 2}, {"fp-b", 3}, {"fp-a", 4}};
  EXPECT_EQ(sent_groups, expected);
  EXPECT_EQ(sent("first"), 3u);
  EXPECT_TRUE(spool_files().empty());
}

// --- 3. a waiting notification takes its group's next one ------------------------------------

TEST_F(HttpReceiverTest, AWaitingNotificationTakesItsGroupsNextOneAndItsSpoolFileSaysSo) {
  auto& r = start();
  fake_.push(Reply::status(200).held());
  r.deliver(first("fp-a", 1));
  ASSERT_TRUE(run_until([&] { return fake_.held() == 1; }));

  r.deliver(first("fp-b", 2, kT0));
  r.deliver(first("fp-b", 5, kT0 + 1000));
  EXPECT_EQ(r.queue_depth(), 2u) << "merged, not queued";
  EXPECT_EQ(r.backlog_events(), 8u);

  const auto files = spool_files();
  ASSERT_EQ(files.size(), 2u);
  const nlohmann::json& waiting = files[1];
  ASSERT_TRUE(waiting.contains("notification")) << waiting.dump();
  EXPECT_EQ(waiting["count"], 7);
  ASSERT_EQ(waiting["notification"]["groups"].size(), 1u);
  EXPECT_EQ(waiting["notification"]["groups"][0]["fingerprint"], "fp-b");
  EXPECT_EQ(waiting["notification"]["groups"][0]["count"], 7);

  fake_.release();
  ASSERT_TRUE(run_until([&] { return idle(); }));
  ASSERT_EQ(fake_.posts().size(), 2u);
  const nlohmann::json& merged = fake_.posts()[1].json;
  ASSERT_EQ(merged["groups"].size(), 1u);
  EXPECT_EQ(merged["groups"][0]["fingerprint"], "fp-b");
  EXPECT_EQ(merged["groups"][0]["count"], 7);
  EXPECT_EQ(merged["groups"][0]["last_seen"], "2026-11-22T04:50:01Z");
  EXPECT_EQ(sent("first"), 2u);
}

// --- 4. pacing past max_delay folds into one digest ------------------------------------------

TEST_F(HttpReceiverTest, WhatWouldWaitPastMaxDelayFoldsIntoOneDigest) {
  auto& r = start("webhook", ", rate_limit: [{count: 1, per: 1h}], max_delay: 1s");
  r.deliver(first("fp-a", 1));
  ASSERT_TRUE(run_until([&] { return idle(); }));
  ASSERT_EQ(fake_.posts().size(), 1u);

  // The next may go in an hour: each of these would wait past max_delay.
  r.deliver(first("fp-b", 1));
  r.deliver(first("fp-c", 2));
  r.deliver(first("fp-d", 3));
  testing::poll(io_);
  EXPECT_EQ(r.queue_depth(), 1u);
  EXPECT_EQ(r.backlog_events(), 6u);
  const auto files = spool_files();
  ASSERT_EQ(files.size(), 1u) << "the digest replaces the files of what it folded";
  EXPECT_EQ(files[0]["kind"], "digest");
  EXPECT_EQ(files[0]["count"], 6);
  EXPECT_EQ(files[0]["notification"]["groups"].size(), 3u);
  EXPECT_EQ(fake_.posts().size(), 1u) << "paced: nothing more sent yet";

  // An hour on, a group it lists merges into it, and the wake-up sends it.
  clock_.advance(2h);
  r.deliver(first("fp-c", 4, kT0 + 2 * testing::kHour));
  ASSERT_TRUE(run_until([&] { return idle(); }));
  ASSERT_EQ(fake_.posts().size(), 2u);
  const nlohmann::json& digest = fake_.posts()[1].json;
  EXPECT_EQ(digest["kind"], "digest");
  std::map<std::string, int> counts;
  for (const auto& g : digest["groups"]) counts[g["fingerprint"].get<std::string>()] = g["count"].get<int>();
  EXPECT_EQ(counts, (std::map<std::string, int>{{"fp-b", 1}, {"fp-c", 6}, {"fp-d", 3}}));
  EXPECT_EQ(digest["others"], (nlohmann::json{{"groups", 0}, {"count", 0}}));
  EXPECT_EQ(sent("digest"), 1u);
  EXPECT_TRUE(spool_files().empty());
}

// --- 5. a 5xx is retried -----------------------------------------------------------------------

TEST_F(HttpReceiverTest, A503IsRetriedAndDeliveredOnce) {
  // 2 ms, as the equal jitter halves it and 1 ms would round to no wait at all.
  auto& r = start("webhook", ", retry: {initial: 2ms, max: 4ms}");
  fake_.push(Reply::status(503, {}, "<html>busy</html>"));
  r.deliver(first("fp-a", 2));
  ASSERT_TRUE(run_until([&] { return failed("server_error") == 1; }));
  EXPECT_EQ(r.queue_depth(), 1u);
  EXPECT_NE(r.last_error().find("503"), std::string::npos) << r.last_error();
  ASSERT_EQ(spool_files().size(), 1u);
  EXPECT_EQ(spool_files()[0]["attempts"], 1) << "a restart resumes the backoff";
  ASSERT_TRUE(r.next_attempt_in().has_value()) << "what the queue waits for is in the status";
  EXPECT_LE(*r.next_attempt_in(), 4ms);

  clock_.advance(10ms);  // past the backoff (the receiver's timer runs on real time, ms long)
  ASSERT_TRUE(run_until([&] { return idle(); }));
  ASSERT_EQ(fake_.posts().size(), 2u);
  EXPECT_EQ(fake_.posts()[1].body, fake_.posts()[0].body);
  EXPECT_EQ(sent("first"), 1u);
  EXPECT_EQ(failed("server_error"), 1u);
  EXPECT_TRUE(spool_files().empty());
}

// --- 6. Discord 404: dead letter, then disabled -----------------------------------------------

TEST_F(HttpReceiverTest, Discord404DeadLettersAndDisablesTheReceiverWhichKeepsWhatComesNext) {
  auto& r = start("discord");
  fake_.push(Reply::status(404, {{"content-type", "application/json"}},
                           R"({"message": "Unknown Webhook", "code": 10015})"));
  r.deliver(first("fp-a", 2));
  ASSERT_TRUE(run_until([&] { return r.state() == ReceiverState::disabled; }));
  EXPECT_NE(r.state_reason(), "");
  EXPECT_EQ(r.state_reason().find(kDiscordToken), std::string::npos);
  EXPECT_EQ(r.queue_depth(), 0u);
  EXPECT_EQ(metrics_.counter("notifications_dead_total", {{"receiver", "hooks"}}), 1u);

  ASSERT_EQ(spool_.dead_letters().size(), 1u);
  const nlohmann::json& record = spool_.dead_letters()[0];
  const std::string dead = record.dump();
  EXPECT_EQ(dead.find(kDiscordToken), std::string::npos) << dead;
  EXPECT_EQ(dead.find("discord.com"), std::string::npos) << dead;
  ASSERT_TRUE(record.is_object()) << dead;
  EXPECT_EQ(record["receiver"], "hooks");
  EXPECT_EQ(record["kind"], "first");
  EXPECT_EQ(record["count"], 2);
  EXPECT_TRUE(record["body"].contains("embeds")) << dead;
  EXPECT_TRUE(spool_files().empty()) << "the dead letter left the spool";

  r.deliver(first("fp-b", 1));
  testing::poll(io_);
  EXPECT_EQ(fake_.posts().size(), 1u) << "disabled: nothing more is posted";
  EXPECT_EQ(r.queue_depth(), 1u);
  ASSERT_EQ(spool_files().size(), 1u) << "kept for after the reload";
  EXPECT_EQ(spool_files()[0]["notification"]["groups"][0]["fingerprint"], "fp-b");
}

TEST_F(HttpReceiverTest, AClientThatCannotSendDisablesTheReceiverWhichKeepsItsNotifications) {
  fake_.fail_setup("bad CA file");
  auto& r = start();
  r.deliver(first("fp-a", 1));
  testing::poll(io_);
  EXPECT_EQ(r.state(), ReceiverState::disabled);
  EXPECT_EQ(r.state_reason(), "bad CA file");
  EXPECT_TRUE(fake_.posts().empty());
  EXPECT_EQ(r.queue_depth(), 1u);
  EXPECT_EQ(spool_files().size(), 1u);
}

// --- 7. a restart delivers what an earlier run spooled ----------------------------------------

TEST_F(HttpReceiverTest, ARestartDeliversTheSpoolOfAnEarlierRunLegacyBodiesByteForByte) {
  {
    auto& earlier = start();
    fake_.push(Reply::status(200).held());
    earlier.deliver(first("fp-a", 4));
    ASSERT_TRUE(run_until([&] { return fake_.held() == 1; }));
    stop();  // mid-post: the notification stays in the spool
  }
  ASSERT_EQ(spool_files().size(), 1u);
  // What releases before grouping wrote: the rendered body only. Spacing and escapes that no
  // JSON library would reproduce show whether it is sent as it is.
  const std::string legacy_body = R"({"kind": "summary",  "text":"caf\u00e9 \u2713", "count":7 })";
  const nlohmann::json legacy = {{"kind", "summary"},     {"route", "old-route"}, {"count", 7},
                                 {"created_ms", kT0 - 5000}, {"attempts", 2},     {"next_attempt_ms", 0},
                                 {"body", legacy_body}};
  auto legacy_item = store::decode_spool_item(legacy.dump());
  ASSERT_TRUE(legacy_item);
  legacy_item->store_id = spool_.next_id();
  spool_.put("hooks", *legacy_item);
  std::vector<core::Outbox::Item> backlog{*legacy_item};
  for (auto& item : spool_.backlog("hooks")) {
    if (item.store_id != legacy_item->store_id) backlog.push_back(std::move(item));
  }

  const std::size_t posts_before = fake_.posts().size();
  auto& r = start("webhook", "", std::move(backlog));
  EXPECT_EQ(r.queue_depth(), 2u);
  EXPECT_EQ(r.backlog_events(), 11u);
  ASSERT_TRUE(run_until([&] { return idle(); }));
  ASSERT_EQ(fake_.posts().size(), posts_before + 2);
  EXPECT_EQ(fake_.posts()[posts_before].body, legacy_body) << "the oldest first, byte for byte";
  const nlohmann::json& again = fake_.posts()[posts_before + 1].json;
  EXPECT_EQ(again["kind"], "first");
  EXPECT_EQ(again["groups"][0]["fingerprint"], "fp-a");
  EXPECT_EQ(again["groups"][0]["count"], 4);
  EXPECT_EQ(sent("summary"), 1u);
  EXPECT_EQ(sent("first"), 1u);
  EXPECT_TRUE(spool_files().empty());
}

// --- 8. drain ----------------------------------------------------------------------------------

struct Drained {
  bool done = false;
  std::chrono::steady_clock::time_point at;
};

std::shared_ptr<Drained> spawn_drain(asio::io_context& io, Receiver& r, std::chrono::steady_clock::duration within) {
  auto d = std::make_shared<Drained>();
  asio::co_spawn(
      io,
      [](Receiver& r, std::chrono::steady_clock::time_point deadline,
         std::shared_ptr<Drained> d) -> asio::awaitable<void> {
        co_await r.drain(deadline);
        d->done = true;
        d->at = std::chrono::steady_clock::now();
      }(r, std::chrono::steady_clock::now() + within, d),
      asio::detached);
  return d;
}

// --- 8. a reload hands what waits to the successor; a full store folds what waits -------------

TEST_F(HttpReceiverTest, AStoredRetryTimeFurtherOffThanRetryMaxIsBroughtInAtRestore) {
  // Written before the clock was set back ten days (or by another host): due in ten days.
  core::Outbox::Item far;
  far.notification = first("fp-far", 4);
  far.attempt = {kT0 - 1000, 3, kT0 + 10 * 24 * 3'600'000};
  far.store_id = spool_.next_id();
  spool_.put("hooks", far);
  core::Outbox::Item behind;
  behind.notification = first("fp-behind", 2);
  behind.attempt = {kT0 - 1000, 0, 0};
  behind.store_id = spool_.next_id();
  spool_.put("hooks", behind);
  auto& r = start("webhook", ", retry: {initial: 5ms, max: 20ms}", {far, behind});
  ASSERT_TRUE(r.next_attempt_in().has_value());
  EXPECT_LE(*r.next_attempt_in(), 20ms) << "retry.max from now, not ten days";
  clock_.advance(25ms);
  ASSERT_TRUE(run_until([&] { return idle(); })) << "the head and the one behind it are delivered";
  EXPECT_EQ(fake_.posts().size(), 2u);
  EXPECT_FALSE(r.next_attempt_in().has_value()) << "nothing waits";
}

TEST_F(HttpReceiverTest, TakeBacklogHandsOverWhatWaitsTheOneInFlightIncluded) {
  auto& r = start();
  fake_.push(Reply::status(200).held());
  r.deliver(first("fp-a", 2));
  ASSERT_TRUE(run_until([&] { return fake_.held() == 1; }));
  r.deliver(first("fp-b", 3));
  auto backlog = r.take_backlog();
  ASSERT_EQ(backlog.size(), 2u);
  EXPECT_EQ(backlog[0].notification->groups[0].fingerprint, "fp-a") << "in flight: sent again by the successor";
  EXPECT_EQ(backlog[1].count(), 3u);
  EXPECT_NE(backlog[0].store_id, 0u);
  EXPECT_EQ(spool_files().size(), 2u) << "still in the store";
  fake_.release();
  stop();
  auto& next = start("webhook", "", std::move(backlog));
  ASSERT_TRUE(run_until([&] { return next.queue_depth() == 0; }));
  EXPECT_EQ(sent("first"), 2u);
  EXPECT_TRUE(spool_files().empty());
}

TEST_F(HttpReceiverTest, CompactFoldsEverythingWaitingIntoOneDigestCountsKept) {
  auto& r = start();
  fake_.push(Reply::status(200).held());
  r.deliver(first("fp-a", 1));
  ASSERT_TRUE(run_until([&] { return fake_.held() == 1; }));
  for (int i = 0; i < 5; ++i) r.deliver(first("fp-" + std::to_string(i + 10), 2));
  EXPECT_EQ(r.queue_depth(), 6u);
  EXPECT_EQ(r.compact(), 5u);
  EXPECT_EQ(r.queue_depth(), 2u) << "the one in flight, and the digest";
  EXPECT_EQ(r.backlog_events(), 11u);
  EXPECT_EQ(spool_files().size(), 2u) << "the folded rows are gone from the store";
  EXPECT_EQ(spool_files()[1]["kind"], "digest");
  fake_.release();
  ASSERT_TRUE(run_until([&] { return idle(); }));
  EXPECT_EQ(sent("digest"), 1u);
}

TEST_F(HttpReceiverTest, DrainReturnsOnceTheOutboxIsEmpty) {
  auto& r = start();
  fake_.push(Reply::status(200).held());
  r.deliver(first("fp-a", 1));
  r.deliver(first("fp-b", 1));
  ASSERT_TRUE(run_until([&] { return fake_.held() == 1; }));

  const auto began = std::chrono::steady_clock::now();
  auto drained = spawn_drain(io_, r, 30s);
  testing::poll(io_);
  EXPECT_FALSE(drained->done) << "two notifications still to deliver";
  fake_.release();
  ASSERT_TRUE(run_until([&] { return drained->done; }));
  EXPECT_EQ(r.queue_depth(), 0u);
  EXPECT_EQ(fake_.posts().size(), 2u);
  EXPECT_LT(drained->at - began, 5s);
  EXPECT_EQ(fake_.closes(), 1u) << "drain lets the connection go";
}

TEST_F(HttpReceiverTest, DrainDoesNotWaitForTheDeadlineOnAFailingReceiver) {
  auto& r = start("webhook", ", retry: {initial: 1h, max: 1h}");
  fake_.push(Reply::status(503).held());
  r.deliver(first("fp-a", 1));
  ASSERT_TRUE(run_until([&] { return fake_.held() == 1; }));

  auto drained = spawn_drain(io_, r, 30s);
  testing::poll(io_);
  EXPECT_FALSE(drained->done) << "the answer may still be a 2xx";
  fake_.release();  // a 503: the receiver is failing, its backlog waits in the spool
  ASSERT_TRUE(run_until([&] { return drained->done; }, 1s));
  EXPECT_EQ(r.queue_depth(), 1u);
  EXPECT_EQ(spool_files().size(), 1u);
  EXPECT_EQ(fake_.posts().size(), 1u);
}

}  // namespace
}  // namespace erralert::deliver
