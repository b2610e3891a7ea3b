// A thin RAII layer over SQLite's C API.
#include "sqlite.hpp"

namespace erralert::store {

void check(sqlite3* db, int rc, std::string_view what) {
  if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) return;
  std::string msg(what);
  msg += ": ";
  msg += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw SqliteError(rc, msg);
}

Stmt::Stmt(sqlite3* db, std::string_view sql) : db_(db) {
  check(db_, sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &s_, nullptr), "prepare");
}

Stmt::~Stmt() { sqlite3_finalize(s_); }

Stmt& Stmt::bind(int i, std::string_view text) {
  check(db_, sqlite3_bind_text(s_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT), "bind");
  return *this;
}

Stmt& Stmt::bind(int i, std::int64_t v) {
  check(db_, sqlite3_bind_int64(s_, i, v), "bind");
  return *this;
}

Stmt& Stmt::bind_null(int i) {
  check(db_, sqlite3_bind_null(s_, i), "bind");
  return *this;
}

Stmt& Stmt::bind_blob(int i, std::string_view bytes) {
  check(db_, sqlite3_bind_blob64(s_, i, bytes.data(), bytes.size(), SQLITE_TRANSIENT), "bind");
  return *this;
}

bool Stmt::step() {
  const int rc = sqlite3_step(s_);
  check(db_, rc, "step");
  return rc == SQLITE_ROW;
}

void Stmt::run() {
  while (step()) {
  }
  reset();
}

void Stmt::reset() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

std::string Stmt::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col))) : std::string();
}

std::string Stmt::blob(int col) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(s_, col));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col))) : std::string();
}

Sqlite::Sqlite(const std::string& path, bool read_only) {
  // SQLite's page cache starts each connection with a block for 20 pages (90 KB) whether the
  // store reads them or not; pages are allocated as they are read instead. Only possible before
  // SQLite's first use in the process: later calls change nothing (SQLITE_MISUSE).
  [[maybe_unused]] static const int page_cache = sqlite3_config(SQLITE_CONFIG_PAGECACHE, nullptr, 0, 0);
  const int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    const std::string why = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw SqliteError(rc, "open " + path + ": " + why);
  }
  sqlite3_busy_timeout(db_, 2000);
  sqlite3_extended_result_codes(db_, 1);
}

Sqlite::~Sqlite() { sqlite3_close_v2(db_); }

void Sqlite::exec(std::string_view sql) {
  check(db_, sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, nullptr), "exec");
}

std::int64_t Sqlite::scalar(std::string_view sql) {
  Stmt s = prepare(sql);
  return s.step() ? s.int64(0) : 0;
}

}  // namespace erralert::store
