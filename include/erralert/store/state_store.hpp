// StateStore: erralertd's durable state in one SQLite file, storage.dir/erralert.db (WAL,
// synchronous=NORMAL, one writer thread): the spool (notifications waiting for a receiver, with
// their retry state), the open groups (the aggregator's state), the API's silences and the dead
// letters. CONTRACT.md sections 4 and 5; docs/RELIABILITY.md says what a crash can lose.
//
//   auto store = StateStore::open({.dir = cfg.storage.dir}, io.get_executor(), &metrics);
//   StoreContents found = store->take_contents();     // restore groups, silences, spool
//   store->on_batch([&] { aggregator.take_changes(store->group_changes()); });  // encoded as given
//   store->start();                                    // commits within commit_interval of a change
//   store->put("ops-discord", item);                   // from the io thread: recorded, not written
//   store->commit_now(&why);                           // at a stop: everything, waited for
//
// Group commit: the io thread records changes into a batch that coalesces by row (a
// notification put, merged into and removed within one batch never reaches the disk); every
// commit_interval the batch goes to the writer thread, which applies it in one transaction (an
// interval that finds nothing recorded puts the loop to sleep until the next change). What
// the io thread records between two hand-overs lands together or not at all, so a summary that
// leaves its group and enters the spool is one transaction. A batch that fails to commit (a full
// disk) is kept and retried with what comes after it; error() says why until a commit succeeds.
// A commit writes its groups' changes as one row of a log, folded into the groups table about
// every 20 s and at each open (group_rows.hpp), so a storm over 10,000 groups costs each commit
// one insert.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "erralert/core/aggregator.hpp"
#include "erralert/core/metrics.hpp"
#include "erralert/core/outbox.hpp"
#include "erralert/net/signal.hpp"

namespace erralert::store {

class Sqlite;

/// What a receiver writes about its waiting notifications; the store implements it, tests
/// pass a fake. Called on the io thread; never blocks.
class SpoolWriter {
 public:
  virtual ~SpoolWriter() = default;
  /// A row id no other notification has.
  virtual std::uint64_t next_id() = 0;
  /// Keeps `item` (its store_id set) as waiting for `receiver`, over what that row held.
  virtual void put(std::string_view receiver, const core::Outbox::Item& item) = 0;
  /// The row is delivered: gone.
  virtual void remove(std::uint64_t id) = 0;
  /// Moves the row to the dead letters; `record` is its line of dead-letter.jsonl.
  virtual void dead_letter(std::string_view receiver, const core::Outbox::Item& item, nlohmann::json record) = 0;
};

/// The store cannot be opened or used as it is (exit code 3); the message names paths only.
struct StoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct StoreOptions {
  std::string dir;
  std::chrono::milliseconds commit_interval{200};
  std::uint64_t max_bytes = 256ull << 20;
  /// The group log is folded into the groups table at every fold_every-th commit that logged
  /// changes (about 20 s at the default interval), or sooner when it passes 32 MiB (or an
  /// eighth of max_bytes, when that is less). A fold
  /// writes every group the log changed, so in a storm over many groups its cost is paid per
  /// fold: fewer folds, less work; a longer log, a longer fold at the next start.
  std::uint64_t fold_every = 100;
};

struct StoredItem {
  std::string receiver;
  core::Outbox::Item item;  ///< store_id set
};

/// What a start found in the store.
struct StoreContents {
  core::AggregatorSnapshot groups;
  nlohmann::json silences = nlohmann::json::array();  ///< core::SilenceSet::to_json() entries
  std::vector<StoredItem> spool;                      ///< oldest first
  std::vector<std::string> notes;                     ///< what opening did, for the log (info)
  std::vector<std::string> problems;                  ///< what it set aside or skipped (warnings)
};

/// The schema this release writes (PRAGMA user_version); older ones are migrated at open.
inline constexpr int kSchemaVersion = 1;

class StateStore final : public SpoolWriter {
 public:
  /// Opens storage.dir/erralert.db, creating it (and the directory) when missing, and takes
  /// the directory's lock (one erralertd per storage.dir). A file that is not SQLite, another
  /// program's database or one failing PRAGMA integrity_check is moved aside (named in
  /// contents().problems) and a fresh store is started; the file spool and silences.json of
  /// earlier releases are imported once and renamed aside. Throws StoreError when it cannot
  /// (another erralertd holds the lock, a schema newer than this release, a directory it
  /// cannot write). `metrics` (may be null) gets store_bytes, store_commit_seconds and the rest.
  static std::unique_ptr<StateStore> open(const StoreOptions& options, const boost::asio::any_io_executor& ex,
                                          core::Metrics* metrics);
  /// Stops the writer thread after its current batch; what is recorded and not committed is
  /// not written (commit_now() first for that).
  ~StateStore() override;
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  /// What open() found; moved out (call once).
  StoreContents take_contents();

  // SpoolWriter
  std::uint64_t next_id() override { return ++last_id_; }
  void put(std::string_view receiver, const core::Outbox::Item& item) override;
  void remove(std::uint64_t id) override;
  void dead_letter(std::string_view receiver, const core::Outbox::Item& item, nlohmann::json record) override;

  /// Where the aggregator's changes go (Aggregator::take_changes(sink)): encoded as they come,
  /// on the io thread. The reference is good until the next batch is handed over.
  core::GroupChangeSink& group_changes();
  /// The same for changes as values.
  void record_groups(const std::vector<core::GroupChange>& changes);
  /// The API's silences, all of them (core::SilenceSet::to_json()).
  void record_silences(nlohmann::json entries);
  /// Events accepted up to `ticket` (Intake's count) are accounted for in what is recorded.
  void cover(std::uint64_t ticket);

  /// Called on the io thread just before each batch is handed to the writer: where the owner
  /// records what it keeps in memory (the aggregator's changes, the intake's count).
  void on_batch(std::function<void()> collect) { collect_ = std::move(collect); }
  /// Called on the io thread after each commit that succeeded or failed.
  void on_commit(std::function<void()> after) { after_commit_ = std::move(after); }
  /// Starts the commit loop: a commit one commit_interval after something is recorded, then
  /// every interval while more is; asleep (no timer) while nothing is.
  void start();
  /// Something the owner keeps in memory changed (what on_batch's collector records): commit it
  /// within commit_interval. The store's own record calls (put, remove, record_silences...)
  /// wake it by themselves.
  void wake();
  /// The commit loop sleeps: its last look found nothing recorded, and nothing was since.
  bool asleep() const { return asleep_; }
  /// Commits everything recorded so far and waits for it, blocking the io thread (at a stop,
  /// after a silence changes). False, with `error`, when it did not commit.
  bool commit_now(std::string* error = nullptr);
  /// Resolves true once everything up to `ticket` is committed; false at `deadline`.
  boost::asio::awaitable<bool> committed(std::uint64_t ticket, std::chrono::steady_clock::time_point deadline);

  /// The committed notifications of `receiver` (after committing what is recorded): for a
  /// receiver that comes back under its name at a reload.
  std::vector<core::Outbox::Item> spool_of(std::string_view receiver);
  /// Notifications committed per receiver name, for names no receiver reads any more.
  std::vector<std::pair<std::string, std::size_t>> spool_by_receiver();

  /// Why the last commit failed; empty when it succeeded (or none was tried yet).
  const std::string& error() const { return error_; }
  const std::string& path() const { return path_; }
  /// What the last commit left on disk.
  struct DiskState {
    std::uint64_t file_bytes = 0;  ///< erralert.db and its WAL
    std::uint64_t used_bytes = 0;  ///< pages in use (what max_bytes bounds)
    std::size_t spool_rows = 0;
    std::uint64_t spool_events = 0;
    std::size_t dead_letters = 0;
  };
  const DiskState& disk() const { return disk_; }
  /// Seconds since the last successful commit; nullopt before the first.
  std::optional<double> last_commit_age_seconds() const;
  /// Past storage.max_bytes after the last commit: the owner folds waiting notifications.
  bool over_max_bytes() const { return disk_.used_bytes >= options_.max_bytes; }

  struct Batch;
  struct Result;

 private:
  StateStore(StoreOptions options, const boost::asio::any_io_executor& ex, core::Metrics* metrics);
  void writer_loop();
  /// Whether a commit has work: something recorded (after collect_), or a failed batch to retry.
  bool has_work();
  /// Hands the recorded batch to the writer (which must be idle).
  void submit(std::unique_lock<std::mutex>& lock);
  void apply(const Result& r);
  /// `closing` is set by the destructor: the loop may resume after the store is gone.
  boost::asio::awaitable<void> commit_loop(std::shared_ptr<bool> closing);

  StoreOptions options_;
  std::string path_;
  boost::asio::any_io_executor ex_;
  core::Metrics* metrics_;
  std::unique_ptr<Sqlite> db_;
  int lock_fd_ = -1;
  StoreContents contents_;
  std::uint64_t last_id_ = 0;

  // io thread
  std::unique_ptr<Batch> recorded_;
  std::function<void()> collect_;
  std::function<void()> after_commit_;
  std::string error_;
  DiskState disk_;
  std::optional<std::chrono::steady_clock::time_point> last_commit_;
  std::uint64_t committed_ticket_ = 0;
  std::uint64_t applied_seq_ = 0;
  boost::asio::steady_timer timer_;
  bool asleep_ = false;  ///< the commit loop waits for wake(), its timer set to never
  std::shared_ptr<bool> closing_ = std::make_shared<bool>(false);
  net::Signal commits_;
  core::Histogram* commit_seconds_ = nullptr;
  std::uint64_t* commit_errors_ = nullptr;
  bool stopping_ = false;

  // shared with the writer thread, under mutex_
  std::mutex mutex_;
  std::condition_variable cv_;
  std::unique_ptr<Batch> job_;
  bool busy_ = false;
  bool quit_ = false;
  std::uint64_t submitted_seq_ = 0;
  std::uint64_t done_seq_ = 0;
  std::shared_ptr<Result> last_result_;
  std::thread writer_;

  // the writer thread's
  std::uint64_t log_rows_ = 0;   ///< group_log rows since the last fold
  std::uint64_t log_bytes_ = 0;  ///< and their bytes
};

/// `erralertd state stats`: what a storage.dir's store holds, as JSON; read-only, works beside
/// a running daemon. Throws StoreError when there is no store or it cannot be read.
nlohmann::json store_stats(const std::string& storage_dir);
/// `erralertd state dead-letters`: every dead letter, oldest first (id, receiver, kind, count,
/// dead_at, reason).
nlohmann::json list_dead_letters(const std::string& storage_dir);
/// `erralertd state dead-letters --retry ID`: moves a dead letter back to its receiver's spool
/// (attempts reset), so the next start delivers it. Needs the daemon stopped (the lock).
/// False when there is no dead letter `id`.
bool retry_dead_letter(const std::string& storage_dir, std::int64_t id);

}  // namespace erralert::store
