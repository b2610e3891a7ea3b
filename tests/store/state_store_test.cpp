// StateStore on a temp dir: what is committed is what the next open finds (spool oldest first,
// open and remembered groups, silences), rows coalesce within a batch, the file spool and
// silences.json of an earlier release are imported once, a damaged, foreign or newer store is
// handled without a crash, one daemon per storage.dir, and the offline commands.
#include "erralert/store/state_store.hpp"

#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "core/grouping_support.hpp"
#include "erralert/store/spool.hpp"
#include "support/daemon_process.hpp"
#include "support/io_poll.hpp"

namespace erralert::store {
namespace {

namespace fs = std::filesystem;

core::Outbox::Item item(const std::string& fp, std::uint64_t count, std::uint64_t id) {
  core::Outbox::Item it;
  it.notification = testing::one_group(core::NotificationKind::summary, "payments-5xx", fp, count, 1000, 2000);
  it.notification->receiver = "hooks";
  it.attempt = {1000, 2, 5000};
  it.store_id = id;
  return it;
}

core::GroupState group(const std::string& fp, std::uint64_t pending) {
  core::GroupState g;
  g.route = "payments-5xx";
  g.receiver = "hooks";
  g.fingerprint = fp;
  g.dedup.window = std::chrono::minutes(5);
  g.opened_ms = 1000;
  g.window_end_ms = 301000;
  g.pending = pending;
  g.total = pending + 1;
  g.notified = true;
  g.latest = testing::event_at(1000, "502");
  return g;
}

/// Runs SQL on the store file directly, as a damaged disk or another program would.
void raw_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

/// Rows of `table` in the store file.
std::int64_t rows(const std::string& path, const std::string& table) {
  sqlite3* db = nullptr;
  std::int64_t n = -1;
  if (sqlite3_open(path.c_str(), &db) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, ("SELECT count(*) FROM " + table).c_str(), -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
      n = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return n;
}

class StateStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<StateStore> open(std::uint64_t fold_every = 25) {
    return StateStore::open({.dir = dir_.path().string(), .fold_every = fold_every}, io_.get_executor(), nullptr);
  }
  std::string db() const { return dir_.file("erralert.db"); }

  boost::asio::io_context io_;
  testing::TempDir dir_;
};

TEST_F(StateStoreTest, WhatIsCommittedIsWhatTheNextOpenFinds) {
  {
    auto s = open();
    const StoreContents empty = s->take_contents();
    EXPECT_TRUE(empty.spool.empty());
    EXPECT_TRUE(empty.groups.open.empty());
    EXPECT_TRUE(empty.problems.empty());
    s->put("hooks", item("fp-b", 3, s->next_id()));
    s->put("hooks", item("fp-a", 4, s->next_id()));
    s->put("slack", item("fp-c", 5, s->next_id()));
    core::GroupChange open_group{"payments-5xx", "hooks", "fp-a", group("fp-a", 7), std::nullopt};
    core::GroupChange closed{"payments-5xx", "hooks", "fp-z", std::nullopt, core::ClosedGroup{"payments-5xx", "hooks", "fp-z", 9, 10, 20}};
    s->record_groups({open_group, closed});
    s->record_silences(nlohmann::json::array({{{"id", "0123456789abcdef"}}}));
    std::string why;
    ASSERT_TRUE(s->commit_now(&why)) << why;
    EXPECT_EQ(s->disk().spool_rows, 3u);
    EXPECT_EQ(s->disk().spool_events, 12u);
    EXPECT_EQ(rows(db(), "group_log"), 1) << "a commit logs what its groups changed";
    EXPECT_GT(s->disk().file_bytes, 0u);
    EXPECT_TRUE(s->last_commit_age_seconds().has_value());
  }
  auto s = open();
  StoreContents c = s->take_contents();
  ASSERT_EQ(c.spool.size(), 3u);
  EXPECT_EQ(c.spool[0].receiver, "hooks");
  EXPECT_EQ(c.spool[0].item.notification->groups[0].fingerprint, "fp-b") << "oldest first";
  EXPECT_EQ(c.spool[0].item.attempt.failures, 2u) << "the retry state is kept";
  EXPECT_EQ(c.spool[2].receiver, "slack");
  EXPECT_GT(c.spool[2].item.store_id, c.spool[0].item.store_id);
  ASSERT_EQ(c.groups.open.size(), 1u);
  EXPECT_EQ(c.groups.open[0].pending, 7u);
  ASSERT_TRUE(c.groups.open[0].latest);
  EXPECT_EQ(c.groups.open[0].latest->service, "payment-api");
  ASSERT_EQ(c.groups.closed.size(), 1u);
  EXPECT_EQ(c.groups.closed[0].total, 9u);
  EXPECT_EQ(c.silences, nlohmann::json::array({{{"id", "0123456789abcdef"}}}));
  EXPECT_GT(s->next_id(), c.spool[2].item.store_id) << "new rows never take a stored row's id";
  EXPECT_EQ(rows(db(), "group_log"), 0) << "an open folds the log into the groups table";
  EXPECT_EQ(rows(db(), "groups"), 2);
}

TEST_F(StateStoreTest, RowsCoalesceWithinABatchAndRemovalsAndForgottenGroupsReachTheDisk) {
  std::uint64_t kept = 0;
  {
    auto s = open();
    const auto gone = s->next_id();
    s->put("hooks", item("fp-a", 1, gone));
    s->put("hooks", item("fp-a", 2, gone));  // merged into while it waited
    s->remove(gone);                         // delivered before any commit: never written
    kept = s->next_id();
    s->put("hooks", item("fp-b", 1, kept));
    s->record_groups({{"payments-5xx", "hooks", "fp-b", group("fp-b", 1), std::nullopt}});
    ASSERT_TRUE(s->commit_now());
    EXPECT_EQ(s->disk().spool_rows, 1u);
    s->remove(kept);
    s->record_groups({{"payments-5xx", "hooks", "fp-b", std::nullopt, std::nullopt}});  // closed and forgotten
    ASSERT_TRUE(s->commit_now());
    EXPECT_EQ(s->disk().spool_rows, 0u);
  }
  auto s = open();
  const auto c = s->take_contents();
  EXPECT_TRUE(c.spool.empty());
  EXPECT_TRUE(c.groups.open.empty());
}

TEST_F(StateStoreTest, EveryFieldOfAGroupReadsBackAndItsEventOutlivesChangesOfCountsOnly) {
  core::GroupState g = group("fp-a", 7);
  g.dedup = {std::chrono::seconds(90), 3, true};
  g.pending_first_ms = 1100;
  g.pending_last_ms = 1900;
  g.last_seen_ms = 1950;
  g.overflow = true;
  g.seen_before = 41;
  g.seen_before_since_ms = 500;
  {
    auto s = open();
    s->record_groups({{"payments-5xx", "hooks", "fp-a", g, std::nullopt}});
    ASSERT_TRUE(s->commit_now());
    core::GroupState counts_only = g;
    counts_only.pending = 8;
    counts_only.total = 9;
    counts_only.latest = nullptr;  // the aggregator gives no event when only the counts moved
    s->record_groups({{"payments-5xx", "hooks", "fp-a", counts_only, std::nullopt}});
    ASSERT_TRUE(s->commit_now());
  }
  {
    auto s = open();
    const auto c = s->take_contents();
    ASSERT_EQ(c.groups.open.size(), 1u);
    const core::GroupState& back = c.groups.open[0];
    EXPECT_EQ(back.route, g.route);
    EXPECT_EQ(back.receiver, g.receiver);
    EXPECT_EQ(back.fingerprint, g.fingerprint);
    EXPECT_EQ(back.dedup, g.dedup);
    EXPECT_EQ(back.opened_ms, g.opened_ms);
    EXPECT_EQ(back.window_end_ms, g.window_end_ms);
    EXPECT_EQ(back.pending, 8u);
    EXPECT_EQ(back.pending_first_ms, g.pending_first_ms);
    EXPECT_EQ(back.pending_last_ms, g.pending_last_ms);
    EXPECT_EQ(back.total, 9u);
    EXPECT_EQ(back.last_seen_ms, g.last_seen_ms);
    EXPECT_EQ(back.notified, g.notified);
    EXPECT_EQ(back.overflow, g.overflow);
    EXPECT_EQ(back.seen_before, g.seen_before);
    EXPECT_EQ(back.seen_before_since_ms, g.seen_before_since_ms);
    ASSERT_TRUE(back.latest) << "the event written when the group opened stands";
    EXPECT_EQ(core::to_json(*back.latest, true), core::to_json(*g.latest, true));
    // It closes and is remembered: its event goes with it.
    s->record_groups({{"payments-5xx", "hooks", "fp-a", std::nullopt, core::ClosedGroup{"payments-5xx", "hooks", "fp-a", 50, 500, 9000}}});
    ASSERT_TRUE(s->commit_now());
  }
  auto s = open();
  const auto c = s->take_contents();
  EXPECT_EQ(rows(db(), "group_events"), 0) << "a closed group's event goes with it";
  EXPECT_TRUE(c.groups.open.empty());
  ASSERT_EQ(c.groups.closed.size(), 1u);
  EXPECT_EQ(c.groups.closed[0].total, 50u);
  EXPECT_EQ(c.groups.closed[0].since_ms, 500);
  EXPECT_EQ(c.groups.closed[0].closed_ms, 9000);
}

TEST_F(StateStoreTest, AFoldKeepsTheEventOfTheGroupsCurrentOpeningNotOfAnEarlierOne) {
  // Logged in four commits, folded at the next open: opened with event "first", closed,
  // reopened with event "second", then counts only. The group restored is the last change
  // with the event of its reopening; a second group logged beside it keeps its own.
  core::GroupState first = group("fp-a", 1);
  first.latest = testing::event_at(1000, "first");
  core::GroupState reopened = group("fp-a", 1);
  reopened.opened_ms = 400'000;
  reopened.latest = testing::event_at(400'000, "second");
  core::GroupState counts_only = reopened;
  counts_only.pending = 6;
  counts_only.latest = nullptr;
  core::GroupState other = group("fp-b", 2);
  other.route = "orders";
  other.receiver = "slack";
  other.latest = testing::event_at(2000, "other");
  {
    auto s = open();
    s->record_groups({{"payments-5xx", "hooks", "fp-a", first, std::nullopt}, {"orders", "slack", "fp-b", other, std::nullopt}});
    ASSERT_TRUE(s->commit_now());
    s->record_groups({{"payments-5xx", "hooks", "fp-a", std::nullopt, core::ClosedGroup{"payments-5xx", "hooks", "fp-a", 2, 1000, 300'000}}});
    ASSERT_TRUE(s->commit_now());
    s->record_groups({{"payments-5xx", "hooks", "fp-a", reopened, std::nullopt}});
    ASSERT_TRUE(s->commit_now());
    s->record_groups({{"payments-5xx", "hooks", "fp-a", counts_only, std::nullopt}});
    ASSERT_TRUE(s->commit_now());
    EXPECT_EQ(rows(db(), "group_log"), 4);
  }
  auto s = open();
  const auto c = s->take_contents();
  ASSERT_EQ(c.groups.open.size(), 2u);
  const auto& a = c.groups.open[0].fingerprint == "fp-a" ? c.groups.open[0] : c.groups.open[1];
  const auto& b = c.groups.open[0].fingerprint == "fp-a" ? c.groups.open[1] : c.groups.open[0];
  EXPECT_EQ(a.pending, 6u);
  EXPECT_EQ(a.opened_ms, 400'000);
  ASSERT_TRUE(a.latest);
  EXPECT_EQ(a.latest->message, "second");
  EXPECT_EQ(b.route, "orders");
  EXPECT_EQ(b.receiver, "slack");
  ASSERT_TRUE(b.latest);
  EXPECT_EQ(b.latest->message, "other");
  EXPECT_EQ(rows(db(), "group_events"), 2);
}

TEST_F(StateStoreTest, AGroupRowThatDoesNotReadBackIsLeftOutAndSaidTheOthersAreRestored) {
  {
    auto s = open();
    s->record_groups({{"payments-5xx", "hooks", "fp-a", group("fp-a", 1), std::nullopt},
                      {"payments-5xx", "hooks", "fp-b", group("fp-b", 2), std::nullopt},
                      {"payments-5xx", "hooks", "fp-c", group("fp-c", 3), std::nullopt}});
    ASSERT_TRUE(s->commit_now());
  }
  open();  // folds the log into the table
  ASSERT_EQ(rows(db(), "groups"), 3);
  raw_sql(db(), "UPDATE groups SET window_ms = 0 WHERE fingerprint = 'fp-a';"
                "UPDATE group_events SET event = 'not json' WHERE fingerprint = 'fp-b'");
  auto s = open();
  const auto c = s->take_contents();
  ASSERT_EQ(c.groups.open.size(), 1u);
  EXPECT_EQ(c.groups.open[0].fingerprint, "fp-c");
  ASSERT_EQ(c.problems.size(), 1u);
  EXPECT_NE(c.problems[0].find("2 stored group(s) do not read back"), std::string::npos) << c.problems[0];
}

TEST_F(StateStoreTest, TheGroupLogIsFoldedEveryFewCommitsAndWhatFollowsAFoldIsLoggedOnTopOfIt) {
  {
    auto s = open(2);
    s->record_groups({{"payments-5xx", "hooks", "fp-a", group("fp-a", 1), std::nullopt}});
    ASSERT_TRUE(s->commit_now());
    EXPECT_EQ(rows(db(), "group_log"), 1);
    s->record_groups({{"payments-5xx", "hooks", "fp-b", group("fp-b", 2), std::nullopt}});
    ASSERT_TRUE(s->commit_now());
    EXPECT_EQ(rows(db(), "group_log"), 0) << "the second commit folds";
    EXPECT_EQ(rows(db(), "groups"), 2);
    EXPECT_EQ(rows(db(), "group_events"), 2);
    ASSERT_TRUE(s->commit_now());
    EXPECT_EQ(rows(db(), "group_log"), 0) << "a commit without group changes logs nothing";
    core::GroupState more = group("fp-a", 5);
    more.latest = nullptr;
    s->record_groups({{"payments-5xx", "hooks", "fp-a", more, std::nullopt},
                      {"payments-5xx", "hooks", "fp-b", std::nullopt, std::nullopt}});
    ASSERT_TRUE(s->commit_now());
    EXPECT_EQ(rows(db(), "group_log"), 1);
  }
  auto s = open();
  const auto c = s->take_contents();
  ASSERT_EQ(c.groups.open.size(), 1u);
  EXPECT_EQ(c.groups.open[0].fingerprint, "fp-a");
  EXPECT_EQ(c.groups.open[0].pending, 5u) << "the logged counts win over the folded ones";
  EXPECT_TRUE(c.groups.open[0].latest) << "and the folded event stands";
  EXPECT_EQ(rows(db(), "group_events"), 1);
  EXPECT_TRUE(c.problems.empty());
}

TEST_F(StateStoreTest, ASmallStoreFoldsItsGroupLogAtAnEighthOfMaxBytes) {
  // 600 groups' changes are about 15 KB of log: past an eighth of 64 KiB (8 KiB), not of the
  // default 256 MiB. The commit after the log passes that folds it, whatever fold_every says.
  std::vector<core::GroupChange> many;
  for (int i = 0; i < 600; ++i) {
    core::GroupState g = group("fp-" + std::to_string(i), 1);
    g.latest = nullptr;
    many.push_back({g.route, g.receiver, g.fingerprint, g, std::nullopt});
  }
  for (const std::uint64_t max_bytes : {std::uint64_t{64} << 10, std::uint64_t{256} << 20}) {
    std::filesystem::remove_all(dir_.path());
    auto s = StateStore::open({.dir = dir_.path().string(), .max_bytes = max_bytes, .fold_every = 1000},
                              io_.get_executor(), nullptr);
    s->record_groups(many);
    ASSERT_TRUE(s->commit_now());
    s->record_groups({many[0]});
    ASSERT_TRUE(s->commit_now());
    EXPECT_EQ(rows(db(), "group_log"), max_bytes < (1u << 20) ? 0 : 2) << "max_bytes " << max_bytes;
    EXPECT_EQ(rows(db(), "groups"), max_bytes < (1u << 20) ? 600 : 0) << "max_bytes " << max_bytes;
  }
}

TEST_F(StateStoreTest, ALogRowThatDoesNotReadBackIsSaidAndTheRestIsRestored) {
  {
    auto s = open();
    s->record_groups({{"payments-5xx", "hooks", "fp-a", group("fp-a", 1), std::nullopt}});
    ASSERT_TRUE(s->commit_now());
    s->record_groups({{"payments-5xx", "hooks", "fp-b", group("fp-b", 2), std::nullopt}});
    ASSERT_TRUE(s->commit_now());
  }
  raw_sql(db(), "UPDATE group_log SET changes = x'01ff' WHERE seq = (SELECT max(seq) FROM group_log)");
  auto s = open();
  const auto c = s->take_contents();
  ASSERT_EQ(c.groups.open.size(), 1u);
  EXPECT_EQ(c.groups.open[0].fingerprint, "fp-a");
  ASSERT_EQ(c.problems.size(), 1u);
  EXPECT_NE(c.problems[0].find("1 logged group change(s) do not read back"), std::string::npos) << c.problems[0];
  EXPECT_EQ(rows(db(), "group_log"), 0);
}

TEST_F(StateStoreTest, CommittedResolvesOnceItsTicketIsCommitted) {
  auto s = open();
  bool done = false, result = false;
  boost::asio::co_spawn(io_, [&]() -> boost::asio::awaitable<void> {
    result = co_await s->committed(5, std::chrono::steady_clock::now() + std::chrono::seconds(5));
    done = true;
  }, boost::asio::detached);
  testing::poll(io_);
  EXPECT_FALSE(done) << "nothing committed yet";
  s->cover(5);
  ASSERT_TRUE(s->commit_now());
  ASSERT_TRUE(testing::run_until(io_, [&] { return done; }, std::chrono::seconds(5)));
  EXPECT_TRUE(result);

  bool late = true;
  boost::asio::co_spawn(io_, [&]() -> boost::asio::awaitable<void> {
    late = co_await s->committed(6, std::chrono::steady_clock::now());
  }, boost::asio::detached);
  testing::poll(io_);
  EXPECT_FALSE(late) << "past its deadline and not committed";
}

TEST_F(StateStoreTest, AnIdleStoreSleepsUntilSomethingIsRecordedAndThenCommitsIt) {
  // An idle daemon must not wake every commit_interval to find nothing (row 6 of the bench).
  auto s = StateStore::open({.dir = dir_.path().string(), .commit_interval = std::chrono::milliseconds(20)},
                            io_.get_executor(), nullptr);
  int commits = 0;
  s->on_commit([&] { ++commits; });
  s->start();
  s->put("hooks", item("fp1", 3, s->next_id()));
  ASSERT_TRUE(testing::run_until(io_, [&] { return commits == 1; }, std::chrono::seconds(5)));
  ASSERT_TRUE(testing::run_until(io_, [&] { return s->asleep(); }, std::chrono::seconds(5)))
      << "the look after the commit found nothing";
  io_.restart();
  EXPECT_EQ(io_.run_for(std::chrono::milliseconds(300)), 0u) << "asleep for 15 intervals: not one handler ran";
  EXPECT_EQ(commits, 1);

  s->put("hooks", item("fp2", 4, s->next_id()));  // wakes it
  EXPECT_FALSE(s->asleep());
  ASSERT_TRUE(testing::run_until(io_, [&] { return commits == 2; }, std::chrono::seconds(5)));
  EXPECT_EQ(rows(db(), "spool"), 2);

  // The owner's own state (what on_batch collects) wakes it through wake().
  ASSERT_TRUE(testing::run_until(io_, [&] { return s->asleep(); }, std::chrono::seconds(5)));
  s->on_batch([&] { s->cover(7); });
  s->wake();
  bool covered = false;
  boost::asio::co_spawn(io_, [&]() -> boost::asio::awaitable<void> {
    covered = co_await s->committed(7, std::chrono::steady_clock::now() + std::chrono::seconds(5));
  }, boost::asio::detached);
  ASSERT_TRUE(testing::run_until(io_, [&] { return covered; }, std::chrono::seconds(5)));
  EXPECT_EQ(commits, 3);
}

TEST_F(StateStoreTest, TheFileSpoolAndSilenceFileOfAnEarlierReleaseAreImportedOnce) {
  fs::create_directories(dir_.file("spool/hooks"));
  core::Outbox::Item legacy;
  legacy.rendered = R"({"content":"from before"})";
  legacy.rendered_kind = "first";
  legacy.rendered_count = 3;
  testing::write_file(dir_.file("spool/hooks/000000000001000-000000001.json"), encode_spool_item(legacy));
  testing::write_file(dir_.file("spool/hooks/000000000002000-000000002.json"), encode_spool_item(item("fp-a", 4, 0)));
  testing::write_file(dir_.file("spool/hooks/000000000000000-000000000.json"), "{not a notification");
  testing::write_file(dir_.file("silences.json"), R"({"version":1,"silences":[{"id":"0123456789abcdef"}]})");
  {
    auto s = open();
    const auto c = s->take_contents();
    ASSERT_EQ(c.spool.size(), 2u);
    EXPECT_EQ(c.spool[0].item.rendered, legacy.rendered) << "oldest first, byte for byte";
    EXPECT_EQ(c.spool[1].item.count(), 4u);
    EXPECT_EQ(c.silences.size(), 1u);
    ASSERT_FALSE(c.notes.empty());
    EXPECT_NE(c.notes[0].find("imported 2 notification(s)"), std::string::npos) << c.notes[0];
    ASSERT_EQ(c.problems.size(), 1u);
    EXPECT_NE(c.problems[0].find("000000000000000-000000000.json"), std::string::npos) << c.problems[0];
    EXPECT_FALSE(fs::exists(dir_.file("spool")));
    EXPECT_TRUE(fs::exists(dir_.file("spool.imported/hooks/000000000000000-000000000.json"))) << "kept for ops";
    EXPECT_TRUE(fs::exists(dir_.file("silences.json.imported")));
  }
  // A crash between the import's commit and the renames: the next start renames, never imports twice.
  fs::rename(dir_.file("spool.imported"), dir_.file("spool"));
  auto s = open();
  const auto c = s->take_contents();
  EXPECT_EQ(c.spool.size(), 2u);
  EXPECT_FALSE(fs::exists(dir_.file("spool")));
}

TEST_F(StateStoreTest, AFileThatIsNotAStoreIsMovedAsideAndAFreshOneStarted) {
  for (const std::string& junk : {std::string("this is not SQLite at all, just bytes"), std::string(8192, '\x01')}) {
    testing::write_file(db(), junk);
    auto s = open();
    const auto c = s->take_contents();
    ASSERT_EQ(c.problems.size(), 1u);
    EXPECT_NE(c.problems[0].find("moved to"), std::string::npos) << c.problems[0];
    s->put("hooks", item("fp-a", 1, s->next_id()));
    EXPECT_TRUE(s->commit_now()) << "the fresh store works";
    s.reset();
    std::size_t aside = 0;
    for (const auto& f : fs::directory_iterator(dir_.path())) {
      aside += f.path().filename().string().starts_with("erralert.db.damaged-") && !f.path().string().ends_with("-wal") &&
               !f.path().string().ends_with("-shm");
    }
    EXPECT_GE(aside, 1u);
    for (const auto& f : fs::directory_iterator(dir_.path())) {
      if (f.path().filename().string().starts_with("erralert.db")) fs::remove(f.path());
    }
  }
}

TEST_F(StateStoreTest, AnotherProgramsDatabaseIsMovedAsideNotUsed) {
  raw_sql(db(), "CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES(1, 'x');");
  auto s = open();
  const auto c = s->take_contents();
  ASSERT_EQ(c.problems.size(), 1u);
  EXPECT_NE(c.problems[0].find("another program's database"), std::string::npos) << c.problems[0];
}

TEST_F(StateStoreTest, AStoreOfANewerReleaseIsLeftAloneAndRefused) {
  { auto s = open(); }
  raw_sql(db(), "PRAGMA user_version=99");
  try {
    open();
    FAIL() << "opened a schema it does not know";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("newer erralert"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::exists(db()));
}

TEST_F(StateStoreTest, OneDaemonPerStorageDir) {
  auto first = open();
  try {
    open();
    FAIL() << "two stores on one storage.dir";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("in use by another erralertd (pid " + std::to_string(::getpid())),
              std::string::npos)
        << e.what();
  }
  first.reset();
  EXPECT_NO_THROW(open()) << "the lock goes with the store";
}

TEST_F(StateStoreTest, ARowThatDoesNotReadBackBecomesADeadLetterNotALoss) {
  {
    auto s = open();
    s->put("hooks", item("fp-a", 1, s->next_id()));
    ASSERT_TRUE(s->commit_now());
  }
  raw_sql(db(), "UPDATE spool SET entry = '{\"notification\": 7}'");
  auto s = open();
  const auto c = s->take_contents();
  EXPECT_TRUE(c.spool.empty());
  ASSERT_EQ(c.problems.size(), 1u);
  EXPECT_NE(c.problems[0].find("moved to the dead letters"), std::string::npos) << c.problems[0];
  s.reset();
  EXPECT_EQ(list_dead_letters(dir_.path().string()).size(), 1u);
}

TEST_F(StateStoreTest, DeadLettersAreListedAndARetryPutsOneBackInItsReceiversSpool) {
  {
    auto s = open();
    core::Outbox::Item dead = item("fp-a", 6, s->next_id());
    s->put("hooks", dead);
    ASSERT_TRUE(s->commit_now());
    s->dead_letter("hooks", dead, {{"receiver", "hooks"}, {"reason", "400 Bad Request"}, {"dead_at", "2026-12-01T00:00:00Z"}});
    ASSERT_TRUE(s->commit_now());
    EXPECT_EQ(s->disk().spool_rows, 0u);
    EXPECT_EQ(s->disk().dead_letters, 1u);
    EXPECT_NE(testing::read_file(dir_.file("dead-letter.jsonl")).find("400 Bad Request"), std::string::npos);
    EXPECT_THROW(retry_dead_letter(dir_.path().string(), 1), StoreError) << "not while a daemon holds the store";
  }
  const auto list = list_dead_letters(dir_.path().string());
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["receiver"], "hooks");
  EXPECT_EQ(list[0]["reason"], "400 Bad Request");
  EXPECT_EQ(list[0]["count"], 6);
  EXPECT_EQ(list[0]["dead_at"], "2026-12-01T00:00:00Z");
  const auto id = list[0]["id"].get<std::int64_t>();
  EXPECT_FALSE(retry_dead_letter(dir_.path().string(), id + 100));
  EXPECT_TRUE(retry_dead_letter(dir_.path().string(), id));
  EXPECT_TRUE(list_dead_letters(dir_.path().string()).empty());
  const auto stats = store_stats(dir_.path().string());
  EXPECT_EQ(stats["spool_notifications"], 1);
  EXPECT_EQ(stats["spool_by_receiver"]["hooks"]["events"], 6);
  auto s = open();
  const auto c = s->take_contents();
  ASSERT_EQ(c.spool.size(), 1u);
  EXPECT_EQ(c.spool[0].item.attempt.failures, 0u) << "a retry starts over";
}

TEST_F(StateStoreTest, TheOfflineCommandsSayWhenThereIsNoStore) {
  EXPECT_THROW(store_stats(dir_.path().string()), StoreError);
  EXPECT_THROW(list_dead_letters(dir_.file("none")), StoreError);
}

}  // namespace
}  // namespace erralert::store
