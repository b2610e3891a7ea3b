// Fleet mode on a real Redis (CONTRACT.md section 8): several real erralertd sharing one Redis
// and one fake receiver behave, at the receiver's door, like one sidecar that saw every event;
// without Redis each works alone and loses nothing. Every test checks the count invariant over
// the whole fleet: what the receiver got adds up to what the sidecars accepted together.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/daemon_process.hpp"
#include "support/eventually.hpp"
#include "support/fake_platform.hpp"
#include "support/http_client.hpp"
#include "support/notifications.hpp"
#include "support/redis_server.hpp"

namespace erralert::testing {
namespace {

using namespace std::chrono_literals;
using Mode = FakePlatform::Mode;
using nlohmann::json;

json error_event(const std::string& code) {
  return {{"service", "payment-api"}, {"environment", "prod"}, {"status", 502}, {"code", code},
          {"message", "upstream failed: " + code}, {"request", {{"method", "POST"}, {"path", "/v1/orders/48213"}}}};
}

std::vector<json> codes(const std::string& prefix, int n) {
  std::vector<json> out;
  for (int i = 0; i < n; ++i) out.push_back(error_event(prefix + std::to_string(i)));
  return out;
}

/// The config of one sidecar of the fleet on the Redis at `url`: `receivers` and `extra` after
/// the cluster block. A generous timeout: sanitizer builds on a busy machine are slow, and the
/// tests that want Redis gone stop it.
std::string fleet_yaml(const std::string& url, const std::string& instance, const std::string& receivers,
                       const std::string& extra = "") {
  return "cluster: {redis: \"" + url + "\", instance: " + instance + ", timeout: 2s}\nreceivers:\n" + receivers + extra;
}

double metric(const DaemonProcess& d, const std::string& series) {
  return metric_value(http_get(d.port(), "/metrics").body, series).value_or(-1);
}

bool shared(const DaemonProcess& d) { return metric(d, R"(erralert_cluster_mode{mode="shared"})") == 1; }

/// route + fingerprint -> `first` notifications naming it, over webhook bodies.
std::map<std::string, int> firsts_by_group(const std::vector<FakePlatform::Request>& requests) {
  std::map<std::string, int> firsts;
  for (const auto& r : requests) {
    if (r.json["kind"] != "first") continue;
    for (const auto& g : r.json["groups"]) ++firsts[g["fingerprint"].get<std::string>()];
  }
  return firsts;
}

/// Events of notifications sent with one host's count while the fleet was unreachable.
std::uint64_t host_only_count(const std::vector<FakePlatform::Request>& requests) {
  std::uint64_t n = 0;
  for (const auto& r : requests) {
    for (const auto& g : r.json["groups"]) {
      if (g.value("host_only", false)) n += g["count"].get<std::uint64_t>();
    }
  }
  return n;
}

/// Three sidecars, one Redis, one webhook.
struct Fleet {
  explicit Fleet(const std::string& receiver_extra = "", const std::string& extra = "",
                 std::vector<std::string> redis_args = {}, std::size_t size = 3)
      : redis(std::move(redis_args)) {
    for (std::size_t i = 0; i < size; ++i) {
      sidecars.push_back(std::make_unique<DaemonProcess>(fleet_yaml(
          redis.url(), "web-" + std::to_string(i + 1), receiver_yaml("hooks", "webhook", hook.url(), receiver_extra), extra)));
    }
    for (const auto& d : sidecars) EXPECT_TRUE(eventually([&] { return shared(*d); })) << d->stderr_text();
  }
  RedisServer redis;
  FakePlatform hook{Mode::webhook};
  std::vector<std::unique_ptr<DaemonProcess>> sidecars;
};

TEST(Fleet, AStormAcrossThreeSidecarsGetsOneFirstPerErrorAndTheFleetsCountOnce) {
  Fleet fleet("", "defaults: {dedup: {window: 3s}}\n");
  // Every sidecar sees the same 200 distinct errors and its share of one repeated error.
  std::uint64_t accepted = 0;
  for (const auto& d : fleet.sidecars) {
    std::vector<json> events = codes("E-", 200);
    for (int i = 0; i < 300; ++i) events.push_back(error_event("REPEATED"));
    accepted += post_ndjson(*d, events);
  }
  ASSERT_EQ(accepted, 3u * 500);
  ASSERT_TRUE(eventually([&] { return delivered_count(fleet.hook) == accepted; }, 30s))
      << delivered_count(fleet.hook) << " of " << accepted;
  const auto got = delivered(fleet.hook);
  const auto firsts = firsts_by_group(got);
  EXPECT_EQ(firsts.size(), 201u) << "one first per distinct error, fleet-wide";
  for (const auto& [fp, n] : firsts) EXPECT_EQ(n, 1) << fp;
  // The repeated error's notifications carry the fleet's count: 900 in all.
  std::uint64_t repeated = 0;
  for (const auto& r : got) {
    for (const auto& g : r.json["groups"]) {
      if (g["event"]["code"] == "REPEATED") repeated += g["count"].get<std::uint64_t>();
    }
  }
  EXPECT_EQ(repeated, 900u);
  EXPECT_EQ(host_only_count(got), 0u);
  double forwarded = 0, taken = 0;
  for (const auto& d : fleet.sidecars) {
    forwarded += metric(*d, "erralert_cluster_events_forwarded_total");
    taken += metric(*d, "erralert_cluster_events_taken_total");
  }
  EXPECT_GT(forwarded, 0);
  EXPECT_EQ(forwarded, taken) << "every count handed to an owner was reported by it";
  // Stops add nothing: every count was already delivered.
  for (const auto& d : fleet.sidecars) EXPECT_EQ(d->terminate(), 0) << d->stderr_text();
  EXPECT_EQ(delivered_count(fleet.hook), accepted);
}

TEST(Fleet, ThreeSidecarsStayWithinOneDiscordWebhooksLimitTogether) {
  // The fake Discord allows 5 per 2 s for the webhook, whoever sends, as Discord does. Each
  // sidecar has 4 errors of its own to announce, which its own pace (Discord's default, 5 per
  // 2 s) would let out at once: 12 in a moment, 7 of them 429s, were the budget not the fleet's.
  RedisServer redis;
  FakePlatform discord(Mode::discord);
  discord.enforce_rate_limit(5, 2s);
  std::vector<std::unique_ptr<DaemonProcess>> sidecars;
  for (int i = 0; i < 3; ++i) {
    sidecars.push_back(std::make_unique<DaemonProcess>(
        fleet_yaml(redis.url(), "web-" + std::to_string(i), receiver_yaml("ops", "discord", discord.url(), ", max_delay: 30s"),
                   "defaults: {dedup: {window: 1h}}\n")));
  }
  for (const auto& d : sidecars) ASSERT_TRUE(eventually([&] { return shared(*d); })) << d->stderr_text();
  std::uint64_t accepted = 0;
  for (std::size_t i = 0; i < sidecars.size(); ++i) accepted += post_ndjson(*sidecars[i], codes("HOST" + std::to_string(i) + "-", 4));
  ASSERT_TRUE(eventually([&] { return delivered_count(discord) == accepted; }, 30s))
      << delivered_count(discord) << " of " << accepted;
  EXPECT_EQ(discord.rate_limited_count(), 0u) << "the fleet together provoked no 429";
  EXPECT_EQ(discord.request_count(), 12u) << "one first each, none folded: the pace let them all out in time";
  for (const auto& d : sidecars) EXPECT_EQ(d->terminate(), 0);
  EXPECT_EQ(delivered_count(discord), accepted);
}

TEST(Fleet, ARetryAfterSeenByOneSidecarHoldsThemAll) {
  Fleet fleet("", "defaults: {dedup: {window: 2s}}\n", {}, 2);
  fleet.hook.push_rate_limited(3.0);  // the first request of the fleet is told to wait 3 s
  std::uint64_t accepted = post_ndjson(*fleet.sidecars[0], {error_event("A")});
  ASSERT_TRUE(fleet.hook.wait_for_requests(1));
  // Once the first sidecar has told the fleet to hold, the second one's error waits too.
  ASSERT_TRUE(eventually([&] { return fleet.redis.command({"KEYS", "erralert:hold:*"}) != "[]"; }));
  accepted += post_ndjson(*fleet.sidecars[1], {error_event("B")});
  ASSERT_TRUE(eventually([&] { return delivered_count(fleet.hook) == accepted; }, 15s));
  // Neither sidecar sent again before the platform's 3 s were over.
  const auto requests = fleet.hook.requests();
  ASSERT_GE(requests.size(), 3u);
  for (std::size_t i = 1; i < requests.size(); ++i) {
    EXPECT_GE(requests[i].received_at - requests[0].received_at, 2900ms) << "request " << i;
  }
  for (const auto& d : fleet.sidecars) EXPECT_EQ(d->terminate(), 0);
}

TEST(Fleet, WhenTheOwnerDiesAnotherSidecarTakesItsGroupOverAndNothingIsLost) {
  Fleet fleet("", "defaults: {dedup: {window: 1s}}\n", {}, 2);
  DaemonProcess& owner = *fleet.sidecars[0];
  DaemonProcess& other = *fleet.sidecars[1];
  std::uint64_t accepted = post_ndjson(owner, {error_event("TAKEOVER")});
  ASSERT_TRUE(eventually([&] { return delivered_count(fleet.hook) == 1; }));  // the owner's first
  owner.kill_hard();
  // The other sidecar counts the same error for the owner, who is gone.
  accepted += post_ndjson(other, std::vector<json>(10, error_event("TAKEOVER")));
  // Within the owner's lease and a window it takes the group over and reports the 10.
  ASSERT_TRUE(eventually([&] { return delivered_count(fleet.hook) == accepted; }, 20s))
      << delivered_count(fleet.hook) << " of " << accepted << "\n" << other.stderr_text();
  const auto got = delivered(fleet.hook);
  EXPECT_EQ(firsts_by_group(got).size(), 1u);
  EXPECT_GE(metric(other, "erralert_cluster_events_taken_total"), 10);
  EXPECT_EQ(other.terminate(), 0);
}

TEST(Fleet, RedisKilledMidStormAndBackLosesNothingAndTheModeChangesAreCounted) {
  // Redis with its append-only file synced at every write: what it acknowledged survives the kill.
  Fleet fleet("", "defaults: {dedup: {window: 2s}}\n", {"--appendonly", "yes", "--appendfsync", "always"}, 2);
  std::uint64_t accepted = 0;
  for (const auto& d : fleet.sidecars) accepted += post_ndjson(*d, codes("K-", 50));
  fleet.redis.kill();
  for (const auto& d : fleet.sidecars) {
    accepted += post_ndjson(*d, codes("K-", 50));
    accepted += post_ndjson(*d, codes("ALONE-", 20));
  }
  for (const auto& d : fleet.sidecars) {
    ASSERT_TRUE(eventually([&] { return metric(*d, R"(erralert_cluster_mode{mode="alone"})") == 1; }, 10s));
    const HttpResult ready = http_get(d->port(), "/readyz");
    EXPECT_EQ(ready.status, 200);
    EXPECT_NE(ready.body.find("working alone"), std::string::npos) << ready.body;
    EXPECT_EQ(http_get(d->port(), "/v1/status").json()["cluster"]["mode"], "alone");
  }
  fleet.redis.start();
  for (const auto& d : fleet.sidecars) {
    ASSERT_TRUE(eventually([&] { return shared(*d); }, 10s)) << d->stderr_text();
    EXPECT_GE(metric(*d, R"(erralert_cluster_mode_changes_total{to="alone"})"), 1);
    EXPECT_GE(metric(*d, R"(erralert_cluster_mode_changes_total{to="shared"})"), 2);
    EXPECT_GE(metric(*d, "erralert_cluster_errors_total"), 1);
  }
  for (const auto& d : fleet.sidecars) accepted += post_ndjson(*d, codes("BACK-", 20));
  // Nothing lost; what exceeds the accepted events was sent alone, and says so.
  ASSERT_TRUE(eventually([&] { return delivered_count(fleet.hook) >= accepted; }, 30s))
      << delivered_count(fleet.hook) << " of " << accepted;
  for (const auto& d : fleet.sidecars) EXPECT_EQ(d->terminate(), 0);
  const auto got = delivered(fleet.hook);
  const std::uint64_t total = delivered_count(fleet.hook);
  EXPECT_GE(total, accepted);
  EXPECT_LE(total - accepted, host_only_count(got)) << "only a window sent alone may be counted twice";
  EXPECT_GT(host_only_count(got), 0u);
}

TEST(Fleet, AGroupTheWholeFleetSawIsResolvedOnceWhenTheFleetGoesQuiet) {
  Fleet fleet("", "defaults: {dedup: {window: 1s, resolved: true}}\n", {}, 2);
  std::uint64_t accepted = post_ndjson(*fleet.sidecars[0], std::vector<json>(3, error_event("FLAKY")));
  ASSERT_TRUE(eventually([&] { return delivered_count(fleet.hook) == 3; }));
  accepted += post_ndjson(*fleet.sidecars[1], std::vector<json>(4, error_event("FLAKY")));
  // Both hosts go quiet: the owner reports the other's 4, then gives the group up, once.
  ASSERT_TRUE(eventually([&] { return count_kind(delivered(fleet.hook), "resolved") >= 1; }, 20s))
      << delivered_count(fleet.hook);
  for (const auto& d : fleet.sidecars) EXPECT_EQ(d->terminate(), 0);
  const auto got = delivered(fleet.hook);
  EXPECT_EQ(count_kind(got, "resolved"), 1u);
  EXPECT_EQ(count_kind(got, "first"), 1u);
  EXPECT_EQ(delivered_count(fleet.hook), accepted);
  for (const auto& r : got) {
    if (r.json["kind"] == "resolved") {
      EXPECT_EQ(r.json["groups"][0]["total"], 7) << r.json.dump();
    }
  }
}

TEST(Fleet, WithoutRedisASidecarWorksAloneFromTheStartAndSaysSo) {
  const std::uint16_t closed = [] {
    RedisServer r;  // a port that was Redis's a moment ago, closed now
    const auto p = r.port();
    r.stop();
    return p;
  }();
  FakePlatform hook(Mode::webhook);
  DaemonProcess d(fleet_yaml("redis://127.0.0.1:" + std::to_string(closed) + "/0", "web-1",
                             receiver_yaml("hooks", "webhook", hook.url())));
  const std::uint64_t accepted = post_ndjson(d, std::vector<json>(5, error_event("LONELY")));
  ASSERT_TRUE(eventually([&] { return delivered_count(hook) >= 1; }));
  EXPECT_EQ(metric(d, R"(erralert_cluster_mode{mode="alone"})"), 1);
  const HttpResult ready = http_get(d.port(), "/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_NE(ready.body.find("working alone"), std::string::npos) << ready.body;
  EXPECT_EQ(d.terminate(), 0);
  EXPECT_EQ(delivered_count(hook), accepted);
  EXPECT_TRUE(delivered(hook).front().json["groups"][0].value("host_only", false));
  EXPECT_EQ(d.stderr_text().find("127.0.0.1:" + std::to_string(closed) + "/0"), std::string::npos)
      << "the Redis URL is not logged";
}

TEST(Fleet, ClusterStatusShowsTheSidecarsTheirGroupsAndThePace) {
  Fleet fleet(", rate_limit: {count: 30, per: 1m}", "defaults: {dedup: {window: 1h}}\n", {"--requirepass", "s3cret-pw"}, 0);
  // The fleet of this test uses a password: the URL's secret must not reach any output.
  const std::string url = "redis://:s3cret-pw@127.0.0.1:" + std::to_string(fleet.redis.port()) + "/0";
  const std::string receiver = receiver_yaml("hooks", "webhook", fleet.hook.url(), ", rate_limit: {count: 30, per: 1m}");
  DaemonProcess a(fleet_yaml(url, "web-a", receiver, "defaults: {dedup: {window: 1h}}\n"));
  DaemonProcess b(fleet_yaml(url, "web-b", receiver, "defaults: {dedup: {window: 1h}}\n"));
  ASSERT_TRUE(eventually([&] { return shared(a) && shared(b); })) << a.stderr_text();
  post_ndjson(a, codes("S-", 3));
  ASSERT_TRUE(eventually([&] { return fleet.hook.request_count() == 3; }));  // a owns the three
  post_ndjson(b, codes("S-", 3));
  ASSERT_TRUE(eventually([&] { return metric(b, "erralert_cluster_events_forwarded_total") == 3; }));
  const auto r = run_erralertd({"cluster", "status", "--config", a.config_path(), "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json s = json::parse(r.out);
  EXPECT_EQ(s["instances"].size(), 2u) << r.out;
  EXPECT_EQ(s["groups"]["total"], 3) << r.out;
  EXPECT_EQ(s["groups"]["owned"]["web-a"], 3) << r.out;
  EXPECT_EQ(s["groups"]["events_waiting_for_owner"], 3) << r.out << " (b's three, for a's next summary)";
  EXPECT_EQ(s["pace"][0]["sends_in_window"], 3) << r.out;
  const auto text = run_erralertd({"cluster", "status", "--config", a.config_path()});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("2 alive"), std::string::npos) << text.out;
  for (const std::string& out : {r.out, r.err, text.out, a.stderr_text(), http_get(a.port(), "/v1/status").body,
                                 http_get(a.port(), "/metrics").body}) {
    EXPECT_EQ(out.find("s3cret-pw"), std::string::npos) << out;
  }
  EXPECT_EQ(a.terminate(), 0);
  EXPECT_EQ(b.terminate(), 0);
  // Redis unreachable: exit 3 with the reason, not the password.
  fleet.redis.stop();
  const auto down = run_erralertd({"cluster", "status", "--config", a.config_path()});
  EXPECT_EQ(down.exit_code, 3) << down.out;
  EXPECT_EQ(down.err.find("s3cret-pw"), std::string::npos) << down.err;
}

}  // namespace
}  // namespace erralert::testing
