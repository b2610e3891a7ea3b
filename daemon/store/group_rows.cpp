// Group rows: GroupState and ClosedGroup as columns of the groups table.
#include "group_rows.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <unordered_map>

#include "erralert/core/notification_json.hpp"

namespace erralert::store {

namespace {

// A closed row keeps total, since (in opened_ms) and closed_ms; its other counts are 0.
constexpr std::string_view kColumns =
    "route, receiver, fingerprint, closed, window_ms, min_count, resolved, overflow, notified, opened_ms, "
    "window_end_ms, pending, pending_first_ms, pending_last_ms, total, last_seen_ms, seen_before, "
    "seen_before_since_ms, closed_ms";
constexpr int kColumnCount = 19;

// An upsert, not INSERT OR REPLACE: a fold mostly rewrites groups that are there, and an update
// in place spares the delete and insert REPLACE makes of it.
std::string insert_sql() {
  std::string sql = "INSERT INTO groups(" + std::string(kColumns) + ") VALUES(";
  for (int i = 1; i <= kColumnCount; ++i) sql += (i > 1 ? ", ?" : "?") + std::to_string(i);
  sql += ") ON CONFLICT(route, receiver, fingerprint) DO UPDATE SET ";
  std::string_view rest = kColumns.substr(kColumns.find("closed"));
  for (bool first = true; !rest.empty(); first = false) {
    const auto comma = rest.find(", ");
    const std::string_view column = rest.substr(0, comma);
    if (!first) sql += ", ";
    sql.append(column).append(" = excluded.").append(column);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 2);
  }
  return sql;
}

std::int64_t i64(std::uint64_t v) { return static_cast<std::int64_t>(v); }

// ---- the log's encoding ----------------------------------------------------------------------
//
// A row of the log is the changes of one commit:
//
//   row     := version(2) count:u64 change{count} event{changes flagged kHasEvent}
//   change  := tag route:name receiver:name fingerprint:str fields
//   name    := 0 str (a name new to this row, numbered from 1 in order) | k (the k-th name)
//   open    := window:i64 min_count:u64 flags:u64 last_seen:i64 opened-last_seen:i64
//              window_end-last_seen:i64 pending_first-last_seen:i64 pending_last-last_seen:i64
//              pending:u64 total:u64 seen_before:u64 seen_before_since:i64
//   closed  := total:u64 since:i64 closed:i64
//   event   := str (its JSON)
//
// u64 is a varint, i64 a zigzag varint, str a u64 length and the bytes. A storm that counts into
// 10,000 groups of one route writes each group's change in about 45 bytes: the route and
// receiver by number, the times as distances from the last one seen. Version 1 (releases before)
// named every route and receiver in full, wrote times whole and each event inline (empty:
// none); it still reads, so that an upgrade folds what the last release logged.

constexpr char kLogVersion1 = 1;
constexpr char kLogVersion = 2;
constexpr std::uint64_t kHasEvent = 8;
enum class Tag : std::uint8_t { forget = 0, open = 1, closed = 2 };

void put_u64(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
void put_i64(std::string& out, std::int64_t v) {  // zigzag: small negatives stay small
  put_u64(out, (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
}
void put_str(std::string& out, std::string_view s) {
  put_u64(out, s.size());
  out.append(s);
}
// Differences of times as the log stores them: wrapping, so that no input overflows.
std::int64_t minus(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
}
std::int64_t plus(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}

/// Reads what put_* wrote; any read past the end or malformed varint fails the whole value.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : in_(bytes) {}
  bool ok() const { return ok_; }
  bool done() const { return pos_ == in_.size(); }
  std::uint64_t u64() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return fail();
      const auto b = static_cast<std::uint8_t>(in_[pos_++]);
      if (shift == 63 && b > 1) return fail();
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    return fail();
  }
  std::int64_t i64() {
    const std::uint64_t z = u64();
    return static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1));
  }
  std::string_view str() {
    const std::uint64_t n = u64();
    if (!ok_ || n > in_.size() - pos_) {
      fail();
      return {};
    }
    const std::string_view s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::uint64_t fail() {
    ok_ = false;
    pos_ = in_.size();
    return 0;
  }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

/// A group as read back: what a stored one must be to be restored.
bool valid(const core::GroupState& g) {
  return !g.route.empty() && !g.receiver.empty() && !g.fingerprint.empty() && g.dedup.window.count() > 0 &&
         g.dedup.min_count > 0;
}

/// A group's key, into `k` (its capacity reused).
const std::string& key_into(std::string& k, std::string_view route, std::string_view receiver,
                            std::string_view fingerprint) {
  k.assign(route).push_back('\x1f');
  k.append(receiver).push_back('\x1f');
  k.append(fingerprint);
  return k;
}

/// A change as a log row holds it: plain numbers, and views into the row's bytes (the event as
/// its JSON text; empty: none given).
struct LoggedChange {
  Tag tag = Tag::forget;
  std::string_view route;
  std::string_view receiver;
  std::string_view fingerprint;
  std::string_view event;
  bool has_event = false;  ///< version 2: its event follows the changes
  // open
  std::int64_t window_ms = 0;
  std::uint32_t min_count = 0;
  bool resolved = false, overflow = false, notified = false;
  std::int64_t opened_ms = 0, window_end_ms = 0, pending_first_ms = 0, pending_last_ms = 0, last_seen_ms = 0;
  std::uint64_t pending = 0, total = 0, seen_before = 0;
  std::int64_t seen_before_since_ms = 0;
  // closed (and total)
  std::int64_t since_ms = 0, closed_ms = 0;
};

/// Reads a row's changes (and events) into `out`, viewing `bytes`; false when the bytes are not
/// a row (then `out` is to be ignored). `out` is cleared first and its capacity reused.
class RowDecoder {
 public:
  bool decode(std::string_view bytes, std::vector<LoggedChange>& out) {
    out.clear();
    names_.clear();
    if (bytes.empty() || (bytes[0] != kLogVersion1 && bytes[0] != kLogVersion)) return false;
    v1_ = bytes[0] == kLogVersion1;
    Reader r(bytes.substr(1));
    const std::uint64_t n = v1_ ? 0 : r.u64();
    while (r.ok() && (v1_ ? !r.done() : out.size() < n)) {
      if (!change(r, out.emplace_back())) return false;
    }
    if (!r.ok()) return false;
    if (!v1_) {  // the events, in the order of the changes that carry one
      for (LoggedChange& c : out) {
        if (!c.has_event) continue;
        c.event = r.str();
        if (c.event.empty()) return false;
      }
    }
    return r.ok() && r.done();
  }

 private:
  std::string_view name(Reader& r) {
    if (v1_) return r.str();
    const std::uint64_t k = r.u64();
    if (k == 0) return names_.emplace_back(r.str());
    if (k > names_.size()) return r.fail(), std::string_view();
    return names_[k - 1];
  }

  bool change(Reader& r, LoggedChange& c) {
    const std::uint64_t tag = r.u64();
    c.route = name(r);
    c.receiver = name(r);
    c.fingerprint = r.str();
    if (!r.ok() || c.route.empty() || c.receiver.empty() || c.fingerprint.empty()) return false;
    if (tag == static_cast<std::uint64_t>(Tag::open)) {
      c.tag = Tag::open;
      c.window_ms = r.i64();
      const std::uint64_t min_count = r.u64();
      const std::uint64_t flags = r.u64();
      if (min_count == 0 || min_count > std::numeric_limits<std::uint32_t>::max() || c.window_ms <= 0) return false;
      if (flags > (v1_ ? 7 : 7 | kHasEvent)) return false;
      c.min_count = static_cast<std::uint32_t>(min_count);
      c.resolved = (flags & 1) != 0;
      c.overflow = (flags & 2) != 0;
      c.notified = (flags & 4) != 0;
      c.has_event = (flags & kHasEvent) != 0;
      if (v1_) {
        c.opened_ms = r.i64();
        c.window_end_ms = r.i64();
        c.pending = r.u64();
        c.pending_first_ms = r.i64();
        c.pending_last_ms = r.i64();
        c.total = r.u64();
        c.last_seen_ms = r.i64();
        c.seen_before = r.u64();
        c.seen_before_since_ms = r.i64();
        c.event = r.str();
      } else {
        c.last_seen_ms = r.i64();
        c.opened_ms = plus(c.last_seen_ms, r.i64());
        c.window_end_ms = plus(c.last_seen_ms, r.i64());
        c.pending_first_ms = plus(c.last_seen_ms, r.i64());
        c.pending_last_ms = plus(c.last_seen_ms, r.i64());
        c.pending = r.u64();
        c.total = r.u64();
        c.seen_before = r.u64();
        c.seen_before_since_ms = r.i64();
      }
    } else if (tag == static_cast<std::uint64_t>(Tag::closed)) {
      c.tag = Tag::closed;
      c.total = r.u64();
      c.since_ms = r.i64();
      c.closed_ms = r.i64();
    } else if (tag != static_cast<std::uint64_t>(Tag::forget)) {
      return false;
    }
    return r.ok();
  }

  bool v1_ = false;
  std::vector<std::string_view> names_;
};

/// Writes group changes inside the caller's transaction, with statements prepared once.
class GroupWriter {
 public:
  explicit GroupWriter(Sqlite& db)
      : row_(db.prepare(insert_sql())),
        event_(db.prepare(
            "INSERT OR REPLACE INTO group_events(route, receiver, fingerprint, event) VALUES(?1, ?2, ?3, ?4)")),
        forget_(db.prepare("DELETE FROM groups WHERE route = ?1 AND receiver = ?2 AND fingerprint = ?3")),
        forget_event_(
            db.prepare("DELETE FROM group_events WHERE route = ?1 AND receiver = ?2 AND fingerprint = ?3")) {}

  /// Open: its row; closed: its remembered row and no event; neither: both rows gone.
  void write(const LoggedChange& c) {
    if (c.tag != Tag::open) forget_event_.bind(1, c.route).bind(2, c.receiver).bind(3, c.fingerprint).run();
    if (c.tag == Tag::forget) {
      forget_.bind(1, c.route).bind(2, c.receiver).bind(3, c.fingerprint).run();
      return;
    }
    row_.bind(1, c.route).bind(2, c.receiver).bind(3, c.fingerprint);
    if (c.tag == Tag::open) {
      row_.bind(4, std::int64_t{0})
          .bind(5, c.window_ms)
          .bind(6, static_cast<std::int64_t>(c.min_count))
          .bind(7, std::int64_t{c.resolved})
          .bind(8, std::int64_t{c.overflow})
          .bind(9, std::int64_t{c.notified})
          .bind(10, c.opened_ms)
          .bind(11, c.window_end_ms)
          .bind(12, i64(c.pending))
          .bind(13, c.pending_first_ms)
          .bind(14, c.pending_last_ms)
          .bind(15, i64(c.total))
          .bind(16, c.last_seen_ms)
          .bind(17, i64(c.seen_before))
          .bind(18, c.seen_before_since_ms)
          .bind(19, std::int64_t{0})
          .run();
      return;
    }
    for (int i = 4; i <= kColumnCount; ++i) row_.bind(i, std::int64_t{0});
    row_.bind(4, std::int64_t{1}).bind(10, c.since_ms).bind(15, i64(c.total)).bind(19, c.closed_ms).run();
  }
  /// An open group's latest event (its JSON).
  void write_event(const LoggedChange& c, std::string_view event) {
    event_.bind(1, c.route).bind(2, c.receiver).bind(3, c.fingerprint).bind(4, event).run();
  }

 private:
  Stmt row_;
  Stmt event_;
  Stmt forget_;
  Stmt forget_event_;
};

}  // namespace

void GroupLog::changed(const core::GroupChangeView& c) {
  ++count_;
  const Tag tag = c.open ? Tag::open : c.closed ? Tag::closed : Tag::forget;
  changes_.push_back(static_cast<char>(tag));
  put_name(c.route);
  put_name(c.receiver);
  put_str(changes_, c.fingerprint);
  if (c.open) {
    const core::GroupState& g = *c.open;
    const bool event = c.latest && *c.latest;
    put_i64(changes_, g.dedup.window.count());
    put_u64(changes_, g.dedup.min_count);
    put_u64(changes_, (g.dedup.resolved ? 1u : 0u) | (g.overflow ? 2u : 0u) | (g.notified ? 4u : 0u) |
                          (event ? kHasEvent : 0u));
    put_i64(changes_, g.last_seen_ms);
    put_i64(changes_, minus(g.opened_ms, g.last_seen_ms));
    put_i64(changes_, minus(g.window_end_ms, g.last_seen_ms));
    put_i64(changes_, minus(g.pending_first_ms, g.last_seen_ms));
    put_i64(changes_, minus(g.pending_last_ms, g.last_seen_ms));
    put_u64(changes_, g.pending);
    put_u64(changes_, g.total);
    put_u64(changes_, g.seen_before);
    put_i64(changes_, g.seen_before_since_ms);
    if (event) events_.push_back(*c.latest);
  } else if (c.closed) {
    put_u64(changes_, c.closed->total);
    put_i64(changes_, c.closed->since_ms);
    put_i64(changes_, c.closed->closed_ms);
  }
}

void GroupLog::put_name(std::string_view name) {
  const auto it = std::find(names_.begin(), names_.end(), name);
  if (it != names_.end()) {
    put_u64(changes_, static_cast<std::uint64_t>(it - names_.begin()) + 1);
    return;
  }
  names_.emplace_back(name);
  put_u64(changes_, 0);
  put_str(changes_, name);
}

std::string GroupLog::row() const {
  std::string out(1, kLogVersion);
  put_u64(out, count_);
  out.reserve(out.size() + changes_.size() + events_.size() * 700);
  out += changes_;
  for (const auto& e : events_) put_str(out, core::to_json_text(*e, true));
  return out;
}

std::string encode_group_changes(const std::vector<core::GroupChange>& changes) {
  GroupLog log;
  for (const auto& c : changes) log.changed(core::view_of(c));
  return log.row();
}

std::optional<std::vector<core::GroupChange>> decode_group_changes(std::string_view bytes) {
  std::vector<LoggedChange> logged;
  if (!RowDecoder().decode(bytes, logged)) return std::nullopt;
  std::vector<core::GroupChange> out;
  out.reserve(logged.size());
  for (const LoggedChange& l : logged) {
    core::GroupChange& c = out.emplace_back();
    c.route = l.route;
    c.receiver = l.receiver;
    c.fingerprint = l.fingerprint;
    if (l.tag == Tag::open) {
      core::GroupState& g = c.open.emplace();
      g.route = c.route;
      g.receiver = c.receiver;
      g.fingerprint = c.fingerprint;
      g.dedup = {std::chrono::milliseconds(l.window_ms), l.min_count, l.resolved};
      g.overflow = l.overflow;
      g.notified = l.notified;
      g.opened_ms = l.opened_ms;
      g.window_end_ms = l.window_end_ms;
      g.pending = l.pending;
      g.pending_first_ms = l.pending_first_ms;
      g.pending_last_ms = l.pending_last_ms;
      g.total = l.total;
      g.last_seen_ms = l.last_seen_ms;
      g.seen_before = l.seen_before;
      g.seen_before_since_ms = l.seen_before_since_ms;
      if (!l.event.empty()) {
        g.latest = core::event_from_json(nlohmann::json::parse(l.event, nullptr, false));
        if (!g.latest) return std::nullopt;
      }
    } else if (l.tag == Tag::closed) {
      c.closed = core::ClosedGroup{c.route, c.receiver, c.fingerprint, l.total, l.since_ms, l.closed_ms};
    }
  }
  return out;
}

void fold_group_log(Sqlite& db, std::size_t& damaged) {
  // Newest row first: a group's first change met is its last, and the only one written; an
  // open group's event is the newest its current opening logged (a change of counts only
  // carries none, and one before a close belongs to an earlier opening). Rows are read one at
  // a time, so the log is never held whole.
  struct Seen {
    bool event_settled = false;  // written, or none to write
  };
  std::unordered_map<std::string, Seen> seen;
  std::string key;
  std::vector<LoggedChange> row;
  RowDecoder decoder;
  GroupWriter writer(db);
  Stmt s = db.prepare("SELECT changes FROM group_log ORDER BY seq DESC");
  while (s.step()) {
    const std::string bytes = s.blob(0);  // what the decoded views point into
    if (!decoder.decode(bytes, row)) {
      ++damaged;
      continue;
    }
    for (auto c = row.rbegin(); c != row.rend(); ++c) {  // the row's own order: later wins
      auto it = seen.find(key_into(key, c->route, c->receiver, c->fingerprint));
      if (it == seen.end()) {
        writer.write(*c);
        it = seen.emplace(key, Seen{c->tag != Tag::open}).first;
      }
      if (it->second.event_settled) continue;
      if (c->tag != Tag::open) {
        it->second.event_settled = true;  // an earlier opening's event is not this one's
      } else if (!c->event.empty()) {
        writer.write_event(*c, c->event);
        it->second.event_settled = true;
      }
    }
  }
  db.exec("DELETE FROM group_log");
}

GroupCounts count_groups(Sqlite& db) {
  std::unordered_map<std::string, bool> closed;  // by group: remembered closed, or open
  std::string key;
  Stmt s = db.prepare("SELECT route, receiver, fingerprint, closed FROM groups");
  while (s.step()) closed[key_into(key, s.text(0), s.text(1), s.text(2))] = s.int64(3) != 0;
  std::vector<LoggedChange> row;
  RowDecoder decoder;
  Stmt log = db.prepare("SELECT changes FROM group_log ORDER BY seq");
  while (log.step()) {
    const std::string bytes = log.blob(0);  // what the decoded views point into
    if (!decoder.decode(bytes, row)) continue;
    for (const LoggedChange& c : row) {
      key_into(key, c.route, c.receiver, c.fingerprint);
      if (c.tag == Tag::forget) {
        closed.erase(key);
      } else {
        closed[key] = c.tag == Tag::closed;
      }
    }
  }
  GroupCounts n;
  for (const auto& [key, is_closed] : closed) ++(is_closed ? n.remembered : n.open);
  return n;
}

core::AggregatorSnapshot read_groups(Sqlite& db, std::size_t& unreadable) {
  core::AggregatorSnapshot out;
  Stmt s = db.prepare("SELECT g." + std::string(kColumns) +
                      ", e.event FROM groups g LEFT JOIN group_events e USING(route, receiver, fingerprint)");
  // USING makes route, receiver and fingerprint unqualified; the rest are the groups' columns.
  while (s.step()) {
    const std::string route = s.text(0), receiver = s.text(1), fingerprint = s.text(2);
    if (s.int64(3) != 0) {
      if (route.empty() || receiver.empty() || fingerprint.empty() || s.int64(14) < 0) {
        ++unreadable;
        continue;
      }
      out.closed.push_back({route, receiver, fingerprint, static_cast<std::uint64_t>(s.int64(14)), s.int64(9),
                            s.int64(18)});
      continue;
    }
    core::GroupState g;
    g.route = route;
    g.receiver = receiver;
    g.fingerprint = fingerprint;
    g.dedup.window = std::chrono::milliseconds(s.int64(4));
    g.dedup.min_count = static_cast<std::uint32_t>(s.int64(5));
    g.dedup.resolved = s.int64(6) != 0;
    g.overflow = s.int64(7) != 0;
    g.notified = s.int64(8) != 0;
    g.opened_ms = s.int64(9);
    g.window_end_ms = s.int64(10);
    g.pending = static_cast<std::uint64_t>(s.int64(11));
    g.pending_first_ms = s.int64(12);
    g.pending_last_ms = s.int64(13);
    g.total = static_cast<std::uint64_t>(s.int64(14));
    g.last_seen_ms = s.int64(15);
    g.seen_before = static_cast<std::uint64_t>(s.int64(16));
    g.seen_before_since_ms = s.int64(17);
    if (!valid(g) || s.int64(5) < 0 || s.int64(5) > std::numeric_limits<std::uint32_t>::max() || s.int64(11) < 0 ||
        s.int64(14) < 0) {
      ++unreadable;
      continue;
    }
    if (!s.is_null(19)) {
      g.latest = core::event_from_json(nlohmann::json::parse(s.text(19), nullptr, false));
      if (!g.latest) {
        ++unreadable;
        continue;
      }
    }
    out.open.push_back(std::move(g));
  }
  std::sort(out.closed.begin(), out.closed.end(),
            [](const core::ClosedGroup& a, const core::ClosedGroup& b) { return a.closed_ms < b.closed_ms; });
  return out;
}

}  // namespace erralert::store
