// Aggregator: groups per (route, receiver, fingerprint), driven by explicit times (no sleeps):
// min_count, summaries per window, quiet windows closing, resolved, reopen memory, next_due,
// late events, reconfigure, overflow, flush, snapshot and restore, and the changes the store writes.
#include "erralert/core/aggregator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <numeric>
#include <random>
#include <tuple>

#include "grouping_support.hpp"

namespace erralert::core {
namespace {

using namespace erralert::testing;
using K = NotificationKind;

/// An aggregator whose timer fires at every next_due, as app::Dispatcher's tick loop does.
struct Clocked {
  explicit Clocked(AggregatorLimits limits = {}) : agg(limits) {}

  /// Ticks at each due time up to `t`.
  void until(std::int64_t t) {
    while (const auto due = agg.next_due()) {
      if (*due > t) break;
      agg.tick(*due, step);
      record(step, *due, out);
    }
  }
  /// The timer up to `t`, then `fp`'s event at `t`.
  void admit(const config::Route& r, std::string_view receiver, std::string fp, std::int64_t t,
             std::string message = "boom") {
    until(t);
    agg.admit(delivery(r, receiver, std::move(fp), event_at(t, std::move(message))), t, step);
    record(step, t, out);
  }

  Aggregator agg;
  Aggregator::Step step;
  std::vector<Emitted> out;
};

/// Events the emitted notifications account for.
std::uint64_t counted(const std::vector<Emitted>& out) {
  return std::accumulate(out.begin(), out.end(), std::uint64_t{0},
                         [](std::uint64_t n, const Emitted& e) { return n + e.count; });
}

const std::string kReceivers = "receivers: [{name: a, type: console}, {name: b, type: console}]\n";

/// One route `r` to receiver a with `dedup` (YAML flow map).
config::Config one_route(const std::string& dedup) {
  return config_of(kReceivers + "routes:\n  - {name: r, receivers: [a, b], dedup: " + dedup + "}\n");
}

// What a group says and when, as the fields a reader sees.
struct Line {
  double at;
  K kind;
  std::uint64_t count;
  double first, last;
  std::uint64_t total;
  bool operator==(const Line&) const = default;
  friend std::ostream& operator<<(std::ostream& os, const Line& l) {
    return os << "{at " << l.at << "s " << l.kind << " count " << l.count << " seen " << l.first << "s.." << l.last
              << "s total " << l.total << "}";
  }
};

std::vector<Line> lines_of(const std::vector<Emitted>& out) {
  std::vector<Line> lines;
  for (const auto& e : out) {
    lines.push_back({e.at / 1000.0, e.kind, e.count, e.first_ms / 1000.0, e.last_ms / 1000.0, e.total});
  }
  return lines;
}

struct DedupCase {
  const char* name;
  const char* dedup;
  std::vector<double> events;  ///< seconds
  std::vector<Line> expect;
  std::uint64_t below_threshold;
};

TEST(AggregatorDedup, WindowsMinCountAndResolved) {
  const DedupCase cases[] = {
      {"min_count 1: first at once, a summary per window with new events, a quiet window closes",
       "{window: 1m}",
       {0, 10, 20, 65},
       {{0, K::first, 1, 0, 0, 1}, {60, K::summary, 2, 10, 20, 3}, {120, K::summary, 1, 65, 65, 4}},
       0},
      {"min_count 3: the first goes out at the third event and counts all three",
       "{window: 1m, min_count: 3}",
       {0, 5, 10, 30},
       {{10, K::first, 3, 0, 10, 3}, {60, K::summary, 1, 30, 30, 4}},
       0},
      {"min_count 3 not reached: the window's end closes the group below threshold",
       "{window: 1m, min_count: 3}",
       {0, 30, 70},
       {},
       3},
      {"min_count counts inside one window: a new window starts again from zero",
       "{window: 1m, min_count: 3}",
       {0, 10, 61, 62, 63},
       {{63, K::first, 3, 61, 63, 3}},
       2},
      {"resolved: a notified group that goes quiet says so with count 0, its total and its span",
       "{window: 1m, resolved: true}",
       {0, 10, 70},
       {{0, K::first, 1, 0, 0, 1},
        {60, K::summary, 1, 10, 10, 2},
        {120, K::summary, 1, 70, 70, 3},
        {180, K::resolved, 0, 0, 70, 3}},
       0},
      {"resolved after a lone first", "{window: 1m, resolved: true}", {5}, {{5, K::first, 1, 5, 5, 1}, {65, K::resolved, 0, 5, 5, 1}}, 0},
      {"resolved only for groups that reached min_count",
       "{window: 1m, min_count: 3, resolved: true}",
       {0, 10},
       {},
       2},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto cfg = one_route(c.dedup);
    Clocked t;
    for (double at : c.events) t.admit(cfg.routes[0], "a", "fp1", s(at));
    t.until(s(100'000));
    EXPECT_EQ(lines_of(t.out), c.expect);
    EXPECT_EQ(t.step.below_threshold, c.below_threshold);
    EXPECT_EQ(counted(t.out) + t.step.below_threshold, c.events.size()) << "every event counted once";
    EXPECT_EQ(t.agg.open_groups(), 0u) << "a quiet window closes the group";
    EXPECT_EQ(t.agg.next_due(), std::nullopt);
  }
}

TEST(AggregatorDedup, SummaryCarriesTheLatestEventOfItsWindow) {
  const auto cfg = one_route("{window: 1m}");
  Clocked t;
  t.admit(cfg.routes[0], "a", "fp1", s(0), "one");
  t.admit(cfg.routes[0], "a", "fp1", s(10), "two");
  t.admit(cfg.routes[0], "a", "fp1", s(20), "three");
  t.until(s(60));
  ASSERT_EQ(t.out.size(), 2u);
  EXPECT_EQ(t.out[0].message, "one");
  EXPECT_EQ(t.out[1].message, "three");
  EXPECT_EQ(t.step.deduplicated, 2u) << "two events counted without a notification of their own";
}

TEST(AggregatorDedup, GroupsArePerRouteReceiverAndFingerprint) {
  const auto cfg = config_of(kReceivers + R"(
routes:
  - {name: r, receivers: [a, b], dedup: {window: 1m}}
  - {name: q, receivers: [a], dedup: {window: 1m}}
)");
  Clocked t;
  t.admit(cfg.routes[0], "a", "fp1", s(0));
  t.admit(cfg.routes[0], "b", "fp1", s(0));
  t.admit(cfg.routes[1], "a", "fp1", s(0));
  t.admit(cfg.routes[0], "a", "fp2", s(0));
  t.admit(cfg.routes[0], "a", "fp1", s(1));
  EXPECT_EQ(t.agg.open_groups(), 4u);
  ASSERT_EQ(t.out.size(), 4u) << "four groups, four firsts; the fifth event is counted in r/a/fp1";
  EXPECT_EQ(t.agg.pending_events(), 1u);
}

TEST(AggregatorDedup, ThousandsOfGroupsWithShortAndLongKeysKeepTheirOwnCounts) {
  // Keys of a few bytes and of more than the slot keeps in place, through the index's growth,
  // groups closing (erased) and reopening.
  const std::string long_route(60, 'r');  // the longest a route name may be is 64
  const auto cfg = config_of(kReceivers + "routes:\n  - {name: r, receivers: [a, b], dedup: {window: 1m}}\n"
                             "  - {name: " + long_route + ", receivers: [a], dedup: {window: 1m}}\n");
  Clocked t;
  constexpr int kFingerprints = 3000;
  auto fp = [](int i) { return i % 2 ? "fp" + std::to_string(i) : std::string(40, 'f') + std::to_string(i); };
  std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t> admitted;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < kFingerprints; ++i) {
      if (i % 3 < round) continue;  // group i sees 1, 2 or 3 events
      t.admit(cfg.routes[0], "a", fp(i), s(round));
      t.admit(cfg.routes[i % 2], i % 2 ? "a" : "b", fp(i), s(round));
      ++admitted[{"r", "a", fp(i)}];
      ++admitted[{i % 2 ? long_route : "r", i % 2 ? "a" : "b", fp(i)}];
    }
  }
  EXPECT_EQ(t.agg.open_groups(), 2u * kFingerprints);
  t.until(s(200));  // every group summarises what it counted after its first, then closes
  EXPECT_EQ(t.agg.open_groups(), 0u);
  std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t> counted_per_group;
  for (const auto& e : t.out) counted_per_group[{e.route, e.receiver, e.fingerprint}] += e.count;
  EXPECT_EQ(counted_per_group, admitted);
  t.out.clear();
  t.admit(cfg.routes[1], "a", fp(1), s(300));  // reopened: a new slot under the long key
  ASSERT_EQ(t.out.size(), 1u);
  EXPECT_EQ(t.out[0].kind, K::first);
  EXPECT_EQ(t.out[0].seen_before, 2u) << "group 1 of the long route counted two events before";
}

TEST(AggregatorDedup, AReplacedLatestEventIsLetGoOf) {
  const auto cfg = one_route("{window: 1m}");
  Aggregator agg;
  Aggregator::Step step;
  std::weak_ptr<const Event> first;
  {
    auto e = event_at(s(0), "one");
    first = e;
    agg.admit(delivery(cfg.routes[0], "a", "fp1", std::move(e)), s(0), step);
  }
  step = {};  // the `first` notification held it too
  ASSERT_FALSE(first.expired()) << "the group's latest event";
  for (std::size_t i = 1; i <= ReleaseRing::kDepth + 1; ++i) {
    const auto at = s(static_cast<double>(i));
    agg.admit(delivery(cfg.routes[0], "a", "fp1", event_at(at, "later")), at, step);
  }
  EXPECT_TRUE(first.expired()) << "replaced by the next event, and let go of ReleaseRing::kDepth events after";
}

TEST(AggregatorTimer, NextDueIsTheEarliestWindowEnd) {
  const auto cfg = one_route("{window: 1m}");
  Aggregator agg;
  Aggregator::Step step;
  EXPECT_EQ(agg.next_due(), std::nullopt) << "no open group, no timer";
  agg.admit(delivery(cfg.routes[0], "a", "fp1", event_at(s(5))), s(5), step);
  EXPECT_EQ(agg.next_due(), s(65));
  agg.admit(delivery(cfg.routes[0], "a", "fp2", event_at(s(20))), s(20), step);
  EXPECT_EQ(agg.next_due(), s(65));
  agg.admit(delivery(cfg.routes[0], "a", "fp2", event_at(s(30))), s(30), step);
  agg.tick(s(64), step);
  EXPECT_EQ(agg.open_groups(), 2u) << "nothing is due before its window ends";
  agg.tick(s(65), step);  // fp1 saw nothing after its first: closed
  EXPECT_EQ(agg.open_groups(), 1u);
  EXPECT_EQ(agg.next_due(), s(80));
  agg.tick(s(80), step);  // fp2: a summary, and its next window
  EXPECT_EQ(agg.next_due(), s(140));
  agg.tick(s(140), step);
  EXPECT_EQ(agg.next_due(), std::nullopt);
  ASSERT_EQ(step.notifications.size(), 3u);
  EXPECT_EQ(step.notifications[2].kind, K::summary);
  EXPECT_EQ(step.notifications[2].groups[0].count, 1u);
}

TEST(AggregatorTimer, EventAfterItsWindowEndWithoutATickRollsTheWindowFirst) {
  const auto cfg = one_route("{window: 1m}");
  {
    SCOPED_TRACE("the next window holds the event: a summary of the old one, the event counted in the new");
    Clocked t;
    t.admit(cfg.routes[0], "a", "fp1", s(0));
    t.admit(cfg.routes[0], "a", "fp1", s(10));
    t.agg.admit(delivery(cfg.routes[0], "a", "fp1", event_at(s(70))), s(70), t.step);  // no tick at 60
    record(t.step, s(70), t.out);
    t.until(s(1000));
    EXPECT_EQ(lines_of(t.out), (std::vector<Line>{{0, K::first, 1, 0, 0, 1},
                                                  {70, K::summary, 1, 10, 10, 2},
                                                  {120, K::summary, 1, 70, 70, 3}}));
  }
  {
    SCOPED_TRACE("a quiet window came in between: a summary, the group closed, the event reopens it");
    Clocked t;
    t.admit(cfg.routes[0], "a", "fp1", s(0));
    t.admit(cfg.routes[0], "a", "fp1", s(10));
    t.agg.admit(delivery(cfg.routes[0], "a", "fp1", event_at(s(130))), s(130), t.step);  // no tick at 60, 120
    record(t.step, s(130), t.out);
    ASSERT_EQ(t.out.size(), 3u);
    EXPECT_EQ(lines_of(t.out)[1], (Line{130, K::summary, 1, 10, 10, 2}));
    EXPECT_EQ(lines_of(t.out)[2], (Line{130, K::first, 1, 130, 130, 1}));
    EXPECT_EQ(t.out[2].seen_before, 2u);
    EXPECT_EQ(t.out[2].seen_before_since_ms, s(0));
    EXPECT_EQ(t.agg.next_due(), s(190));
  }
}

enum class Ticks { dispatcher, timer_only, admit_only };

struct ReopenCase {
  const char* name;
  Ticks ticks;
  std::int64_t after_close_ms;  ///< the group closed at 120 s
  std::uint64_t seen_before;
};

TEST(AggregatorMemory, ReopeningWithin24HoursSaysAgain) {
  const ReopenCase cases[] = {
      {"an hour later", Ticks::dispatcher, kHour, 2},
      {"just under a day", Ticks::dispatcher, kDay - 1, 2},
      {"a day later it is forgotten", Ticks::dispatcher, kDay, 0},
      {"an hour later, timer only", Ticks::timer_only, kHour, 2},
      {"a day later, timer only", Ticks::timer_only, kDay, 0},
      {"an hour later, no tick at all", Ticks::admit_only, kHour, 2},
      {"just under a day, no tick at all", Ticks::admit_only, kDay - 1, 2},
      {"a day after its quiet window ended, no tick at all", Ticks::admit_only, kDay, 0},
  };
  const auto cfg = one_route("{window: 1m}");
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Aggregator agg;
    Aggregator::Step step;
    agg.admit(delivery(cfg.routes[0], "a", "fp1", event_at(s(0))), s(0), step);
    agg.admit(delivery(cfg.routes[0], "a", "fp1", event_at(s(10))), s(10), step);
    if (c.ticks != Ticks::admit_only) {
      agg.tick(s(60), step);   // summary
      agg.tick(s(120), step);  // quiet: closed
      ASSERT_EQ(agg.open_groups(), 0u);
    }
    const std::int64_t at = s(120) + c.after_close_ms;
    if (c.ticks == Ticks::dispatcher) agg.tick(at, step);  // the dispatcher ticks before each batch
    step.notifications.clear();
    agg.admit(delivery(cfg.routes[0], "a", "fp1", event_at(at)), at, step);
    ASSERT_FALSE(step.notifications.empty());
    const GroupEntry& g = step.notifications.back().groups[0];
    EXPECT_EQ(step.notifications.back().kind, K::first);
    EXPECT_EQ(g.seen_before, c.seen_before);
    EXPECT_EQ(g.seen_before_since_ms, c.seen_before ? s(0) : 0);
    EXPECT_EQ(g.count, 1u) << "seen_before is context, never counted again";
  }
}

TEST(AggregatorMemory, EveryReopeningAddsUpSinceTheFirstOpening) {
  const auto cfg = one_route("{window: 1m, resolved: true}");
  Clocked t;
  t.admit(cfg.routes[0], "a", "fp1", s(0));
  t.admit(cfg.routes[0], "a", "fp1", s(1));
  for (int i = 0; i < 3; ++i) t.admit(cfg.routes[0], "a", "fp1", kHour + s(i));
  t.admit(cfg.routes[0], "a", "fp1", 2 * kHour);
  t.until(3 * kHour);
  std::vector<Emitted> firsts;
  std::copy_if(t.out.begin(), t.out.end(), std::back_inserter(firsts), [](const Emitted& e) { return e.kind == K::first; });
  ASSERT_EQ(firsts.size(), 3u);
  EXPECT_EQ(firsts[1].seen_before, 2u);
  EXPECT_EQ(firsts[2].seen_before, 5u);
  EXPECT_EQ(firsts[2].seen_before_since_ms, s(0));
}

TEST(AggregatorMemory, GroupsBelowMinCountAreNotRemembered) {
  const auto cfg = one_route("{window: 1m, min_count: 2}");
  Clocked t;
  t.admit(cfg.routes[0], "a", "fp1", s(0));  // closes at 60 s below threshold
  t.admit(cfg.routes[0], "a", "fp1", s(100));
  t.admit(cfg.routes[0], "a", "fp1", s(101));
  ASSERT_EQ(t.out.size(), 1u);
  EXPECT_EQ(t.out[0].seen_before, 0u) << "nobody was told of the first opening";
}

TEST(AggregatorReconfigure, SurvivingRoutesKeepTheirGroupsUnderNewSettingsOthersEndWithASummary) {
  const auto before = config_of(kReceivers + R"(
routes:
  - {name: keep, receivers: [a], dedup: {window: 1m}}
  - {name: gone, receivers: [a], dedup: {window: 1m, min_count: 2, resolved: true}}
  - {name: moved, receivers: [a, b], dedup: {window: 1m}}
)");
  const auto after = config_of(kReceivers + R"(
routes:
  - {name: keep, receivers: [a], dedup: {window: 10s, resolved: true}}
  - {name: moved, receivers: [a], dedup: {window: 1m}}
  - {name: new, receivers: [b]}
)");
  const auto& keep = before.routes[0];
  const auto& gone = before.routes[1];
  const auto& moved = before.routes[2];
  Clocked t;
  for (double at : {0, 5, 6}) t.admit(keep, "a", "k1", s(at));
  for (double at : {0, 1, 2}) t.admit(gone, "a", "g1", s(at));  // first at 1 s (count 2), 1 pending
  t.admit(gone, "a", "g2", s(3));                               // below min_count
  for (double at : {0, 4}) t.admit(moved, "a", "m1", s(at));
  for (double at : {0, 4}) t.admit(moved, "b", "m1", s(at));
  const std::uint64_t admitted = 11;
  t.out.clear();

  t.until(s(30));
  t.agg.reconfigure(after.routes, {}, s(30), t.step);
  record(t.step, s(30), t.out);
  std::vector<std::string> ended;
  for (const auto& e : t.out) ended.push_back(e.route + "/" + e.receiver + "/" + e.fingerprint + " " +
                                              std::string(to_string(e.kind)) + " " + std::to_string(e.count));
  std::sort(ended.begin(), ended.end());
  EXPECT_EQ(ended, (std::vector<std::string>{"gone/a/g1 summary 1", "moved/b/m1 summary 1"}))
      << "ended groups say what they hold; no resolved from a route that is gone";
  EXPECT_EQ(t.step.below_threshold, 1u) << "gone/a/g2 never reached min_count";
  EXPECT_EQ(t.agg.open_groups(), 2u);
  EXPECT_EQ(t.agg.next_due(), s(40)) << "a shorter window applies from now";

  t.out.clear();
  t.until(s(1000));
  std::vector<std::string> later;
  for (const auto& e : t.out) later.push_back(std::to_string(e.at / 1000) + " " + e.route + " " +
                                              std::string(to_string(e.kind)) + " " + std::to_string(e.count));
  EXPECT_EQ(later, (std::vector<std::string>{"40 keep summary 2", "50 keep resolved 0", "60 moved summary 1"}))
      << "keep goes on under its new window and asks for resolved now";
  EXPECT_EQ(t.agg.open_groups(), 0u);

  // Nothing lost: the firsts before, the summaries at the reload and after, and below threshold.
  const std::uint64_t firsts = 1 + 2 + 1 + 1;
  EXPECT_EQ(firsts + 2 + 3 + t.step.below_threshold, admitted);
}

struct OverflowCase {
  const char* name;
  AggregatorLimits limits;
};

TEST(AggregatorOverflow, NewFingerprintsPastTheLimitsFoldIntoTheRoutesOverflowGroup) {
  const std::size_t bytes = approx_bytes(*event_at(0));
  const OverflowCase cases[] = {
      {"max_open_groups", {.max_open_groups = 2}},
      {"max_group_bytes", {.max_group_bytes = 2 * bytes}},
  };
  const auto cfg = one_route("{window: 1m, min_count: 2, resolved: true}");
  const auto& r = cfg.routes[0];
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Clocked t(c.limits);
    t.admit(r, "a", "fp1", s(0));
    t.admit(r, "a", "fp2", s(1));
    t.admit(r, "a", "fp3", s(2));  // past the limit: the overflow group, which notifies at once
    t.admit(r, "a", "fp4", s(3));  // counted in it
    t.admit(r, "a", "fp1", s(4));  // an open group takes its own events
    EXPECT_EQ(t.step.overflowed, 2u);
    t.until(s(100'000));
    std::vector<std::string> seen;
    for (const auto& e : t.out) {
      seen.push_back(std::to_string(e.at / 1000) + " " + std::string(to_string(e.kind)) + " " + e.fingerprint + " " +
                     std::to_string(e.count) + (e.overflow ? " overflow" : ""));
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"2 first overflow 1 overflow", "4 first fp1 2", "60 resolved fp1 0",
                                              "62 summary overflow 1 overflow"}))
        << "the overflow group has min_count 1 and no resolved";
    EXPECT_EQ(t.step.below_threshold, 1u) << "fp2";
    EXPECT_EQ(counted(t.out) + t.step.below_threshold, 5u);

    // Room again: a new fingerprint gets its own group.
    t.admit(r, "a", "fp5", s(200'000));
    t.admit(r, "a", "fp5", s(200'001));
    EXPECT_EQ(t.step.overflowed, 2u);
    EXPECT_EQ(t.out.back().fingerprint, "fp5");
  }
}

TEST(AggregatorOverflow, EachRouteAndReceiverHasItsOwnOverflowGroup) {
  const auto cfg = one_route("{window: 1m}");
  Clocked t({.max_open_groups = 1});
  t.admit(cfg.routes[0], "a", "fp1", s(0));
  t.admit(cfg.routes[0], "a", "fp2", s(1));
  t.admit(cfg.routes[0], "b", "fp2", s(1));
  t.admit(cfg.routes[0], "b", "fp3", s(2));
  ASSERT_EQ(t.out.size(), 3u);
  EXPECT_EQ(t.out[1].receiver, "a");
  EXPECT_TRUE(t.out[1].overflow);
  EXPECT_EQ(t.out[2].receiver, "b");
  EXPECT_TRUE(t.out[2].overflow);
  EXPECT_EQ(t.step.overflowed, 3u);
  EXPECT_EQ(t.agg.pending_events(), 1u) << "b/fp3 waits in b's overflow group";
}

TEST(AggregatorFlush, SummariesOfWhatNotifiedGroupsCountedBelowThresholdForTheRestAndTheGroupsStayOpen) {
  const auto cfg = config_of(kReceivers + R"(
routes:
  - {name: r, receivers: [a], dedup: {window: 1m, resolved: true}}
  - {name: r3, receivers: [a], dedup: {window: 1m, min_count: 3}}
)");
  Clocked t;
  for (double at : {0, 10, 20}) t.admit(cfg.routes[0], "a", "fp1", s(at));
  for (double at : {0, 1}) t.admit(cfg.routes[1], "a", "fp2", s(at));
  t.out.clear();
  t.agg.flush(t.step);
  record(t.step, s(30), t.out);
  EXPECT_EQ(lines_of(t.out), (std::vector<Line>{{30, K::summary, 2, 10, 20, 3}}));
  EXPECT_EQ(t.agg.open_groups(), 2u);
  EXPECT_EQ(t.agg.pending_events(), 0u);
  EXPECT_EQ(t.step.below_threshold, 2u) << "fp2 never reached min_count: nobody is told, its events are counted";
  t.step = {};
  t.agg.flush(t.step);
  EXPECT_TRUE(t.step.notifications.empty()) << "a second flush has nothing new";
  EXPECT_EQ(t.step.below_threshold, 0u);
  t.out.clear();
  t.until(s(1000));
  EXPECT_EQ(lines_of(t.out), (std::vector<Line>{{60, K::resolved, 0, 0, 20, 3}}));
  EXPECT_EQ(t.step.below_threshold, 0u) << "counted once, at the flush";
}

TEST(AggregatorSnapshot, RestoredIntoAFreshAggregatorBehavesTheSame) {
  const auto cfg = config_of(kReceivers + R"(
routes:
  - {name: r, receivers: [a, b], dedup: {window: 1m, resolved: true}}
  - {name: r3, receivers: [a], dedup: {window: 2m, min_count: 3}}
)");
  const auto& r = cfg.routes[0];
  const auto& r3 = cfg.routes[1];
  const AggregatorLimits limits{.max_open_groups = 5};
  Clocked original(limits);
  original.admit(r, "a", "fp1", s(0));
  original.admit(r, "a", "fp3", s(0));
  original.admit(r3, "a", "fp5", s(2));  // below min_count, held across the restore
  original.admit(r3, "a", "fp2", s(5));
  original.admit(r3, "a", "fp2", s(6));
  original.admit(r, "b", "fp4", s(20));
  original.admit(r, "b", "fp7", s(21), "b's overflow");  // full: b's overflow group
  original.admit(r, "a", "fp1", s(30));
  original.until(s(70));  // fp1 summary; fp3 resolved and remembered
  ASSERT_EQ(original.agg.open_groups(), 5u);
  const auto open = original.agg.snapshot().open;
  ASSERT_TRUE(std::any_of(open.begin(), open.end(), [](const GroupState& g) { return g.overflow; }));

  Clocked restored(limits);
  restored.agg.restore(original.agg.snapshot());
  EXPECT_EQ(restored.agg.open_groups(), original.agg.open_groups());
  EXPECT_EQ(restored.agg.next_due(), original.agg.next_due());
  EXPECT_EQ(restored.agg.held_bytes(), original.agg.held_bytes());
  EXPECT_EQ(restored.agg.pending_events(), original.agg.pending_events());

  const auto future = [&](Clocked& t) {
    t.step = {};
    t.out.clear();
    t.admit(r, "a", "fp3", s(80));  // reopens: "again"
    t.admit(r, "a", "fp1", s(90));
    t.admit(r, "b", "fp6", s(95));  // a new group of b
    t.admit(r3, "a", "fp5", s(96));
    t.admit(r3, "a", "fp5", s(97));  // fp5 reaches min_count across the restore; fp2 will not
    t.agg.flush(t.step);
    record(t.step, s(98), t.out);
    t.until(s(100'000));
  };
  future(original);
  future(restored);
  EXPECT_EQ(restored.out, original.out);
  EXPECT_EQ(restored.step.below_threshold, original.step.below_threshold);
  EXPECT_EQ(restored.step.overflowed, original.step.overflowed);
  EXPECT_EQ(restored.step.deduplicated, original.step.deduplicated);
  const auto again = std::find_if(original.out.begin(), original.out.end(),
                                  [](const Emitted& e) { return e.fingerprint == "fp3" && e.kind == K::first; });
  ASSERT_NE(again, original.out.end());
  EXPECT_EQ(again->seen_before, 1u) << "the memory of closed groups is part of the snapshot";
  const auto fp5 = std::find_if(original.out.begin(), original.out.end(),
                                [](const Emitted& e) { return e.fingerprint == "fp5"; });
  ASSERT_NE(fp5, original.out.end());
  EXPECT_EQ(fp5->count, 3u);
  EXPECT_EQ(original.step.below_threshold, 2u) << "fp2";
}

// take_changes() is what the state store writes: a copy that applies every change it gives
// must stay equal to snapshot(), through opens, counts, summaries, closes, reopens, overflow,
// forgetting and a reload, however the calls fall between them.
TEST(AggregatorChanges, ACopyThatAppliesEveryChangeStaysEqualToTheSnapshot) {
  const auto cfg = config_of(kReceivers + R"(
routes:
  - {name: r, receivers: [a, b], dedup: {window: 10s, resolved: true}}
  - {name: r3, receivers: [a], dedup: {window: 20s, min_count: 3}}
)");
  const auto reloaded = config_of(kReceivers + "routes:\n  - {name: r, receivers: [a], dedup: {window: 5s}}\n");
  using Key = std::tuple<std::string, std::string, std::string>;
  std::map<Key, GroupState> open;
  std::map<Key, ClosedGroup> closed;
  std::map<Key, std::shared_ptr<const Event>> events;  // what a store keeps: the last event given
  const auto apply = [&](Aggregator& agg) {
    for (GroupChange& c : take_changes(agg)) {
      const Key k{c.route, c.receiver, c.fingerprint};
      open.erase(k);
      closed.erase(k);
      if (c.open) {
        if (c.open->latest) events[k] = c.open->latest;
        open[k] = *c.open;
      } else {
        events.erase(k);
        if (c.closed) closed[k] = *c.closed;
      }
    }
  };
  const auto same = [&](const Aggregator& agg, int at) {
    const AggregatorSnapshot snap = agg.snapshot();
    ASSERT_EQ(snap.open.size(), open.size()) << "step " << at;
    for (const GroupState& g : snap.open) {
      const Key k{g.route, g.receiver, g.fingerprint};
      ASSERT_TRUE(open.contains(k)) << "step " << at << ": " << g.fingerprint;
      const GroupState& m = open[k];
      EXPECT_EQ(std::tie(m.pending, m.total, m.window_end_ms, m.opened_ms, m.pending_first_ms, m.pending_last_ms,
                         m.last_seen_ms, m.notified, m.overflow, m.seen_before, m.seen_before_since_ms),
                std::tie(g.pending, g.total, g.window_end_ms, g.opened_ms, g.pending_first_ms, g.pending_last_ms,
                         g.last_seen_ms, g.notified, g.overflow, g.seen_before, g.seen_before_since_ms))
          << "step " << at << ": " << g.fingerprint;
      EXPECT_EQ(m.dedup, g.dedup);
      ASSERT_TRUE(events[k]) << "step " << at << ": an open group's event was given at least once";
    }
    ASSERT_EQ(snap.closed.size(), closed.size()) << "step " << at;
    for (const ClosedGroup& c : snap.closed) {
      const Key k{c.route, c.receiver, c.fingerprint};
      ASSERT_TRUE(closed.contains(k)) << "step " << at;
      EXPECT_EQ(std::tie(closed[k].total, closed[k].since_ms, closed[k].closed_ms),
                std::tie(c.total, c.since_ms, c.closed_ms));
    }
  };

  Aggregator agg({.max_open_groups = 12, .memory_ms = 60'000});
  Aggregator::Step step;
  std::mt19937 rng(20261206);
  std::int64_t now = 0;
  for (int i = 0; i < 6000; ++i) {
    now += std::uniform_int_distribution<std::int64_t>(0, 1500)(rng);
    agg.tick(now, step);
    if (i == 4000) agg.reconfigure(reloaded.routes, {.max_open_groups = 12, .memory_ms = 60'000}, now, step);
    const auto& routes = i < 4000 ? cfg.routes : reloaded.routes;
    const auto& route = routes[rng() % routes.size()];
    const std::string_view receiver = route.receivers[rng() % route.receivers.size()];
    agg.admit(delivery(route, receiver, "fp" + std::to_string(rng() % 20), event_at(now)), now, step);
    step = {};
    if (rng() % 7 == 0) {
      apply(agg);
      same(agg, i);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  apply(agg);
  same(agg, 6000);
  EXPECT_TRUE(take_changes(agg).empty()) << "nothing changed since";
}

}  // namespace
}  // namespace erralert::core
