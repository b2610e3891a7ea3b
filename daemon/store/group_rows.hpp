// Group rows: the aggregator's groups in the store. A commit appends what changed to `group_log`
// as one row (a storm that counts into 10,000 groups costs one insert, not 10,000 updates), and
// every 20 seconds or so the log is folded into `groups`: counts and times as integer columns, an
// open group's latest event in `group_events` (written only when the aggregator gives one: the
// group opened or sent a notification; gone when it closes). Opening the store folds first, so
// what a start restores is the table alone.
#pragma once

#include <cstddef>
#include <memory>
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

/// The changes of one commit, encoded as they are recorded: a group's counts at once (on the io
/// thread, without copying the group), the events some carry kept as they are and turned into
/// JSON by row() (on the writer thread). One group_log value; decode_group_changes reads it.
class GroupLog final : public core::GroupChangeSink {
 public:
  void changed(const core::GroupChangeView& c) override;
  bool empty() const { return count_ == 0; }
  std::size_t size() const { return count_; }
  /// The group_log value (its format is described in group_rows.cpp).
  std::string row() const;

 private:
  void put_name(std::string_view name);

  std::string changes_;
  std::vector<std::string> names_;  ///< routes and receivers, numbered in the row by first use
  std::vector<std::shared_ptr<const core::Event>> events_;
  std::size_t count_ = 0;
};

/// The changes as one group_log value (a GroupLog of them), and back (nullopt: not what
/// GroupLog wrote, or damaged). Values of the first log format (each event inline) still read.
std::string encode_group_changes(const std::vector<core::GroupChange>& changes);
std::optional<std::vector<core::GroupChange>> decode_group_changes(std::string_view bytes);

/// Writes every change group_log holds into the groups tables and empties the log, inside the
/// caller's transaction; a log row that does not decode is counted in `damaged` and dropped.
/// A group changed many times is written once: its last change, with the newest event its
/// current opening logged when the last gave none.
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
