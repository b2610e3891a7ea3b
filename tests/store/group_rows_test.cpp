// The group log's encoding: every kind of change reads back as it was written, and bytes that
// are not one (truncated, a foreign version, a bad tag, a varint too long, an event that does not
// parse) are refused whole rather than read in part.
#include "store/group_rows.hpp"

#include <gtest/gtest.h>

#include "core/grouping_support.hpp"
#include "erralert/core/notification_json.hpp"

namespace erralert::store {
namespace {

core::GroupChange open_change(const std::string& fp, bool with_event) {
  core::GroupState g;
  g.route = "payments-5xx";
  g.receiver = "hooks";
  g.fingerprint = fp;
  g.dedup = {std::chrono::seconds(90), 3, true};
  g.opened_ms = 1'764'000'000'000;
  g.window_end_ms = g.opened_ms + 90'000;
  g.pending = 300;
  g.pending_first_ms = g.opened_ms + 1;
  g.pending_last_ms = g.opened_ms + 2;
  g.total = 1ull << 40;
  g.last_seen_ms = g.opened_ms + 3;
  g.notified = true;
  g.overflow = true;
  g.seen_before = 12;
  g.seen_before_since_ms = -5;  // times before 1970 are not expected, but are not refused
  if (with_event) g.latest = testing::event_at(1000, "502");
  return {g.route, g.receiver, g.fingerprint, g, std::nullopt};
}

TEST(GroupLog, EveryKindOfChangeReadsBackAsItWasWritten) {
  const std::vector<core::GroupChange> changes = {
      open_change("fp-a", true),
      open_change("fp-b", false),
      {"payments-5xx", "hooks", "fp-c", std::nullopt, core::ClosedGroup{"payments-5xx", "hooks", "fp-c", 77, 100, 200}},
      {"payments-5xx", "hooks", "fp-d", std::nullopt, std::nullopt},
  };
  const auto back = decode_group_changes(encode_group_changes(changes));
  ASSERT_TRUE(back.has_value());
  ASSERT_EQ(back->size(), 4u);
  const core::GroupState& a = *(*back)[0].open;
  const core::GroupState& want = *changes[0].open;
  EXPECT_EQ((*back)[0].fingerprint, "fp-a");
  EXPECT_EQ(a.route, want.route);
  EXPECT_EQ(a.dedup, want.dedup);
  EXPECT_EQ(a.opened_ms, want.opened_ms);
  EXPECT_EQ(a.window_end_ms, want.window_end_ms);
  EXPECT_EQ(a.pending, want.pending);
  EXPECT_EQ(a.pending_first_ms, want.pending_first_ms);
  EXPECT_EQ(a.pending_last_ms, want.pending_last_ms);
  EXPECT_EQ(a.total, want.total);
  EXPECT_EQ(a.last_seen_ms, want.last_seen_ms);
  EXPECT_EQ(a.notified, want.notified);
  EXPECT_EQ(a.overflow, want.overflow);
  EXPECT_EQ(a.seen_before, want.seen_before);
  EXPECT_EQ(a.seen_before_since_ms, want.seen_before_since_ms);
  ASSERT_TRUE(a.latest);
  EXPECT_EQ(core::to_json(*a.latest, true), core::to_json(*want.latest, true));
  EXPECT_FALSE((*back)[1].open->latest) << "a change of counts only carries no event";
  ASSERT_TRUE((*back)[2].closed.has_value());
  EXPECT_FALSE((*back)[2].open.has_value());
  EXPECT_EQ((*back)[2].closed->total, 77u);
  EXPECT_EQ((*back)[2].closed->since_ms, 100);
  EXPECT_EQ((*back)[2].closed->closed_ms, 200);
  EXPECT_FALSE((*back)[3].open || (*back)[3].closed) << "forgotten";
  EXPECT_EQ((*back)[3].route, "payments-5xx");
}

TEST(GroupLog, RoutesAndReceiversAreNamedOnceARowAndReadBackEachInItsPlace) {
  std::vector<core::GroupChange> changes;
  for (const auto& [route, receiver] : std::vector<std::pair<std::string, std::string>>{
           {"payments-5xx", "hooks"}, {"orders", "hooks"}, {"payments-5xx", "slack"}, {"orders", "payments-5xx"},
           {"payments-5xx", "hooks"}}) {
    core::GroupChange c = open_change("fp-" + route + "-" + receiver, false);
    c.route = c.open->route = route;
    c.receiver = c.open->receiver = receiver;
    changes.push_back(c);
  }
  const std::string row = encode_group_changes(changes);
  const auto back = decode_group_changes(row);
  ASSERT_TRUE(back.has_value());
  ASSERT_EQ(back->size(), changes.size());
  for (std::size_t i = 0; i < changes.size(); ++i) {
    EXPECT_EQ((*back)[i].route, changes[i].route) << i;
    EXPECT_EQ((*back)[i].receiver, changes[i].receiver) << i;
    EXPECT_EQ((*back)[i].fingerprint, changes[i].fingerprint) << i;
    EXPECT_EQ((*back)[i].open->total, changes[i].open->total) << i;
  }
  // "payments-5xx" is spelled once in the row as a name, though four changes name it.
  std::size_t spelled = 0;
  for (auto at = row.find("payments-5xx"); at != std::string::npos; at = row.find("payments-5xx", at + 1)) ++spelled;
  EXPECT_EQ(spelled, 1u + 4u) << "once as a name, and in the four fingerprints that contain it";
}

TEST(GroupLog, ANameThatNoEarlierChangeGaveIsRefused) {
  // version 2, one change: forget, route "the 1st name" before any was given.
  EXPECT_FALSE(decode_group_changes(std::string("\x02\x01\x00\x01\x00\x01r\x02" "fp", 10)));
  EXPECT_TRUE(decode_group_changes(std::string("\x02\x01\x00\x00\x01r\x01\x02" "fp", 10)))
      << "the same change naming the route, then the receiver as the 1st name";
}

TEST(GroupLog, BytesThatAreNotALogRowAreRefusedWhole) {
  const std::string good = encode_group_changes({open_change("fp-a", true), open_change("fp-b", false)});
  ASSERT_TRUE(decode_group_changes(good));
  EXPECT_TRUE(decode_group_changes(std::string(1, '\x01'))) << "no changes is a row";
  EXPECT_FALSE(decode_group_changes(""));
  EXPECT_FALSE(decode_group_changes("\x03" + good.substr(1))) << "another version";
  for (std::size_t cut = 2; cut < good.size(); cut += 7) {
    EXPECT_FALSE(decode_group_changes(good.substr(0, cut))) << "truncated at " << cut;
  }
  std::string bad_tag = good;
  bad_tag[2] = '\x09';  // after the version and the count
  EXPECT_FALSE(decode_group_changes(bad_tag));
  EXPECT_FALSE(decode_group_changes(std::string("\x01\x01") + std::string(11, '\xff')))
      << "a varint longer than 64 bits";
  core::GroupChange no_window = open_change("fp-a", false);
  no_window.open->dedup.window = std::chrono::milliseconds(0);
  EXPECT_FALSE(decode_group_changes(encode_group_changes({no_window}))) << "a group with no window";
  core::GroupChange no_name = open_change("", false);
  EXPECT_FALSE(decode_group_changes(encode_group_changes({no_name})));
  std::string no_event = encode_group_changes({open_change("fp-a", true)});
  no_event.resize(no_event.find('{'));
  EXPECT_FALSE(decode_group_changes(no_event)) << "a change that says it carries an event, and none follows";
  // An event that does not parse: the JSON of the event is replaced by text of the same length.
  std::string broken = encode_group_changes({open_change("fp-a", true)});
  const auto brace = broken.find('{');
  ASSERT_NE(brace, std::string::npos);
  broken[brace] = 'x';
  EXPECT_FALSE(decode_group_changes(broken));
}

// The first format of a log row, as releases before the second wrote it (each open change's
// event inline, empty for none): written here byte by byte, so that what an upgrade finds in
// the log is read, not just what this release writes.
class FirstFormat {
 public:
  FirstFormat() : out_(1, '\x01') {}
  FirstFormat& u64(std::uint64_t v) {
    for (; v >= 0x80; v >>= 7) out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
    out_.push_back(static_cast<char>(v));
    return *this;
  }
  FirstFormat& i64(std::int64_t v) { return u64((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63)); }
  FirstFormat& str(std::string_view s) {
    u64(s.size());
    out_.append(s);
    return *this;
  }
  const std::string& bytes() const { return out_; }

 private:
  std::string out_;
};

TEST(GroupLog, ARowOfTheFirstFormatStillReads) {
  const std::string event = core::to_json(*testing::event_at(1000, "502"), true).dump();
  FirstFormat row;
  row.u64(1).str("payments-5xx").str("hooks").str("fp-a");  // open, with its event
  row.i64(90'000).u64(3).u64(1 | 4).i64(1000).i64(91'000).u64(7).i64(1001).i64(1002).u64(9).i64(1003).u64(0).i64(0);
  row.str(event);
  row.u64(1).str("payments-5xx").str("hooks").str("fp-b");  // open, counts only
  row.i64(60'000).u64(1).u64(4).i64(0).i64(60'000).u64(1).i64(5).i64(5).u64(2).i64(5).u64(0).i64(0).str("");
  row.u64(2).str("payments-5xx").str("hooks").str("fp-c").u64(77).i64(100).i64(200);  // remembered closed
  row.u64(0).str("payments-5xx").str("hooks").str("fp-d");                           // forgotten

  const auto back = decode_group_changes(row.bytes());
  ASSERT_TRUE(back.has_value());
  ASSERT_EQ(back->size(), 4u);
  const core::GroupState& a = *(*back)[0].open;
  EXPECT_EQ(a.fingerprint, "fp-a");
  EXPECT_EQ(a.dedup, (config::Dedup{std::chrono::seconds(90), 3, true}));
  EXPECT_TRUE(a.notified);
  EXPECT_EQ(a.window_end_ms, 91'000);
  EXPECT_EQ(a.pending, 7u);
  EXPECT_EQ(a.total, 9u);
  EXPECT_EQ(a.last_seen_ms, 1003);
  ASSERT_TRUE(a.latest);
  EXPECT_EQ(core::to_json(*a.latest, true).dump(), event);
  EXPECT_FALSE((*back)[1].open->latest);
  EXPECT_EQ((*back)[1].open->total, 2u);
  ASSERT_TRUE((*back)[2].closed.has_value());
  EXPECT_EQ((*back)[2].closed->total, 77u);
  EXPECT_FALSE((*back)[3].open || (*back)[3].closed);
  // Re-encoded in the current format, it reads back alike.
  const auto again = decode_group_changes(encode_group_changes(*back));
  ASSERT_TRUE(again.has_value());
  ASSERT_EQ(again->size(), 4u);
  EXPECT_EQ(core::to_json(*(*again)[0].open->latest, true).dump(), event);
  EXPECT_EQ((*again)[2].closed->closed_ms, 200);
}

}  // namespace
}  // namespace erralert::store
