// StateStore: SQLite under storage.dir, written by one thread in group commits.
#include "erralert/store/state_store.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "erralert/store/silence_file.hpp"
#include "erralert/store/spool.hpp"
#include "group_rows.hpp"
#include "sqlite.hpp"

namespace erralert::store {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::int64_t kApplicationId = 0x45524c54;  // "ERLT": this file is erralert's store
constexpr std::uint64_t kWalCheckpointBytes = 4u << 20;
constexpr std::uint64_t kFoldBytes = 32u << 20;  // a group log this large is folded at the next commit

/// The log's size that folds it: kFoldBytes, or an eighth of storage.max_bytes when that is less,
/// so that the log never crowds the notifications out of a small store.
std::uint64_t fold_bytes(const StoreOptions& o) { return std::min(kFoldBytes, o.max_bytes / 8); }

constexpr double kCommitBuckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};

/// Schema migrations: kMigrations[v] brings a store at user_version v to v + 1. The first
/// release kept its state in files (storage.dir/spool/, silences.json); those are imported
/// once after the tables exist (import_legacy).
const std::string kMigrations[] = {
    // 0 -> 1
    std::string(kGroupTables) + R"sql(
      CREATE TABLE spool(id INTEGER PRIMARY KEY, receiver TEXT NOT NULL, kind TEXT NOT NULL,
                         count INTEGER NOT NULL, entry TEXT NOT NULL);
      CREATE INDEX spool_by_receiver ON spool(receiver, id);
      CREATE TABLE dead_letters(id INTEGER PRIMARY KEY AUTOINCREMENT, receiver TEXT NOT NULL,
                                reason TEXT NOT NULL, kind TEXT NOT NULL, count INTEGER NOT NULL,
                                entry TEXT NOT NULL, record TEXT NOT NULL);
      CREATE TABLE kv(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    )sql",
};
static_assert(std::size(kMigrations) == kSchemaVersion);

std::string db_path(const std::string& dir) { return (fs::path(dir) / "erralert.db").string(); }

std::uint64_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

void set_pragmas(Sqlite& db) {
  db.exec("PRAGMA journal_mode=WAL");
  db.exec("PRAGMA synchronous=NORMAL");
  // The WAL is checkpointed into the file and cut back, so it does not keep the largest size
  // a storm gave it.
  db.exec("PRAGMA journal_size_limit=4194304");
}

/// Why `db` is not a store this release can use as it is; empty when it is one (or a new, empty
/// file). A newer schema throws: that file belongs to a newer erralert and is left alone.
std::string unusable_reason(Sqlite& db, const std::string& path) {
  const std::int64_t app = db.scalar("PRAGMA application_id");
  const std::int64_t version = db.scalar("PRAGMA user_version");
  const std::int64_t tables = db.scalar("SELECT count(*) FROM sqlite_master");
  if (app != kApplicationId && (app != 0 || tables > 0)) return "another program's database";
  if (version > kSchemaVersion) {
    throw StoreError(path + " was written by a newer erralert (schema " + std::to_string(version) +
                     ", this release knows " + std::to_string(kSchemaVersion) + "); refusing to change it");
  }
  Stmt check = db.prepare("PRAGMA integrity_check");
  if (check.step()) {
    const std::string verdict = check.text(0);
    if (verdict != "ok") return "integrity_check: " + verdict;
  }
  return {};
}

void migrate(Sqlite& db) {
  std::int64_t version = db.scalar("PRAGMA user_version");
  while (version < kSchemaVersion) {
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(kMigrations[version]);
      ++version;
      db.exec("PRAGMA user_version=" + std::to_string(version));
      db.exec("PRAGMA application_id=" + std::to_string(kApplicationId));
      db.exec("COMMIT");
    } catch (...) {
      sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }
}

/// Renames `path` and its -wal and -shm files to <path>.damaged-<seconds>; the new name.
std::string move_aside(const std::string& path) {
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  const std::string to = path + ".damaged-" + std::to_string(secs.count());
  std::error_code ec;
  fs::rename(path, to, ec);
  if (ec) throw StoreError("cannot move the damaged " + path + " aside: " + ec.message());
  for (const char* suffix : {"-wal", "-shm"}) {
    fs::rename(path + suffix, to + suffix, ec);  // absent is fine
  }
  return to;
}

/// Opens the store at `path`, moving a damaged or foreign file aside (told in `problems`).
std::unique_ptr<Sqlite> open_db(const std::string& path, std::vector<std::string>& problems) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::string why;
    try {
      auto db = std::make_unique<Sqlite>(path);
      why = unusable_reason(*db, path);
      if (why.empty()) {
        set_pragmas(*db);
        migrate(*db);
        return db;
      }
    } catch (const SqliteError& e) {
      // Not a database at all (SQLITE_NOTADB), or one too damaged to read (SQLITE_CORRUPT).
      const int primary = e.code & 0xff;
      if (primary != SQLITE_NOTADB && primary != SQLITE_CORRUPT) throw StoreError("cannot open " + path + ": " + e.what());
      why = e.what();
    }
    if (attempt == 1) break;
    const std::string aside = move_aside(path);
    problems.push_back(path + " is not a usable erralert store (" + why + "); moved to " + aside +
                       " and a new store started: what it held is not delivered");
  }
  throw StoreError("cannot start a new store at " + path);
}

int take_lock(const std::string& dir) {
  const std::string path = (fs::path(dir) / "erralert.lock").string();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) throw StoreError("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "?";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    throw StoreError("storage.dir " + dir + " is in use by another erralertd (pid " + pid + ")");
  }
  const std::string me = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, me.data(), me.size(), 0);
  return fd;
}

}  // namespace

// ---- batches ---------------------------------------------------------------------------------

struct DeadRow {
  std::string receiver;
  core::Outbox::Item item;
  nlohmann::json record;
};

struct StateStore::Batch {
  std::unordered_map<std::uint64_t, std::optional<StoredItem>> spool;  ///< nullopt: delete the row
  /// The groups' changes, a log row each, in the order given: a later change of a group wins.
  /// One while recording; more when a batch that failed to commit takes the next one.
  std::vector<GroupLog> groups = std::vector<GroupLog>(1);
  std::optional<nlohmann::json> silences;
  std::vector<DeadRow> dead;
  std::uint64_t ticket = 0;

  std::size_t group_changes() const {
    std::size_t n = 0;
    for (const auto& log : groups) n += log.size();
    return n;
  }
  bool empty() const { return spool.empty() && group_changes() == 0 && !silences && dead.empty(); }

  /// Takes `newer` over this one: its rows win.
  void merge(Batch&& newer) {
    for (auto& [id, row] : newer.spool) spool.insert_or_assign(id, std::move(row));
    for (auto& log : newer.groups) groups.push_back(std::move(log));
    if (newer.silences) silences = std::move(newer.silences);
    for (auto& d : newer.dead) dead.push_back(std::move(d));
    ticket = std::max(ticket, newer.ticket);
  }
};

struct StateStore::Result {
  std::uint64_t seq = 0;
  std::uint64_t ticket = 0;
  bool ok = false;
  std::string error;
  double seconds = 0;
  std::size_t group_changes = 0;  ///< what it logged
  bool folded = false;            ///< and whether it folded the group log
  DiskState disk;
  std::vector<std::string> warnings;
};

namespace {

StateStore::DiskState read_disk_state(Sqlite& db, const std::string& path) {
  StateStore::DiskState d;
  d.file_bytes = file_size(path) + file_size(path + "-wal");
  d.used_bytes = static_cast<std::uint64_t>(
      (db.scalar("PRAGMA page_count") - db.scalar("PRAGMA freelist_count")) * db.scalar("PRAGMA page_size"));
  Stmt spool = db.prepare("SELECT count(*), coalesce(sum(count), 0) FROM spool");
  if (spool.step()) {
    d.spool_rows = static_cast<std::size_t>(spool.int64(0));
    d.spool_events = static_cast<std::uint64_t>(spool.int64(1));
  }
  d.dead_letters = static_cast<std::size_t>(db.scalar("SELECT count(*) FROM dead_letters"));
  return d;
}

/// Writes one batch in the transaction the caller opened: its group changes as a log row (one
/// per batch it took over after a failed commit), and with `fold` the whole log into the groups tables (damaged log rows counted in `damaged`).
/// The bytes it added to the log.
std::size_t write_batch(Sqlite& db, const StateStore::Batch& b, bool fold, std::size_t& damaged) {
  std::size_t logged = 0;
  Stmt put = db.prepare("INSERT OR REPLACE INTO spool(id, receiver, kind, count, entry) VALUES(?1, ?2, ?3, ?4, ?5)");
  Stmt del = db.prepare("DELETE FROM spool WHERE id = ?1");
  for (const auto& [id, row] : b.spool) {
    if (!row) {
      del.bind(1, static_cast<std::int64_t>(id)).run();
      continue;
    }
    put.bind(1, static_cast<std::int64_t>(id))
        .bind(2, row->receiver)
        .bind(3, row->item.kind())
        .bind(4, static_cast<std::int64_t>(row->item.count()))
        .bind(5, encode_spool_item(row->item))
        .run();
  }
  for (const GroupLog& log : b.groups) {
    if (log.empty()) continue;
    const std::string changes = log.row();
    db.prepare("INSERT INTO group_log(changes) VALUES(?1)").bind_blob(1, changes).run();
    logged += changes.size();
  }
  if (fold) fold_group_log(db, damaged);
  if (b.silences) {
    db.prepare("INSERT OR REPLACE INTO kv(key, value) VALUES('silences', ?1)")
        .bind(1, b.silences->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
        .run();
  }
  Stmt dead = db.prepare(
      "INSERT INTO dead_letters(receiver, reason, kind, count, entry, record) VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
  for (const auto& d : b.dead) {
    const auto reason = d.record.find("reason");
    dead.bind(1, d.receiver)
        .bind(2, reason != d.record.end() && reason->is_string() ? reason->get<std::string>() : std::string())
        .bind(3, d.item.kind())
        .bind(4, static_cast<std::int64_t>(d.item.count()))
        .bind(5, encode_spool_item(d.item))
        .bind(6, d.record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
        .run();
  }
  return logged;
}

/// Reads everything a start restores; rows that do not read back go to `problems` (spool rows
/// to the dead letters, so nothing vanishes).
StoreContents read_contents(Sqlite& db) {
  StoreContents c;
  std::size_t damaged = 0;
  db.exec("BEGIN IMMEDIATE");
  try {
    fold_group_log(db, damaged);
    db.exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  if (damaged > 0) {
    c.problems.push_back(std::to_string(damaged) +
                         " logged group change(s) do not read back; those groups' counts of the last seconds "
                         "before the stop are lost");
  }
  std::size_t unreadable_groups = 0;
  c.groups = read_groups(db, unreadable_groups);
  if (unreadable_groups > 0) {
    c.problems.push_back(std::to_string(unreadable_groups) +
                         " stored group(s) do not read back; their counts since the last notification are lost");
  }
  {
    Stmt s = db.prepare("SELECT value FROM kv WHERE key = 'silences'");
    if (s.step()) {
      auto j = nlohmann::json::parse(s.text(0), nullptr, false);
      if (j.is_array()) {
        c.silences = std::move(j);
      } else {
        c.problems.push_back("the stored silences do not read back; starting without them");
      }
    }
  }
  std::vector<std::int64_t> unreadable;
  {
    Stmt s = db.prepare("SELECT id, receiver, entry FROM spool ORDER BY id");
    while (s.step()) {
      auto item = decode_spool_item(s.text(2));
      if (!item) {
        unreadable.push_back(s.int64(0));
        continue;
      }
      item->store_id = static_cast<std::uint64_t>(s.int64(0));
      c.spool.push_back({s.text(1), std::move(*item)});
    }
  }
  if (!unreadable.empty()) {
    db.exec("BEGIN IMMEDIATE");
    Stmt move = db.prepare(
        "INSERT INTO dead_letters(receiver, reason, kind, count, entry, record) "
        "SELECT receiver, 'does not read back', kind, count, entry, '{}' FROM spool WHERE id = ?1");
    Stmt del = db.prepare("DELETE FROM spool WHERE id = ?1");
    for (const auto id : unreadable) {
      move.bind(1, id).run();
      del.bind(1, id).run();
    }
    db.exec("COMMIT");
    c.problems.push_back(std::to_string(unreadable.size()) +
                         " stored notification(s) do not read back; moved to the dead letters "
                         "(erralertd state dead-letters)");
  }
  return c;
}

/// Imports the file spool and silences.json of a release before the store, once: the rows and a
/// mark in one transaction, then the files are renamed aside (a crash between the two renames
/// them at the next start, without importing twice).
void import_legacy(Sqlite& db, const std::string& dir, std::uint64_t& last_id, StoreContents& c) {
  const fs::path spool_root = fs::path(dir) / "spool";
  const std::string silences = silence_file_path(dir);
  std::error_code ec;
  const bool have_spool = fs::is_directory(spool_root, ec);
  const bool have_silences = fs::exists(silences, ec);
  if (!have_spool && !have_silences) return;
  const bool imported = db.scalar("SELECT count(*) FROM kv WHERE key = 'legacy_imported'") > 0;
  if (!imported) {
    db.exec("BEGIN IMMEDIATE");
    try {
      std::size_t items = 0;
      Stmt put = db.prepare("INSERT INTO spool(id, receiver, kind, count, entry) VALUES(?1, ?2, ?3, ?4, ?5)");
      for (const auto& d : fs::directory_iterator(spool_root, ec)) {
        if (!d.is_directory(ec)) continue;
        const std::string receiver = d.path().filename().string();
        LegacySpool legacy = read_legacy_spool(d.path().string());
        for (const auto& file : legacy.unreadable) {
          c.problems.push_back("spool file " + (d.path() / file).string() +
                               " holds no notification; left in the renamed spool directory");
        }
        for (auto& item : legacy.items) {
          put.bind(1, static_cast<std::int64_t>(++last_id))
              .bind(2, receiver)
              .bind(3, item.kind())
              .bind(4, static_cast<std::int64_t>(item.count()))
              .bind(5, encode_spool_item(item))
              .run();
          ++items;
        }
      }
      if (have_silences) {
        SilenceFileRead r = read_silence_file(dir);
        if (!r.error.empty()) c.problems.push_back(silences + ": " + r.error);
        db.prepare("INSERT OR REPLACE INTO kv(key, value) VALUES('silences', ?1)").bind(1, r.entries.dump()).run();
      }
      db.exec("INSERT OR REPLACE INTO kv(key, value) VALUES('legacy_imported', '1')");
      db.exec("COMMIT");
      std::string what;
      if (have_spool) what = std::to_string(items) + " notification(s) from the file spool";
      if (have_silences) what += std::string(have_spool ? " and " : "") + "the silences of silences.json";
      c.notes.push_back("imported " + what + " of an earlier release");
    } catch (...) {
      sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }
  for (const auto& [from, what] : {std::pair{spool_root.string(), "spool directory"}, std::pair{silences, "silence file"}}) {
    if (!fs::exists(from, ec)) continue;
    const std::string to = from + ".imported";
    fs::rename(from, to, ec);
    if (ec) {
      c.problems.push_back("cannot rename the imported " + std::string(what) + " " + from + ": " + ec.message());
    } else {
      c.notes.push_back("the imported " + std::string(what) + " is kept as " + to);
    }
  }
}

}  // namespace

// ---- open and close --------------------------------------------------------------------------

StateStore::StateStore(StoreOptions options, const asio::any_io_executor& ex, core::Metrics* metrics)
    : options_(std::move(options)),
      path_(db_path(options_.dir)),
      ex_(ex),
      metrics_(metrics),
      recorded_(std::make_unique<Batch>()),
      timer_(ex),
      commits_(ex) {}

std::unique_ptr<StateStore> StateStore::open(const StoreOptions& options, const asio::any_io_executor& ex,
                                             core::Metrics* metrics) {
  std::error_code ec;
  fs::create_directories(options.dir, ec);
  if (ec) throw StoreError("cannot create storage.dir " + options.dir + ": " + ec.message());
  std::unique_ptr<StateStore> s(new StateStore(options, ex, metrics));
  s->lock_fd_ = take_lock(options.dir);
  try {
    std::vector<std::string> problems;
    s->db_ = open_db(s->path_, problems);
    s->last_id_ = static_cast<std::uint64_t>(s->db_->scalar("SELECT coalesce(max(id), 0) FROM spool"));
    import_legacy(*s->db_, options.dir, s->last_id_, s->contents_);
    StoreContents found = read_contents(*s->db_);
    found.notes.insert(found.notes.begin(), s->contents_.notes.begin(), s->contents_.notes.end());
    problems.insert(problems.end(), s->contents_.problems.begin(), s->contents_.problems.end());
    problems.insert(problems.end(), found.problems.begin(), found.problems.end());
    found.problems = std::move(problems);
    s->contents_ = std::move(found);
    s->disk_ = read_disk_state(*s->db_, s->path_);
  } catch (const SqliteError& e) {
    throw StoreError("cannot open " + s->path_ + ": " + e.what());
  }
  if (metrics) {
    StateStore* self = s.get();
    metrics->gauge("store_bytes", {}, [self] { return static_cast<double>(self->disk_.file_bytes); });
    metrics->gauge("store_last_commit_age_seconds", {}, [self] { return self->last_commit_age_seconds().value_or(-1); });
    metrics->gauge("spool_notifications", {}, [self] { return static_cast<double>(self->disk_.spool_rows); });
    s->commit_seconds_ = &metrics->histogram("store_commit_seconds", {}, kCommitBuckets);
    s->commit_errors_ = &metrics->counter("store_commit_errors_total");
  }
  s->writer_ = std::thread([self = s.get()] { self->writer_loop(); });
  return s;
}

StateStore::~StateStore() {
  {
    std::lock_guard lock(mutex_);
    quit_ = true;
  }
  cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  *closing_ = true;
  timer_.cancel();
  db_.reset();
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

StoreContents StateStore::take_contents() { return std::exchange(contents_, {}); }

// ---- recording (io thread) -------------------------------------------------------------------

void StateStore::put(std::string_view receiver, const core::Outbox::Item& item) {
  recorded_->spool.insert_or_assign(item.store_id, StoredItem{std::string(receiver), item});
  wake();
}

void StateStore::remove(std::uint64_t id) {
  recorded_->spool.insert_or_assign(id, std::nullopt);
  wake();
}

void StateStore::dead_letter(std::string_view receiver, const core::Outbox::Item& item, nlohmann::json record) {
  recorded_->dead.push_back({std::string(receiver), item, std::move(record)});
  if (item.store_id != 0) remove(item.store_id);
  wake();
}

core::GroupChangeSink& StateStore::group_changes() { return recorded_->groups.back(); }

void StateStore::record_groups(const std::vector<core::GroupChange>& changes) {
  for (const auto& c : changes) recorded_->groups.back().changed(core::view_of(c));
  wake();
}

void StateStore::record_silences(nlohmann::json entries) {
  recorded_->silences = std::move(entries);
  wake();
}

void StateStore::cover(std::uint64_t ticket) { recorded_->ticket = std::max(recorded_->ticket, ticket); }

// ---- committing ------------------------------------------------------------------------------

bool StateStore::has_work() {
  if (collect_) collect_();  // on the io thread: it records into recorded_
  return !recorded_->empty() || recorded_->ticket > committed_ticket_ || !error_.empty();
}

void StateStore::submit(std::unique_lock<std::mutex>& lock) {
  (void)lock;  // held by the caller, with the writer idle
  job_ = std::exchange(recorded_, std::make_unique<Batch>());
  job_->ticket = std::max(job_->ticket, committed_ticket_);
  busy_ = true;
  ++submitted_seq_;
  cv_.notify_all();
}

void StateStore::writer_loop() {
  std::unique_ptr<Batch> failed;  // what did not commit: retried under what comes next
  std::unique_lock lock(mutex_);
  for (;;) {
    cv_.wait(lock, [&] { return quit_ || job_; });
    if (!job_) return;  // quitting, nothing handed over
    std::unique_ptr<Batch> job = std::move(job_);
    const std::uint64_t seq = submitted_seq_;
    lock.unlock();

    if (failed) {
      failed->merge(std::move(*job));
      job = std::move(failed);
    }
    auto r = std::make_shared<Result>();
    r->seq = seq;
    r->ticket = job->ticket;
    const auto t0 = Clock::now();
    const bool fold = log_rows_ + 1 >= options_.fold_every || log_bytes_ >= fold_bytes(options_);
    std::size_t damaged = 0, logged = 0;
    try {
      db_->exec("BEGIN IMMEDIATE");
      try {
        logged = write_batch(*db_, *job, fold, damaged);
        db_->exec("COMMIT");
      } catch (...) {
        sqlite3_exec(db_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
      }
      r->ok = true;
    } catch (const std::exception& e) {
      r->error = e.what();
    }
    r->seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    r->group_changes = job->group_changes();
    r->folded = r->ok && fold;
    if (r->ok && fold) {
      log_rows_ = 0;
      log_bytes_ = 0;
      if (damaged > 0) {
        r->warnings.push_back(std::to_string(damaged) +
                              " logged group change(s) do not read back; those groups' counts since the last "
                              "fold are lost");
      }
    } else if (r->ok && logged > 0) {
      ++log_rows_;
      log_bytes_ += logged;
    }
    if (r->ok) {
      for (const auto& d : job->dead) {
        std::string why;
        if (!append_dead_letter(options_.dir, d.record, &why)) {
          r->warnings.push_back("cannot append to dead-letter.jsonl (" + why + "); the dead letter is in the store");
        }
      }
    } else {
      failed = std::move(job);
    }
#if defined(__GLIBC__)
    // A fold reads the whole group log (rows of up to a few hundred KiB, a map of every group),
    // and this thread's malloc arena would keep all it freed (7 MB after a storm of 10,000
    // distinct errors): give it back. Once per fold, a few ms.
    if (r->folded) ::malloc_trim(0);
#endif
    // Copy the WAL into the database and cut it back to nothing after a failed commit (a full
    // disk: a WAL that never rewinds would hold every later commit past the limit too) and
    // whenever it has grown past a few MiB.
    if (!r->ok || file_size(path_ + "-wal") > kWalCheckpointBytes) {
      sqlite3_exec(db_->handle(), "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
    }
    try {
      r->disk = read_disk_state(*db_, path_);
    } catch (const std::exception&) {
      r->disk = {};
    }

    lock.lock();
    busy_ = false;
    done_seq_ = seq;
    last_result_ = r;
    cv_.notify_all();
    asio::post(ex_, [this, r] { apply(*r); });
  }
}

void StateStore::apply(const Result& r) {
  if (r.seq <= applied_seq_) return;  // commit_now() applied it already
  applied_seq_ = r.seq;
  if (commit_seconds_) commit_seconds_->observe(r.seconds);
  spdlog::debug("state store: commit {} in {:.1f} ms: {} group change(s){}", r.seq, r.seconds * 1000, r.group_changes,
                r.folded ? ", the group log folded" : "");
  for (const auto& w : r.warnings) spdlog::error("state store: {}", w);
  if (r.ok) {
    if (!error_.empty()) spdlog::info("state store: committing again; new events are accepted");
    error_.clear();
    last_commit_ = Clock::now();
    committed_ticket_ = std::max(committed_ticket_, r.ticket);
    disk_ = r.disk;
  } else {
    if (commit_errors_) ++*commit_errors_;
    if (error_.empty()) {
      spdlog::error("state store: cannot commit to {} ({}); new events are refused until it can", path_, r.error);
    }
    error_ = r.error;
    if (r.disk.file_bytes != 0) disk_ = r.disk;
    wake();  // the loop may have looked, found nothing, and slept before this result came
  }
  commits_.notify();
  if (after_commit_) after_commit_();
}

bool StateStore::commit_now(std::string* error) {
  has_work();  // collects what the owner keeps in memory; commits even when there is nothing
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [&] { return !busy_; });
  submit(lock);
  const std::uint64_t seq = submitted_seq_;
  cv_.wait(lock, [&] { return done_seq_ >= seq; });
  const std::shared_ptr<Result> r = last_result_;
  lock.unlock();
  if (r) apply(*r);
  if (error && !error_.empty()) *error = error_;
  return error_.empty();
}

void StateStore::start() { asio::co_spawn(ex_, commit_loop(closing_), asio::detached); }

void StateStore::wake() {
  if (!asleep_) return;
  asleep_ = false;
  timer_.cancel();  // the loop waits one commit_interval from now, gathering what comes
}

// An idle daemon does not wake: a look that finds nothing recorded puts the loop to sleep
// until wake(), so state is still committed within commit_interval of any change.
asio::awaitable<void> StateStore::commit_loop(std::shared_ptr<bool> closing) {
  for (;;) {
    if (asleep_) {
      timer_.expires_at(asio::steady_timer::time_point::max());
    } else {
      timer_.expires_after(options_.commit_interval);
    }
    auto [ec] = co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (*closing) co_return;  // the store may be gone: touch none of it
    if (ec) continue;         // woken
    std::unique_lock lock(mutex_);
    if (busy_) continue;  // the next tick takes what is recorded by then
    lock.unlock();
    const bool work = has_work();
    lock.lock();
    if (work && !busy_) submit(lock);
    asleep_ = !work;  // a commit in flight or a failed one to retry keeps it looking
  }
}

asio::awaitable<bool> StateStore::committed(std::uint64_t ticket, Clock::time_point deadline) {
  while (committed_ticket_ < ticket) {
    if (Clock::now() >= deadline) co_return false;
    co_await commits_.wait_until(deadline);
  }
  co_return true;
}

std::optional<double> StateStore::last_commit_age_seconds() const {
  if (!last_commit_) return std::nullopt;
  return std::chrono::duration<double>(Clock::now() - *last_commit_).count();
}

std::vector<core::Outbox::Item> StateStore::spool_of(std::string_view receiver) {
  commit_now();
  std::vector<core::Outbox::Item> out;
  std::lock_guard lock(mutex_);  // the writer is idle: commit_now() waited for it
  Stmt s = db_->prepare("SELECT id, entry FROM spool WHERE receiver = ?1 ORDER BY id");
  s.bind(1, receiver);
  while (s.step()) {
    if (auto item = decode_spool_item(s.text(1))) {
      item->store_id = static_cast<std::uint64_t>(s.int64(0));
      out.push_back(std::move(*item));
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::size_t>> StateStore::spool_by_receiver() {
  std::vector<std::pair<std::string, std::size_t>> out;
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [&] { return !busy_; });  // the writer has the connection while busy
  Stmt s = db_->prepare("SELECT receiver, count(*) FROM spool GROUP BY receiver ORDER BY receiver");
  while (s.step()) out.emplace_back(s.text(0), static_cast<std::size_t>(s.int64(1)));
  return out;
}

// ---- offline -----------------------------------------------------------------------------------

namespace {

std::unique_ptr<Sqlite> open_existing(const std::string& storage_dir, bool read_only) {
  const std::string path = db_path(storage_dir);
  if (!fs::exists(path)) throw StoreError("no store at " + path);
  try {
    auto db = std::make_unique<Sqlite>(path, read_only);
    if (db->scalar("PRAGMA application_id") != kApplicationId) throw StoreError(path + " is not an erralert store");
    if (db->scalar("PRAGMA user_version") > kSchemaVersion) {
      throw StoreError(path + " was written by a newer erralert");
    }
    return db;
  } catch (const SqliteError& e) {
    throw StoreError(e.what());
  }
}

}  // namespace

nlohmann::json store_stats(const std::string& storage_dir) {
  auto db = open_existing(storage_dir, true);
  const std::string path = db_path(storage_dir);
  try {
    const StateStore::DiskState d = read_disk_state(*db, path);
    const GroupCounts groups = count_groups(*db);
    nlohmann::json receivers = nlohmann::json::object();
    Stmt s = db->prepare("SELECT receiver, count(*), coalesce(sum(count), 0) FROM spool GROUP BY receiver ORDER BY receiver");
    while (s.step()) receivers[s.text(0)] = {{"notifications", s.int64(1)}, {"events", s.int64(2)}};
    return {{"path", path},
            {"schema", db->scalar("PRAGMA user_version")},
            {"file_bytes", d.file_bytes},
            {"used_bytes", d.used_bytes},
            {"spool_notifications", d.spool_rows},
            {"spool_events", d.spool_events},
            {"spool_by_receiver", receivers},
            {"open_groups", groups.open},
            {"remembered_groups", groups.remembered},
            {"dead_letters", d.dead_letters}};
  } catch (const SqliteError& e) {
    throw StoreError(e.what());
  }
}

nlohmann::json list_dead_letters(const std::string& storage_dir) {
  auto db = open_existing(storage_dir, true);
  try {
    auto out = nlohmann::json::array();
    Stmt s = db->prepare("SELECT id, receiver, reason, kind, count, record FROM dead_letters ORDER BY id");
    while (s.step()) {
      const auto record = nlohmann::json::parse(s.text(5), nullptr, false);
      const auto at = record.is_object() ? record.find("dead_at") : record.end();
      out.push_back({{"id", s.int64(0)},
                     {"receiver", s.text(1)},
                     {"dead_at", at != record.end() && at->is_string() ? at->get<std::string>() : std::string()},
                     {"reason", s.text(2)},
                     {"kind", s.text(3)},
                     {"count", s.int64(4)}});
    }
    return out;
  } catch (const SqliteError& e) {
    throw StoreError(e.what());
  }
}

bool retry_dead_letter(const std::string& storage_dir, std::int64_t id) {
  const int lock = take_lock(storage_dir);
  struct Unlock {
    int fd;
    ~Unlock() { ::close(fd); }
  } unlock{lock};
  auto db = open_existing(storage_dir, false);
  try {
    Stmt find = db->prepare("SELECT receiver, kind, count, entry FROM dead_letters WHERE id = ?1");
    find.bind(1, id);
    if (!find.step()) return false;
    auto item = decode_spool_item(find.text(3));
    if (!item) throw StoreError("dead letter " + std::to_string(id) + " does not read back; left as it is");
    item->attempt.failures = 0;
    item->attempt.next_attempt_ms = 0;
    db->exec("BEGIN IMMEDIATE");
    const std::int64_t next = db->scalar("SELECT coalesce(max(id), 0) + 1 FROM spool");
    db->prepare("INSERT INTO spool(id, receiver, kind, count, entry) VALUES(?1, ?2, ?3, ?4, ?5)")
        .bind(1, next)
        .bind(2, find.text(0))
        .bind(3, find.text(1))
        .bind(4, find.int64(2))
        .bind(5, encode_spool_item(*item))
        .run();
    db->prepare("DELETE FROM dead_letters WHERE id = ?1").bind(1, id).run();
    db->exec("COMMIT");
    return true;
  } catch (const SqliteError& e) {
    sqlite3_exec(db->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw StoreError(e.what());
  }
}

}  // namespace erralert::store
