// Spool records: an outbox item encodes and decodes to itself (notification or legacy body,
// retry state, ranges checked); the file spool of an earlier release reads back oldest first
// with its unreadable files named; dead letters append one line each.
#include "erralert/store/spool.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "core/grouping_support.hpp"
#include "support/daemon_process.hpp"

namespace erralert::store {
namespace {

core::Outbox::Item legacy_item(std::string body, std::int64_t created) {
  core::Outbox::Item item;
  item.rendered = std::move(body);
  item.rendered_kind = "first";
  item.rendered_route = "r";
  item.rendered_count = 1;
  item.attempt.created_ms = created;
  return item;
}

TEST(SpoolRecord, ALegacyBodyDecodesToItself) {
  core::Outbox::Item item = legacy_item("{\"content\":\"x\"}", 1234);
  item.rendered_kind = "summary";
  item.rendered_count = 18446744073709551615u;
  item.attempt.failures = 7;
  item.attempt.next_attempt_ms = -1;
  const auto back = decode_spool_item(encode_spool_item(item));
  ASSERT_TRUE(back);
  EXPECT_FALSE(back->notification);
  EXPECT_EQ(back->kind(), "summary");
  EXPECT_EQ(back->rendered_route, "r");
  EXPECT_EQ(back->count(), item.rendered_count);
  EXPECT_EQ(back->rendered, item.rendered);
  EXPECT_EQ(back->attempt.created_ms, 1234);
  EXPECT_EQ(back->attempt.failures, 7u);
  EXPECT_EQ(back->attempt.next_attempt_ms, -1);
  EXPECT_EQ(back->store_id, 0u) << "the row's id is the store's, not the text's";
  // Text that is not UTF-8 is replaced rather than failing the write.
  item.rendered_route = "r\xff";
  const auto replaced = decode_spool_item(encode_spool_item(item));
  ASSERT_TRUE(replaced);
  EXPECT_EQ(replaced->rendered_route, "r\xef\xbf\xbd");
}

TEST(SpoolRecord, ANotificationDecodesToItself) {
  core::Outbox::Item item;
  item.notification = testing::one_group(core::NotificationKind::summary, "payments-5xx", "fp-a", 42, 1000, 2000);
  item.notification->receiver = "hooks";
  item.attempt = {500, 3, 9000};
  const auto back = decode_spool_item(encode_spool_item(item));
  ASSERT_TRUE(back);
  ASSERT_TRUE(back->notification);
  EXPECT_EQ(back->kind(), "summary");
  EXPECT_EQ(back->count(), 42u);
  EXPECT_EQ(back->notification->route, "payments-5xx");
  EXPECT_EQ(back->notification->groups.at(0).fingerprint, "fp-a");
  EXPECT_EQ(back->attempt.failures, 3u);
  EXPECT_EQ(back->attempt.next_attempt_ms, 9000);
}

TEST(SpoolRecord, TextOfTheWrongShapeIsNoItem) {
  const std::vector<std::string> bad = {
      R"({"body":"b","count":"3"})",                      // a string where a number belongs
      R"({"body":"b","kind":5})",                         // a number where a string belongs
      R"({"body":"b","attempts":-1})",                    // below its range
      R"({"body":"b","attempts":4294967296})",            // above its range
      R"({"body":"b","created_ms":1e300})",               // a float where an integer belongs
      R"({"body":"b","next_attempt_ms":9223372036854775808})",
      R"({"notification":{"kind":"first"}})",             // a notification that does not read back
      R"({"body":7})", R"(["body"])", R"({"route":"r"})", "", "{not json",
  };
  for (const auto& text : bad) EXPECT_FALSE(decode_spool_item(text)) << text;
  const auto edge = decode_spool_item(R"({"body":"ok","attempts":4294967295,"created_ms":-5,"next_attempt_ms":9223372036854775807})");
  ASSERT_TRUE(edge);
  EXPECT_EQ(edge->attempt.failures, 4294967295u);
  EXPECT_EQ(edge->attempt.next_attempt_ms, INT64_MAX);
  const auto defaults = decode_spool_item(R"({"body":"defaults"})");
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->kind(), "first");
  EXPECT_EQ(defaults->count(), 1u);
}

TEST(LegacySpool, FilesReadBackOldestFirstAndUnreadableOnesAreNamed) {
  testing::TempDir dir;
  const std::string path = dir.file("hooks");
  std::filesystem::create_directories(path);
  testing::write_file(path + "/000000000002000-000000002.json", encode_spool_item(legacy_item("{\"b\":2}", 2000)));
  testing::write_file(path + "/000000000001000-000000001.json", encode_spool_item(legacy_item("{\"a\":1}", 1000)));
  testing::write_file(path + "/000000000000000-000000000.json", R"({"body":"b","count":"3"})");
  testing::write_file(path + "/000000000003000-000000003.json.tmp", "cut short");
  testing::write_file(path + "/000000000004000-000000004.json.bad", "set aside before");
  const LegacySpool s = read_legacy_spool(path);
  ASSERT_EQ(s.items.size(), 2u);
  EXPECT_EQ(s.items[0].rendered, "{\"a\":1}");
  EXPECT_EQ(s.items[1].rendered, "{\"b\":2}");
  EXPECT_EQ(s.unreadable, std::vector<std::string>{"000000000000000-000000000.json"});
  EXPECT_TRUE(std::filesystem::exists(path + "/000000000000000-000000000.json")) << "read, never changed";
  EXPECT_TRUE(read_legacy_spool(dir.file("none")).items.empty());
}

TEST(DeadLetterFile, AppendsOneLineEach) {
  testing::TempDir dir;
  ASSERT_TRUE(append_dead_letter(dir.path().string(), {{"n", 1}}));
  ASSERT_TRUE(append_dead_letter(dir.path().string(), {{"n", 2}}));
  std::ifstream in(dir.file("dead-letter.jsonl"));
  std::string l1, l2;
  std::getline(in, l1);
  std::getline(in, l2);
  EXPECT_EQ(l1, R"({"n":1})");
  EXPECT_EQ(l2, R"({"n":2})");
  std::string error;
  EXPECT_FALSE(append_dead_letter(dir.file("gone"), {{"n", 3}}, &error));
  EXPECT_NE(error, "");
}

}  // namespace
}  // namespace erralert::store
