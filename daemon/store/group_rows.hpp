// Group rows: the aggregator's groups in the store. A commit appends what changed to `group_log`
// as one row (a storm that counts into 10,000 groups costs one insert, not 10,000 updates), and
// every few seconds the log is folded into `groups`: counts and times as integer columns, an
// open group's latest event in `group_events` (written only when the aggregator gives one: the
// group opened or sent a notification; gone when it closes). Opening the store folds first, so
// what a start restores is the table alone.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "erralert/core/aggregator.hpp"
#include "sqlite.hpp"

namespace erralert::store {

/// The tables (migration 0 -> 1 creates them).
inline constexpr std::string_view kGroupTables = R"sql(
  CREATE TABLE groups(route TEXT NOT NULL, receiver TEXT NOT NULL, fingerprint TEXT NOT NULL,
                      closed INTEGER NOT NULL,
                      window_ms INTEGER NOT NULL, min_count INTEGER NOT NULL, resolved INTEGER NOT NULL,
                      overflow INTEGER NOT NULL, notified INTEGER NOT NULL,
                      opened_ms INTEGER NOT NULL, window_end_ms INTEGER NOT NULL,
                      pending INTEGER NOT NULL, pending_first_ms INTEGER NOT NULL, pending_last_ms INTEGER NOT NULL,
                      total INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL,
                      seen_before INTEGER NOT NULL, seen_before_since_ms INTEGER NOT NULL,
                      closed_ms INTEGER NOT NULL,
                      PRIMARY KEY(route, receiver, fingerprint)) WITHOUT ROWID;
  CREATE TABLE group_log(seq INTEGER PRIMARY KEY, changes BLOB NOT NULL);
  -- A rowid table: its rows (an event, about 600 bytes) are too large for WITHOUT ROWID.
  CREATE TABLE group_events(route TEXT NOT NULL, receiver TEXT NOT NULL, fingerprint TEXT NOT NULL,
                            event TEXT NOT NULL, UNIQUE(route, receiver, fingerprint));
)sql";

/// Writes group changes inside the caller's transaction, with statements prepared once.
class GroupWriter {
 public:
  explicit GroupWriter(Sqlite& db);
  /// Open: its row, and `event` (its latest event's JSON) when given (empty: the stored one
  /// stands; the change's `latest` is not read); closed: its remembered row, no event;
  /// neither: both rows gone.
  void write(const core::GroupChange& c, std::string_view event);

 private:
  Stmt row_;
  Stmt event_;
  Stmt forget_;
  Stmt forget_event_;
};

/// The changes of one commit as one group_log value, and back (nullopt: not what
/// encode_group_changes wrote, or damaged). Compact binary: varints, strings with their length,
/// an event as its JSON.
std::string encode_group_changes(const std::vector<core::GroupChange>& changes);
std::optional<std::vector<core::GroupChange>> decode_group_changes(std::string_view bytes);

/// Writes every change group_log holds into the groups tables and empties the log, inside the
/// caller's transaction; a log row that does not decode is counted in `damaged` and dropped.
/// A group changed many times is written once: its last change, with the event of an earlier
/// one when the last gave none.
void fold_group_log(Sqlite& db, std::size_t& damaged);

/// How many groups are open and remembered closed, the log included; reads only.
struct GroupCounts {
  std::size_t open = 0;
  std::size_t remembered = 0;
};
GroupCounts count_groups(Sqlite& db);

/// Every stored group, open and remembered closed (oldest closed first); a row that does not
/// read back is counted in `unreadable` and left out. The log is not read: fold it first.
core::AggregatorSnapshot read_groups(Sqlite& db, std::size_t& unreadable);

}  // namespace erralert::store
