// Spool: entries survive a restart in order; removal and dead letters; a full disk is reported.
#include "erralert/store/spool.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/daemon_process.hpp"

namespace erralert::store {
namespace {

SpoolEntry entry(std::string body, std::int64_t created) {
  SpoolEntry e;
  e.kind = "first";
  e.route = "r";
  e.count = 1;
  e.body = std::move(body);
  e.created_ms = created;
  return e;
}

TEST(Spool, EntriesSurviveARestartOldestFirst) {
  testing::TempDir dir;
  const std::string path = spool_dir_for(dir.path().string(), "ops-discord");
  {
    Spool s(path);
    auto a = s.add(entry("{\"a\":1}", 2000));
    s.add(entry("{\"b\":2}", 1000));
    auto c = s.add(entry("{\"c\":3}", 3000));
    EXPECT_TRUE(a.persisted);
    c.attempts = 4;
    c.next_attempt_ms = 9999;
    s.update(c);
    s.remove(a);
    EXPECT_EQ(s.size(), 2u);
  }
  Spool again(path);
  auto loaded = again.load();
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded[0].body, "{\"b\":2}");
  EXPECT_EQ(loaded[1].body, "{\"c\":3}");
  EXPECT_EQ(loaded[1].attempts, 4u);
  EXPECT_EQ(loaded[1].next_attempt_ms, 9999);
  EXPECT_EQ(again.size(), 2u);
}

TEST(Spool, CorruptFilesAreSetAsideNotFatal) {
  testing::TempDir dir;
  const std::string path = spool_dir_for(dir.path().string(), "x");
  Spool s(path);
  s.add(entry("{}", 1));
  testing::write_file(path + "/000000000000000-000000000.json", "{not json");
  auto loaded = s.load();
  EXPECT_EQ(loaded.size(), 1u);
  EXPECT_TRUE(std::filesystem::exists(path + "/000000000000000-000000000.json.bad"));
}

TEST(Spool, FilesOfTheWrongShapeAreSetAsideAndTheOthersLoad) {
  // One bad file used to end the whole load (a type error out of nlohmann's value()), so
  // nothing in that receiver's spool was delivered after a restart.
  testing::TempDir dir;
  const std::string path = spool_dir_for(dir.path().string(), "x");
  const std::vector<std::string> bad = {
      R"({"body":"b","count":"3"})",                      // a string where a number belongs
      R"({"body":"b","kind":5})",                         // a number where a string belongs
      R"({"body":"b","attempts":-1})",                    // below its range
      R"({"body":"b","attempts":4294967296})",            // above its range
      R"({"body":"b","created_ms":1e300})",               // a float where an integer belongs
      R"({"body":"b","next_attempt_ms":9223372036854775808})",
      R"({"body":7})", R"(["body"])", R"({"route":"r"})", "",
  };
  Spool s(path);
  for (std::size_t i = 0; i < bad.size(); ++i) {
    testing::write_file(path + "/000000000000000-00000000" + std::to_string(i) + ".json", bad[i]);
  }
  testing::write_file(path + "/000000000000100-000000100.json",
                      R"({"body":"ok","attempts":4294967295,"created_ms":-5,"next_attempt_ms":9223372036854775807})");
  testing::write_file(path + "/000000000000200-000000101.json", R"({"body":"defaults"})");
  std::vector<std::string> set_aside;
  const auto loaded = s.load(&set_aside);
  EXPECT_EQ(set_aside.size(), bad.size());
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded[0].body, "ok");
  EXPECT_EQ(loaded[0].attempts, 4294967295u);
  EXPECT_EQ(loaded[0].created_ms, -5);
  EXPECT_EQ(loaded[0].next_attempt_ms, INT64_MAX);
  EXPECT_EQ(loaded[1].body, "defaults");
  EXPECT_EQ(loaded[1].kind, "first");
  EXPECT_EQ(loaded[1].count, 1u);
  for (std::size_t i = 0; i < bad.size(); ++i) {
    const std::string name = path + "/000000000000000-00000000" + std::to_string(i) + ".json";
    EXPECT_TRUE(std::filesystem::exists(name + ".bad")) << bad[i];
    EXPECT_FALSE(std::filesystem::exists(name)) << bad[i];
  }
}

TEST(Spool, EncodedEntriesDecodeToThemselves) {
  SpoolEntry e = entry("{\"content\":\"x\"}", 1234);
  e.kind = "summary";
  e.count = 18446744073709551615u;
  e.attempts = 7;
  e.next_attempt_ms = -1;
  const auto back = decode_spool_entry(encode_spool_entry(e), "id.json");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->id, "id.json");
  EXPECT_EQ(back->kind, e.kind);
  EXPECT_EQ(back->route, e.route);
  EXPECT_EQ(back->count, e.count);
  EXPECT_EQ(back->body, e.body);
  EXPECT_EQ(back->created_ms, e.created_ms);
  EXPECT_EQ(back->attempts, e.attempts);
  EXPECT_EQ(back->next_attempt_ms, e.next_attempt_ms);
  EXPECT_TRUE(back->persisted);
  // Text that is not UTF-8 is replaced in the file rather than failing the write.
  e.route = "r\xff";
  const auto replaced = decode_spool_entry(encode_spool_entry(e), "id.json");
  ASSERT_TRUE(replaced);
  EXPECT_EQ(replaced->route, "r\xef\xbf\xbd");
}

TEST(Spool, NewEntriesAfterARestartNeverTakeALoadedName) {
  // Five entries in one millisecond, the first three delivered; after a restart, two more in
  // that same millisecond (a clock set back) must not overwrite the two still waiting.
  testing::TempDir dir;
  const std::string path = spool_dir_for(dir.path().string(), "x");
  {
    Spool s(path);
    std::vector<SpoolEntry> added;
    for (int i = 0; i < 5; ++i) added.push_back(s.add(entry("old" + std::to_string(i), 1000)));
    for (int i = 0; i < 3; ++i) s.remove(added[i]);
  }
  Spool again(path);
  ASSERT_EQ(again.load().size(), 2u);
  again.add(entry("new0", 1000));
  again.add(entry("new1", 1000));
  Spool third(path);
  std::vector<std::string> bodies;
  for (const auto& e : third.load()) bodies.push_back(e.body);
  EXPECT_EQ(bodies, (std::vector<std::string>{"old3", "old4", "new0", "new1"}));
}

TEST(Spool, ReceiverNamesCannotEscapeTheSpool) {
  EXPECT_EQ(spool_dir_for("/s", "../../etc"), "/s/spool/.._.._etc");
  EXPECT_EQ(spool_dir_for("/s", ".."), "/s/spool/_..");
  EXPECT_EQ(spool_dir_for("/s", "ops discord"), "/s/spool/ops_discord");
}

TEST(Spool, DirectoriesNoReceiverReadsAreListedWithTheirNotifications) {
  testing::TempDir dir;
  const std::string storage = dir.path().string();
  const auto plant = [&](const std::string& receiver, const std::string& file) {
    std::filesystem::create_directories(spool_dir_for(storage, receiver));
    testing::write_file(spool_dir_for(storage, receiver) + "/" + file, "{}");
  };
  plant("renamed", "000000000000001-000000001.json");
  plant("renamed", "000000000000002-000000002.json");
  plant("renamed", "000000000000000-000000000.json.bad");  // set aside: not a notification
  plant("renamed", "000000000000003-000000003.json.tmp");  // a write cut short
  plant("current", "000000000000001-000000001.json");
  plant("only-bad", "000000000000001-000000001.json.bad");
  std::filesystem::create_directories(spool_dir_for(storage, "empty"));
  testing::write_file(storage + "/spool/stray-file.json", "{}");  // not a directory

  EXPECT_EQ(unclaimed_spools(storage, {spool_dir_for(storage, "current")}),
            (std::vector<UnclaimedSpool>{{spool_dir_for(storage, "renamed"), 2}}));
  EXPECT_EQ(unclaimed_spools(storage, {spool_dir_for(storage, "current"), spool_dir_for(storage, "renamed")}),
            std::vector<UnclaimedSpool>{});
  EXPECT_EQ(unclaimed_spools(dir.file("no-such-dir"), {}), std::vector<UnclaimedSpool>{}) << "never throws";
}

TEST(Spool, AFullDiskIsReportedAndTheEntryKept) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  testing::TempDir dir;
  const std::string path = spool_dir_for(dir.path().string(), "x");
  Spool s(path);
  // dead-letter.jsonl as a link to /dev/full: every write fails with ENOSPC.
  std::filesystem::create_symlink("/dev/full", dir.file("dead-letter.jsonl"));
  std::string error;
  EXPECT_FALSE(append_dead_letter(dir.path().string(), {{"a", 1}}, &error));
  EXPECT_NE(error.find("space"), std::string::npos) << error;
}

TEST(Spool, DeadLettersAppendOneLineEach) {
  testing::TempDir dir;
  ASSERT_TRUE(append_dead_letter(dir.path().string(), {{"n", 1}}));
  ASSERT_TRUE(append_dead_letter(dir.path().string(), {{"n", 2}}));
  std::ifstream in(dir.file("dead-letter.jsonl"));
  std::string l1, l2;
  std::getline(in, l1);
  std::getline(in, l2);
  EXPECT_EQ(l1, R"({"n":1})");
  EXPECT_EQ(l2, R"({"n":2})");
}

}  // namespace
}  // namespace erralert::store
