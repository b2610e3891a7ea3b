// The real erralertd grouping and deduplicating what it delivers (CONTRACT.md section 5): one
// `first` per distinct error, summaries per window, digests when a receiver's pace would delay
// past max_delay, `resolved`, reloads and a receiver that is down. Every test checks the count
// invariant: what a receiver got (groups[].count plus others.count, over every notification it
// took) equals the events accepted for it.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/daemon_process.hpp"
#include "support/eventually.hpp"
#include "support/fake_platform.hpp"
#include "support/http_client.hpp"
#include "support/notifications.hpp"

namespace erralert::testing {
namespace {

using namespace std::chrono_literals;
using Mode = FakePlatform::Mode;
using nlohmann::json;

/// One error event; `code` tells distinct errors apart (it is in the default group_by).
json error_event(const std::string& service, const std::string& code) {
  return {{"service", service},
          {"environment", "prod"},
          {"status", 502},
          {"code", code},
          {"message", "upstream failed: " + code},
          {"request", {{"method", "POST"}, {"path", "/v1/orders/48213"}}}};
}

std::vector<json> repeat(const json& e, int n) { return std::vector<json>(static_cast<std::size_t>(n), e); }

std::vector<json> distinct(const std::string& service, const std::string& prefix, int n) {
  std::vector<json> out;
  for (int i = 0; i < n; ++i) out.push_back(error_event(service, prefix + std::to_string(i)));
  return out;
}

std::string metrics(const DaemonProcess& d) { return http_get(d.port(), "/metrics").body; }

/// (route, fingerprint) -> how many `first` notifications named the group, over webhook bodies.
std::map<std::string, int> firsts_by_group(const std::vector<FakePlatform::Request>& requests) {
  std::map<std::string, int> firsts;
  for (const auto& r : requests) {
    if (r.json["kind"] != "first") continue;
    for (const auto& g : r.json["groups"]) ++firsts[r.json["route"].get<std::string>() + " " + g["fingerprint"].get<std::string>()];
  }
  return firsts;
}

/// The kind, route and counts of each request, one a line: for a failure's message.
std::string bodies(const std::vector<FakePlatform::Request>& requests) {
  std::string out;
  for (const auto& r : requests) {
    out += r.json["kind"].get<std::string>() + " route=" + r.json["route"].get<std::string>() + " counts=";
    for (const auto& g : r.json["groups"]) out += std::to_string(g["count"].get<std::uint64_t>()) + ",";
    out += " others=" + std::to_string(r.json["others"]["count"].get<std::uint64_t>()) + "\n";
  }
  return out;
}

TEST(Grouping, RepeatsAndDistinctErrorsGetOneFirstEachThenSummariesAndEveryEventIsCounted) {
  FakePlatform hook(Mode::webhook);
  // The window outlasts the wait for the 101 firsts below even under ThreadSanitizer (seconds),
  // so the repeated error's group stays open between the two posts and alerts once.
  DaemonProcess d("receivers:\n" + receiver_yaml("hooks", "webhook", hook.url()) +
                  "defaults: {dedup: {window: 3s}}\n");
  const json repeated = error_event("orders", "REPEATED");
  std::vector<json> opening = distinct("orders", "DISTINCT-", 100);
  const auto repeats = repeat(repeated, 500);
  opening.insert(opening.begin() + 50, repeats.begin(), repeats.end());
  std::uint64_t accepted = post_ndjson(d, opening);
  // Every distinct error has its `first` before the rest of the repeats come.
  ASSERT_TRUE(eventually([&] { return firsts_by_group(delivered(hook)).size() == 101; }))
      << firsts_by_group(delivered(hook)).size();
  accepted += post_ndjson(d, repeat(repeated, 4500));
  ASSERT_EQ(accepted, 5100u);

  // Once the windows have ended, every event is in exactly one notification.
  ASSERT_TRUE(eventually([&] { return delivered_count(hook) == accepted; }, 15s)) << delivered_count(hook);
  EXPECT_EQ(d.terminate(), 0);
  const auto got = delivered(hook);
  EXPECT_EQ(delivered_count(hook), accepted) << "the stop's summary counts nothing twice";

  const auto firsts = firsts_by_group(got);
  EXPECT_EQ(firsts.size(), 101u);
  for (const auto& [group, n] : firsts) EXPECT_EQ(n, 1) << group;
  EXPECT_GE(count_kind(got, "summary"), 1u);
  EXPECT_EQ(count_kind(got, "summary") + count_kind(got, "first"), got.size()) << "an unpaced receiver gets no digest";
  // Summaries only of the repeated error, each after its group's first.
  std::set<std::string> first_seen;
  std::uint64_t repeated_count = 0;
  for (const auto& r : got) {
    ASSERT_EQ(r.json["groups"].size(), 1u) << r.body;
    const auto& g = r.json["groups"][0];
    const std::string fp = g["fingerprint"];
    if (r.json["kind"] == "first") first_seen.insert(fp);
    if (r.json["kind"] == "summary") {
      EXPECT_TRUE(first_seen.contains(fp)) << "a summary before its first: " << r.body;
      EXPECT_EQ(g["event"]["code"], "REPEATED") << r.body;
    }
    if (g["event"]["code"] == "REPEATED") repeated_count += g["count"].get<std::uint64_t>();
  }
  EXPECT_EQ(repeated_count, 5000u);
}

TEST(Grouping, TwoHundredErrorsReachAStrictDiscordAsADigestWithoutA429) {
  FakePlatform discord(Mode::discord), hook(Mode::webhook);
  discord.enforce_rate_limit();  // 429 past 5 requests in any 2 s, as Discord does
  DaemonProcess d("receivers:\n" + receiver_yaml("ops-discord", "discord", discord.url(), ", max_delay: 1s") +
                  receiver_yaml("hooks", "webhook", hook.url()) +
                  "routes:\n  - {name: all, receivers: [ops-discord, hooks]}\n");
  const std::uint64_t accepted = post_ndjson(d, distinct("payment-api", "E", 200));
  ASSERT_EQ(accepted, 200u);

  ASSERT_TRUE(eventually([&] { return delivered_count(hook) == accepted; })) << delivered_count(hook);
  ASSERT_TRUE(eventually([&] { return delivered_count(discord) == accepted; }, 15s)) << delivered_count(discord);
  EXPECT_EQ(discord.rate_limited_count(), 0u) << "the default pace keeps within Discord's limit";
  EXPECT_EQ(metric_value(metrics(d), R"(erralert_notifications_failed_total{receiver="ops-discord",reason="rate_limited"})"),
            std::nullopt);
  const auto got = delivered(discord);
  EXPECT_EQ(got.size(), discord.request_count());
  EXPECT_LE(got.size(), 10u) << "200 errors in a handful of messages";

  // The digest's text adds up: its lines and "+N more groups, M events" make its title.
  std::uint64_t groups = 0;
  std::size_t digests = 0;
  for (const auto& r : got) {
    EXPECT_FALSE(discord_payload_error(r.json)) << r.body;
    if (auto digest = discord_digest(r.json)) {
      ++digests;
      EXPECT_EQ(digest->listed_events + digest->more_events, digest->title_events) << r.body;
      EXPECT_EQ(digest->listed_groups + digest->more_groups, digest->title_groups) << r.body;
      EXPECT_GT(digest->more_groups, 0u) << r.body;
      groups += digest->title_groups;
    } else {
      groups += 1;
    }
  }
  EXPECT_GE(digests, 1u);
  EXPECT_EQ(groups, 200u) << "each error in one message";
  EXPECT_EQ(d.terminate(), 0);
  EXPECT_EQ(delivered_count(discord), accepted);
  EXPECT_EQ(delivered_count(hook), accepted);
}

TEST(Grouping, AnEventOfTwoRoutesIsCountedOnceInEachRoutesReceivers) {
  FakePlatform payments(Mode::webhook), everything(Mode::webhook);
  DaemonProcess d("receivers:\n" + receiver_yaml("pay-hooks", "webhook", payments.url()) +
                  receiver_yaml("all-hooks", "webhook", everything.url()) +
                  "defaults: {dedup: {window: 200ms}}\n"
                  "routes:\n"
                  "  - {name: payments, match: {service: \"payment-*\"}, receivers: [pay-hooks], continue: true}\n"
                  "  - {name: everything, receivers: [all-hooks]}\n");
  std::vector<json> events;
  for (int i = 0; i < 20; ++i) {
    for (const auto& e : distinct("payment-api", "P", 3)) events.push_back(e);
    for (const auto& e : distinct("search-api", "S", 2)) events.push_back(e);
  }
  ASSERT_EQ(post_ndjson(d, events), 100u);

  ASSERT_TRUE(eventually([&] { return delivered_count(payments) == 60 && delivered_count(everything) == 100; }))
      << delivered_count(payments) << " " << delivered_count(everything);
  EXPECT_EQ(d.terminate(), 0);
  EXPECT_EQ(delivered_count(payments), 60u);
  EXPECT_EQ(delivered_count(everything), 100u);
  EXPECT_EQ(firsts_by_group(delivered(payments)).size(), 3u);
  EXPECT_EQ(firsts_by_group(delivered(everything)).size(), 5u);
  for (const auto& r : delivered(payments)) {
    EXPECT_EQ(r.json["route"], "payments");
    for (const auto& g : r.json["groups"]) EXPECT_EQ(g["event"]["service"], "payment-api");
  }
  for (const auto& r : delivered(everything)) EXPECT_EQ(r.json["route"], "everything");
}

TEST(Grouping, AReceiverThatIsDownSpoolsByGroupNotByEventAndGetsAFewDigestsWhenBack) {
  constexpr int kDistinct = 300;
  FakePlatform hook(Mode::webhook);
  hook.set_down(503);
  DaemonProcess d("receivers:\n" +
                  receiver_yaml("hooks", "webhook", hook.url(), ", retry: {initial: 50ms, max: 200ms}, max_delay: 500ms") +
                  "defaults: {dedup: {window: 300ms}}\n");
  std::size_t most_files = 0;
  const auto sample = [&] {
    most_files = std::max(most_files, stored_notifications(d));
    return most_files;
  };
  const auto errors = distinct("orders", "DOWN-", kDistinct);
  std::uint64_t accepted = post_ndjson(d, errors);
  sample();
  for (int round = 0; round < 4; ++round) {
    std::vector<json> repeats;
    for (int i = 0; i < 500; ++i) repeats.push_back(errors[static_cast<std::size_t>(i % 10)]);
    accepted += post_ndjson(d, repeats);
    sample();
  }
  ASSERT_EQ(accepted, 2300u);
  // Down, everything ends up waiting in the outbox (the repeats' windows end into it) ...
  const std::string backlog = R"(erralert_receiver_backlog_events{receiver="hooks"})";
  ASSERT_TRUE(eventually([&] {
    sample();
    return metric_value(metrics(d), backlog) == static_cast<double>(accepted);
  })) << metrics(d);
  ASSERT_TRUE(d.wait_for_stderr("folded into one digest")) << d.stderr_text();
  // ... in a store that never held more than a notification per group, and is folded to a few now.
  EXPECT_LE(most_files, static_cast<std::size_t>(kDistinct) + 5) << "a stored notification per event";
  ASSERT_TRUE(eventually([&] { return stored_notifications(d) <= 3; }, 5s)) << stored_notifications(d);
  // A few more attempts fail, each taking what the groups add meanwhile.
  ASSERT_TRUE(eventually([&] { return hook.request_count() >= 6; }));
  EXPECT_TRUE(delivered(hook).empty());

  hook.set_down(0);
  ASSERT_TRUE(eventually([&] { return delivered_count(hook) == accepted; })) << delivered_count(hook);
  const auto got = delivered(hook);
  EXPECT_LE(got.size(), 5u) << "a handful of requests, not one per group";
  EXPECT_GE(count_kind(got, "digest"), 1u);
  ASSERT_TRUE(eventually([&] { return stored_notifications(d) == 0; }));
  EXPECT_EQ(d.terminate(), 0);
  EXPECT_EQ(delivered_count(hook), accepted);
}

// Five reloads while another thread keeps sending: the window changes and a route comes and
// goes; nothing is lost or counted twice, and a group that keeps going never alerts again.
TEST(Grouping, ReloadsWhileSendingLoseNothingAndDoNotReAlert) {
  FakePlatform hook(Mode::webhook), batch_hook(Mode::webhook);
  const auto config = [&](int reload) {
    const bool with_batch = reload % 2 == 1;  // added by reloads 1, 3 and 5, removed by 2 and 4
    return "receivers:\n" + receiver_yaml("hooks", "webhook", hook.url()) +
           receiver_yaml("batch-hooks", "webhook", batch_hook.url()) + "routes:\n" +
           "  - {name: main, receivers: [hooks], continue: true, dedup: {window: " +
           (reload % 2 == 0 ? "400ms" : "700ms") + "}}\n" +
           (with_batch ? "  - {name: batch, match: {service: batch-job}, receivers: [batch-hooks], dedup: {window: 300ms}}\n" : "");
  };
  DaemonProcess d(config(0));
  constexpr auto kShortestWindow = 400ms;

  std::atomic<std::uint64_t> sent_main{0};
  std::chrono::steady_clock::duration longest_gap{0};
  // A jthread: a failed assertion below leaves the test with the sender stopped and joined.
  std::jthread sender([&](std::stop_token stop) {
    const auto events = distinct("orders", "R", 10);
    auto last = std::chrono::steady_clock::now();
    // Bounded: at most 60 s even if the test thread fails before it says stop.
    for (int i = 0; i < 6000 && !stop.stop_requested(); ++i) {
      sent_main += post_ndjson(d, events);
      const auto now = std::chrono::steady_clock::now();
      longest_gap = std::max(longest_gap, now - last);
      last = now;
      std::this_thread::sleep_for(10ms);  // the load's pace, not a wait for an outcome
    }
  });

  std::uint64_t sent_batch = 0;
  const auto batch_events = [] {
    std::vector<json> events;
    for (int i = 0; i < 20; ++i) {
      for (const auto& e : distinct("batch-job", "B", 3)) events.push_back(e);
    }
    return events;
  }();
  // Summaries of the ten errors sent all along: each reload waits for a window of them to end
  // under the new settings.
  const auto main_summaries = [&] {
    std::size_t n = 0;
    for (const auto& r : delivered(hook)) {
      n += r.json["kind"] == "summary" && r.json["route"] == "main" && r.json["groups"][0]["event"]["service"] == "orders";
    }
    return n;
  };
  for (int reload = 1; reload <= 5; ++reload) {
    const std::size_t summaries_before = main_summaries();
    d.rewrite_config(config(reload));
    ASSERT_TRUE(d.reload()) << d.stderr_text();
    if (reload % 2 == 1) {
      sent_batch += post_ndjson(d, batch_events);
      // Taken by the pipeline before the next reload removes the route again.
      ASSERT_TRUE(eventually([&] { return metric_value(metrics(d), "erralert_pipeline_queue_depth") == 0.0; }));
    }
    ASSERT_TRUE(eventually([&] { return main_summaries() >= summaries_before + 10; })) << main_summaries();
  }
  sender.request_stop();
  sender.join();
  const std::uint64_t expected_main = sent_main + sent_batch;  // main takes every event (continue)
  ASSERT_EQ(sent_batch, 180u);

  ASSERT_TRUE(eventually([&] { return delivered_count(hook) == expected_main && delivered_count(batch_hook) == sent_batch; }))
      << delivered_count(hook) << " of " << expected_main << ", " << delivered_count(batch_hook) << " of " << sent_batch
      << "\n" << bodies(delivered(batch_hook)) << d.stderr_text();
  EXPECT_EQ(d.terminate(), 0);
  EXPECT_EQ(delivered_count(hook), expected_main);
  EXPECT_EQ(delivered_count(batch_hook), sent_batch);

  // The ten errors sent all along: one first each, whatever the reloads did.
  std::map<std::string, int> firsts;
  for (const auto& r : delivered(hook)) {
    if (r.json["kind"] != "first") continue;
    for (const auto& g : r.json["groups"]) {
      if (g["event"]["service"] == "orders") ++firsts[g["fingerprint"].get<std::string>()];
    }
  }
  EXPECT_EQ(firsts.size(), 10u);
  // The batch route's groups: a first each time the route was there (three times), no more.
  for (const auto& [group, n] : firsts_by_group(delivered(batch_hook))) EXPECT_EQ(n, 3) << group;
  EXPECT_EQ(firsts_by_group(delivered(batch_hook)).size(), 3u);
  if (longest_gap >= kShortestWindow) {
    // A whole window without an event closes a group, and its next event alerts again, rightly.
    GTEST_SKIP() << "the sender stalled " << std::chrono::duration_cast<std::chrono::milliseconds>(longest_gap).count()
                 << " ms, a whole window: re-alerts are not checked";
  }
  for (const auto& [fp, n] : firsts) EXPECT_EQ(n, 1) << "re-alerted after a reload: " << fp;
}

TEST(Grouping, AGroupThatGoesQuietSendsResolvedWithCountZeroAndItsTotal) {
  FakePlatform hook(Mode::webhook);
  DaemonProcess d("receivers:\n" + receiver_yaml("hooks", "webhook", hook.url()) +
                  "routes:\n  - {name: r, receivers: [hooks], dedup: {window: 200ms, resolved: true}}\n");
  const json e = error_event("orders", "QUIET");
  ASSERT_EQ(post_ndjson(d, repeat(e, 7)), 7u);
  ASSERT_TRUE(eventually([&] { return count_kind(delivered(hook), "resolved") == 1; }, 5s));
  EXPECT_EQ(delivered_count(hook), 7u);
  EXPECT_EQ(d.terminate(), 0);

  const auto got = delivered(hook);
  ASSERT_GE(got.size(), 2u);
  EXPECT_EQ(got.front().json["kind"], "first");
  const auto& resolved = got.back().json;
  EXPECT_EQ(resolved["kind"], "resolved") << "nothing after it";
  ASSERT_EQ(resolved["groups"].size(), 1u);
  const auto& g = resolved["groups"][0];
  EXPECT_EQ(g["count"], 0) << "it accounts for no new event";
  EXPECT_EQ(g["total"], 7);
  EXPECT_EQ(g["fingerprint"], got.front().json["groups"][0]["fingerprint"]);
  EXPECT_LE(g["first_seen"].get<std::string>(), g["last_seen"].get<std::string>());
  EXPECT_EQ(delivered_count(hook), 7u);
  EXPECT_EQ(count_kind(got, "resolved"), 1u);
}

}  // namespace
}  // namespace erralert::testing
