// A thin RAII layer over SQLite's C API, private to daemon/store/.
//
//   Db db(path);                                        // throws SqliteError
//   db.exec("PRAGMA journal_mode=WAL");
//   Stmt put = db.prepare("INSERT INTO kv VALUES(?1, ?2)");
//   put.bind(1, "k").bind(2, "v").run();
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace erralert::store {

struct SqliteError : std::runtime_error {
  SqliteError(int code, const std::string& what) : std::runtime_error(what), code(code) {}
  int code;
};

class Stmt {
 public:
  Stmt(sqlite3* db, std::string_view sql);
  ~Stmt();
  Stmt(Stmt&& o) noexcept : db_(o.db_), s_(o.s_) { o.s_ = nullptr; }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int i, std::string_view text);
  Stmt& bind(int i, std::int64_t v);
  Stmt& bind_null(int i);
  Stmt& bind_blob(int i, std::string_view bytes);
  /// Steps once: true while a row is there.
  bool step();
  /// Steps to the end and resets, for statements without rows.
  void run();
  void reset();
  std::int64_t int64(int col) const { return sqlite3_column_int64(s_, col); }
  std::string text(int col) const;
  std::string blob(int col) const;
  bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

class Sqlite {
 public:
  /// Opens `path` read-write, creating it unless `read_only`. Throws SqliteError.
  explicit Sqlite(const std::string& path, bool read_only = false);
  ~Sqlite();
  Sqlite(const Sqlite&) = delete;
  Sqlite& operator=(const Sqlite&) = delete;

  void exec(std::string_view sql);
  Stmt prepare(std::string_view sql) { return Stmt(db_, sql); }
  /// The first column of the first row of `sql` as an integer (0 when no row).
  std::int64_t scalar(std::string_view sql);
  sqlite3* handle() { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

/// Throws SqliteError for `rc` unless it is SQLITE_OK, SQLITE_ROW or SQLITE_DONE.
void check(sqlite3* db, int rc, std::string_view what);

}  // namespace erralert::store
