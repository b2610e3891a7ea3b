// Outbox: what a receiver's waiting notifications merge into, what folds into a digest when the
// head would wait past max_delay, and what is never touched (the in-flight head, legacy bodies).
#include "erralert/core/outbox.hpp"

#include <gtest/gtest.h>

#include "grouping_support.hpp"

namespace erralert::core {
namespace {

using namespace erralert::testing;
using namespace std::chrono_literals;
using K = NotificationKind;

/// Real epoch times: 0 means "not set" to a GroupEntry's first_seen_ms.
constexpr std::int64_t at(double seconds) { return 1'795'322'986'000 + s(seconds); }

Notification first(std::string fp, std::uint64_t count, std::int64_t when, std::string route = "r") {
  return one_group(K::first, std::move(route), std::move(fp), count, when, when, event_at(when, "first"));
}
Notification summary(std::string fp, std::uint64_t count, std::int64_t from, std::int64_t to,
                     std::string route = "r") {
  return one_group(K::summary, std::move(route), std::move(fp), count, from, to, event_at(to, "summary"));
}
Notification resolved(std::string fp, std::int64_t from, std::int64_t to, std::string route = "r") {
  return one_group(K::resolved, std::move(route), std::move(fp), 0, from, to);
}

/// A body rendered by an earlier release, as the spool hands it back.
Outbox::Item legacy(std::uint64_t count, std::int64_t created_ms) {
  Outbox::Item item;
  item.rendered = R"({"content": "old"})";
  item.rendered_kind = "summary";
  item.rendered_route = "r";
  item.rendered_count = count;
  item.attempt.created_ms = created_ms;
  return item;
}

std::vector<std::string> kinds(const Outbox& box) {
  std::vector<std::string> out;
  for (const auto& item : box.items()) out.emplace_back(item.kind());
  return out;
}

TEST(OutboxMerge, AFirstAndLaterSummariesOfTheGroupMergeWhileWaiting) {
  Outbox box;
  bool merged = true;
  box.push(first("g1", 1, at(0)), at(0), &merged);
  EXPECT_FALSE(merged);
  box.push(summary("g1", 4, at(10), at(50)), at(60), &merged);
  EXPECT_TRUE(merged);
  box.push(summary("g1", 2, at(70), at(90)), at(120), &merged);
  ASSERT_EQ(box.size(), 1u) << "the backlog grows with groups, not events";
  const Notification& n = *box.front().notification;
  EXPECT_EQ(n.kind, K::first);
  ASSERT_EQ(n.groups.size(), 1u);
  EXPECT_EQ(n.groups[0].count, 7u) << "counts add";
  EXPECT_EQ(n.groups[0].first_seen_ms, at(0));
  EXPECT_EQ(n.groups[0].last_seen_ms, at(90)) << "last seen moves";
  EXPECT_EQ(n.groups[0].event->timestamp_ms, at(90)) << "the latest event moves";
  EXPECT_EQ(box.front().attempt.created_ms, at(0)) << "it waits since it was made";
  EXPECT_EQ(box.events(), 7u);
}

TEST(OutboxMerge, AReopenedGroupsFirstMergesIntoItsWaitingSummaryAndSaysFirst) {
  Outbox box;
  box.push(summary("g1", 3, at(60), at(90)), at(120));
  Notification again = first("g1", 1, at(300));
  again.groups[0].seen_before = 5;
  again.groups[0].seen_before_since_ms = at(1);
  bool merged = false;
  box.push(std::move(again), at(300), &merged);
  EXPECT_TRUE(merged);
  ASSERT_EQ(box.size(), 1u);
  EXPECT_EQ(box.front().notification->kind, K::first);
  EXPECT_EQ(box.front().notification->groups[0].count, 4u);
  EXPECT_EQ(box.front().notification->groups[0].seen_before, 5u);
}

TEST(OutboxMerge, DifferentGroupsDoNotMerge) {
  struct Case {
    const char* name;
    Notification second;
  };
  const Case cases[] = {
      {"another fingerprint", summary("g2", 1, at(1), at(1))},
      {"the same fingerprint on another route", summary("g1", 1, at(1), at(1), "q")},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Outbox box;
    box.push(first("g1", 1, at(0)), at(0));
    bool merged = true;
    box.push(c.second, at(1), &merged);
    EXPECT_FALSE(merged);
    EXPECT_EQ(box.size(), 2u);
    EXPECT_EQ(box.events(), 2u);
  }
}

TEST(OutboxMerge, AResolvedIsNeverMergedAndStopsLaterMergesIntoTheEarlierItem) {
  Outbox box;
  box.push(first("g1", 1, at(0)), at(0));
  bool merged = true;
  box.push(resolved("g1", at(0), at(0)), at(60), &merged);
  EXPECT_FALSE(merged);
  box.push(resolved("g1", at(0), at(0)), at(61), &merged);
  EXPECT_FALSE(merged) << "not even into another resolved";
  box.push(first("g1", 2, at(100)), at(100), &merged);  // it reopened
  EXPECT_FALSE(merged) << "what a group says after it closed stays after its resolved";
  box.push(summary("g1", 3, at(110), at(150)), at(160), &merged);
  EXPECT_TRUE(merged) << "into the reopened group's first";
  EXPECT_EQ(kinds(box), (std::vector<std::string>{"first", "resolved", "resolved", "first"}));
  EXPECT_EQ(box.items().front().notification->groups[0].count, 1u);
  EXPECT_EQ(box.items().back().notification->groups[0].count, 5u);
}

TEST(OutboxMerge, TheInFlightHeadTakesNoMergesAndAfterARetryItDoesAgain) {
  Outbox box;
  box.push(first("g1", 1, at(0)), at(0));
  box.set_in_flight(true);
  bool merged = true;
  box.push(summary("g1", 2, at(1), at(2)), at(2), &merged);
  EXPECT_FALSE(merged) << "what is being sent is never changed";
  EXPECT_EQ(box.front().notification->groups[0].count, 1u);
  ASSERT_EQ(box.size(), 2u);
  box.pop_front();  // a 2xx
  box.set_in_flight(true);
  box.set_in_flight(false);  // a 5xx: it waits again
  box.push(summary("g1", 3, at(3), at(4)), at(4), &merged);
  EXPECT_TRUE(merged);
  ASSERT_EQ(box.size(), 1u);
  EXPECT_EQ(box.front().notification->groups[0].count, 5u);
}

TEST(OutboxMerge, AfterARetryTheHeadTakesNoMergesForAGroupWithSomethingNewerBehindIt) {
  {
    SCOPED_TRACE("a resolved came while the head was in flight");
    Outbox box;
    box.push(first("g1", 1, at(0)), at(0));
    box.set_in_flight(true);
    box.push(resolved("g1", at(0), at(0)), at(60));
    box.set_in_flight(false);  // retry
    bool merged = true;
    box.push(first("g1", 1, at(100)), at(100), &merged);  // reopened
    EXPECT_FALSE(merged) << "the reopening must not be told before the resolved";
    EXPECT_EQ(kinds(box), (std::vector<std::string>{"first", "resolved", "first"}));
  }
  {
    SCOPED_TRACE("a summary came while the head was in flight: later ones join it, not the head");
    Outbox box;
    box.push(first("g1", 1, at(0)), at(0));
    box.set_in_flight(true);
    box.push(summary("g1", 2, at(1), at(2)), at(2));
    box.set_in_flight(false);
    box.push(summary("g1", 3, at(3), at(4)), at(4));
    ASSERT_EQ(box.size(), 2u);
    EXPECT_EQ(box.items().front().notification->groups[0].count, 1u);
    EXPECT_EQ(box.items().back().notification->groups[0].count, 5u);
  }
}

TEST(OutboxFold, NothingFoldsWithFewerThanTwoFoldableOrWithinMaxDelay) {
  struct Case {
    const char* name;
    int notifications;
    bool legacy_head;
    bool in_flight;
    std::int64_t head_due_ms;
  };
  const Case cases[] = {
      {"one notification, however late", 1, false, false, at(10'000)},
      {"one beside a legacy body", 1, true, false, at(10'000)},
      {"two, but the head is in flight", 2, false, true, at(10'000)},
      {"two within max_delay of the oldest", 2, false, false, at(30)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Outbox box;
    if (c.legacy_head) box.restore(legacy(3, at(0)));
    for (int i = 0; i < c.notifications; ++i) box.push(first("g" + std::to_string(i), 1, at(i)), at(i));
    if (c.in_flight) box.set_in_flight(true);
    const std::size_t size = box.size();
    EXPECT_TRUE(box.fold_if_late(c.head_due_ms, 30s).empty());
    EXPECT_EQ(box.size(), size);
    EXPECT_EQ(box.last_digest(), nullptr);
  }
}

TEST(OutboxFold, PastMaxDelayEverythingWaitingFoldsIntoOneDigestWhereTheFirstStood) {
  Outbox box({.digest_groups = 2});
  box.restore(legacy(4, at(0)));  // stays where it is
  Outbox::Item head;
  head.notification = first("g1", 5, at(5));
  head.attempt = {.created_ms = at(5), .failures = 3, .next_attempt_ms = at(90)};
  box.restore(std::move(head));
  box.push(resolved("g1", at(5), at(5)), at(3));  // made earlier than the head (another node's clock)
  box.push(first("g1", 2, at(20)), at(20));      // reopened: a second item of g1
  box.push(summary("g3", 4, at(6), at(7), "q"), at(7));
  box.push(first("g2", 1, at(8)), at(8));
  box.push(first("g4", 2, at(9), "q"), at(9));
  box.restore(legacy(6, at(10)));
  const std::uint64_t events = box.events();
  ASSERT_EQ(events, 4u + 5 + 0 + 2 + 4 + 1 + 2 + 6);

  EXPECT_TRUE(box.fold_if_late(at(33), 30s).empty()) << "30 s after the oldest: still within max_delay";
  const auto folded = box.fold_if_late(at(34), 30s);
  EXPECT_EQ(folded.size(), 6u);
  EXPECT_EQ(kinds(box), (std::vector<std::string>{"summary", "digest", "summary"})) << "legacy bodies stay";
  EXPECT_EQ(box.events(), events) << "counts are conserved";
  const Outbox::Item& digest = *std::next(box.items().begin());
  ASSERT_EQ(box.last_digest(), &digest);
  const Notification& d = *digest.notification;
  EXPECT_EQ(d.route, "") << "a digest of several routes";
  ASSERT_EQ(d.groups.size(), 2u) << "only digest_groups listed";
  EXPECT_EQ(d.groups[0].fingerprint, "g1");
  EXPECT_EQ(d.groups[0].count, 7u) << "one group's items combined";
  EXPECT_EQ(d.groups[1].fingerprint, "g3");
  EXPECT_EQ(d.groups[1].count, 4u);
  EXPECT_EQ(d.other_groups, 2u);
  EXPECT_EQ(d.other_count, 3u);
  EXPECT_EQ(digest.attempt.failures, 3u) << "the head's retry state goes on";
  EXPECT_EQ(digest.attempt.next_attempt_ms, at(90));
  EXPECT_EQ(digest.attempt.created_ms, at(3)) << "it waits since the oldest it holds";
  std::uint64_t folded_events = 0;
  for (const auto& item : folded) folded_events += item.count();
  EXPECT_EQ(folded_events, d.total_count());

  // Folding again (more came, still late) keeps what the first digest folded into others.
  box.push(first("g9", 1, at(40)), at(40));
  ASSERT_EQ(box.fold_if_late(at(100), 30s).size(), 2u);
  EXPECT_EQ(box.events(), events + 1);
  EXPECT_EQ(box.last_digest()->notification->other_groups, 3u);
}

TEST(OutboxFold, TheInFlightHeadIsNeverFolded) {
  Outbox box;
  box.push(first("g1", 1, at(0)), at(0));
  box.push(first("g2", 2, at(1)), at(1));
  box.push(first("g3", 3, at(2)), at(2));
  box.set_in_flight(true);
  const auto folded = box.fold_if_late(at(1000), 30s);
  EXPECT_EQ(folded.size(), 2u);
  EXPECT_EQ(kinds(box), (std::vector<std::string>{"first", "digest"}));
  EXPECT_EQ(box.front().notification->groups[0].fingerprint, "g1");
  EXPECT_EQ(box.front().notification->groups[0].count, 1u);
  EXPECT_EQ(box.events(), 6u);
}

TEST(OutboxFold, ADigestOfOneRouteTakesItsGroupsLaterNotificationsOneOfSeveralDoesNot) {
  {
    Outbox box;
    box.push(first("g1", 1, at(0)), at(0));
    box.push(first("g2", 1, at(1)), at(1));
    ASSERT_EQ(box.fold_if_late(at(100), 30s).size(), 2u);
    bool merged = false;
    box.push(summary("g2", 4, at(2), at(60)), at(60), &merged);
    EXPECT_TRUE(merged);
    EXPECT_EQ(box.size(), 1u);
    EXPECT_EQ(box.events(), 6u);
  }
  {
    Outbox box;
    box.push(first("g1", 1, at(0)), at(0));
    box.push(first("g2", 1, at(1), "q"), at(1));
    ASSERT_EQ(box.fold_if_late(at(100), 30s).size(), 2u);
    bool merged = true;
    box.push(summary("g2", 4, at(2), at(60), "q"), at(60), &merged);
    EXPECT_FALSE(merged);
    EXPECT_EQ(box.size(), 2u);
  }
}

TEST(OutboxLegacy, RenderedBodiesNeverMergeOrFoldAndStillCount) {
  Outbox box;
  box.restore(legacy(3, at(0)));
  box.restore(legacy(2, at(1)));
  EXPECT_TRUE(box.fold_if_late(at(10'000), 1s).empty());
  bool merged = true;
  box.push(summary("g1", 1, at(2), at(2)), at(2), &merged);
  EXPECT_FALSE(merged);
  EXPECT_EQ(box.size(), 3u);
  EXPECT_EQ(box.events(), 6u);
  EXPECT_EQ(box.front().kind(), "summary");
  EXPECT_EQ(box.front().count(), 3u);
}

}  // namespace
}  // namespace erralert::core
