// Spool: entries survive a restart in order; removal and dead letters; a full disk is reported.
#include "erralert/store/spool.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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

TEST(Spool, ReceiverNamesCannotEscapeTheSpool) {
  EXPECT_EQ(spool_dir_for("/s", "../../etc"), "/s/spool/.._.._etc");
  EXPECT_EQ(spool_dir_for("/s", ".."), "/s/spool/_..");
  EXPECT_EQ(spool_dir_for("/s", "ops discord"), "/s/spool/ops_discord");
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
