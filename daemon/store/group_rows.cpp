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

std::string insert_sql() {
  std::string sql = "INSERT OR REPLACE INTO groups(" + std::string(kColumns) + ") VALUES(";
  for (int i = 1; i <= kColumnCount; ++i) sql += (i > 1 ? ", ?" : "?") + std::to_string(i);
  return sql + ")";
}

std::int64_t i64(std::uint64_t v) { return static_cast<std::int64_t>(v); }

// ---- the log's encoding ----------------------------------------------------------------------

// Version 1 held each open change's event inline (empty: none); version 2 flags the changes
// that carry one (kHasEvent) and gives the events after the changes, in order, so that the
// io thread encodes counts and only the writer thread writes JSON.
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
  std::size_t pos() const { return pos_; }

 private:
  std::uint64_t fail() {
    ok_ = false;
    pos_ = in_.size();
    return 0;
  }
  std::string_view in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

std::string event_text(const core::Event& e) {
  return core::to_json(e, true).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// A group as read back: what a stored one must be to be restored.
bool valid(const core::GroupState& g) {
  return !g.route.empty() && !g.receiver.empty() && !g.fingerprint.empty() && g.dedup.window.count() > 0 &&
         g.dedup.min_count > 0;
}

std::string key_of(std::string_view route, std::string_view receiver, std::string_view fingerprint) {
  std::string k(route);
  k.push_back('\x1f');
  k += receiver;
  k.push_back('\x1f');
  k += fingerprint;
  return k;
}

/// A change as a log row holds it, viewing the row's bytes: an open group's event as its JSON
/// text (empty: none given). The groups' strings are left empty in `open` and `closed`.
struct LoggedChange {
  Tag tag = Tag::forget;
  std::string_view route;
  std::string_view receiver;
  std::string_view fingerprint;
  std::string_view identity;  ///< the three as encoded: the same bytes for the same group
  core::GroupState open;
  core::ClosedGroup closed;
  std::string_view event;
  bool has_event = false;  ///< version 2: its event follows the changes

  core::GroupChangeView view() const {
    return {route, receiver, fingerprint, tag == Tag::open ? &open : nullptr, tag == Tag::closed ? &closed : nullptr};
  }
};

/// A log row's changes into `out` (cleared first; its capacity reused), viewing `bytes`; false
/// when the row is not one (then `out` is to be ignored).
bool decode_log_row(std::string_view bytes, std::vector<LoggedChange>& out) {
  out.clear();
  if (bytes.empty() || (bytes[0] != kLogVersion1 && bytes[0] != kLogVersion)) return false;
  const bool inline_events = bytes[0] == kLogVersion1;
  Reader r(bytes.substr(1));
  std::uint64_t n = inline_events ? 0 : r.u64();
  while (r.ok() && (inline_events ? !r.done() : out.size() < n)) {
    LoggedChange& c = out.emplace_back();
    const std::uint64_t tag = r.u64();
    const std::size_t from = r.pos();
    c.route = r.str();
    c.receiver = r.str();
    c.fingerprint = r.str();
    c.identity = bytes.substr(1 + from, r.pos() - from);
    if (c.route.empty() || c.receiver.empty() || c.fingerprint.empty()) return false;
    if (tag == static_cast<std::uint64_t>(Tag::open)) {
      c.tag = Tag::open;
      core::GroupState& g = c.open;
      g.dedup.window = std::chrono::milliseconds(r.i64());
      const std::uint64_t min_count = r.u64();
      if (min_count > std::numeric_limits<std::uint32_t>::max()) return false;
      g.dedup.min_count = static_cast<std::uint32_t>(min_count);
      const std::uint64_t flags = r.u64();
      if (flags > (inline_events ? 7 : 7 | kHasEvent)) return false;
      g.dedup.resolved = (flags & 1) != 0;
      g.overflow = (flags & 2) != 0;
      g.notified = (flags & 4) != 0;
      g.opened_ms = r.i64();
      g.window_end_ms = r.i64();
      g.pending = r.u64();
      g.pending_first_ms = r.i64();
      g.pending_last_ms = r.i64();
      g.total = r.u64();
      g.last_seen_ms = r.i64();
      g.seen_before = r.u64();
      g.seen_before_since_ms = r.i64();
      if (inline_events) c.event = r.str();
      c.has_event = (flags & kHasEvent) != 0;
      if (!r.ok() || g.dedup.window.count() <= 0 || g.dedup.min_count == 0) return false;
    } else if (tag == static_cast<std::uint64_t>(Tag::closed)) {
      c.tag = Tag::closed;
      c.closed.total = r.u64();
      c.closed.since_ms = r.i64();
      c.closed.closed_ms = r.i64();
    } else if (tag != static_cast<std::uint64_t>(Tag::forget)) {
      return false;
    }
  }
  if (!inline_events) {  // the events, in the order of the changes that carry one
    if (!r.ok() || out.size() != n) return false;
    for (LoggedChange& c : out) {
      if (!c.has_event) continue;
      c.event = r.str();
      if (c.event.empty()) return false;
    }
  }
  return r.ok() && r.done();
}

}  // namespace

namespace {

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

  /// Open: its row, and `event` (its latest event's JSON) when given (empty: the stored one
  /// stands); closed: its remembered row, no event; neither: both rows gone.
  void write(const core::GroupChangeView& c, std::string_view event) {
    if (!c.open) forget_event_.bind(1, c.route).bind(2, c.receiver).bind(3, c.fingerprint).run();
    if (!c.open && !c.closed) {
      forget_.bind(1, c.route).bind(2, c.receiver).bind(3, c.fingerprint).run();
      return;
    }
    row_.bind(1, c.route).bind(2, c.receiver).bind(3, c.fingerprint);
    if (c.open) {
      const core::GroupState& g = *c.open;
      row_.bind(4, std::int64_t{0})
          .bind(5, static_cast<std::int64_t>(g.dedup.window.count()))
          .bind(6, static_cast<std::int64_t>(g.dedup.min_count))
          .bind(7, std::int64_t{g.dedup.resolved})
          .bind(8, std::int64_t{g.overflow})
          .bind(9, std::int64_t{g.notified})
          .bind(10, g.opened_ms)
          .bind(11, g.window_end_ms)
          .bind(12, i64(g.pending))
          .bind(13, g.pending_first_ms)
          .bind(14, g.pending_last_ms)
          .bind(15, i64(g.total))
          .bind(16, g.last_seen_ms)
          .bind(17, i64(g.seen_before))
          .bind(18, g.seen_before_since_ms)
          .bind(19, std::int64_t{0})
          .run();
      if (!event.empty()) event_.bind(1, c.route).bind(2, c.receiver).bind(3, c.fingerprint).bind(4, event).run();
      return;
    }
    const core::ClosedGroup& m = *c.closed;
    for (int i = 4; i <= kColumnCount; ++i) row_.bind(i, std::int64_t{0});
    row_.bind(4, std::int64_t{1}).bind(10, m.since_ms).bind(15, i64(m.total)).bind(19, m.closed_ms).run();
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
  put_str(changes_, c.route);
  put_str(changes_, c.receiver);
  put_str(changes_, c.fingerprint);
  if (c.open) {
    const core::GroupState& g = *c.open;
    const bool event = c.latest && *c.latest;
    put_i64(changes_, g.dedup.window.count());
    put_u64(changes_, g.dedup.min_count);
    put_u64(changes_, (g.dedup.resolved ? 1u : 0u) | (g.overflow ? 2u : 0u) | (g.notified ? 4u : 0u) |
                          (event ? kHasEvent : 0u));
    put_i64(changes_, g.opened_ms);
    put_i64(changes_, g.window_end_ms);
    put_u64(changes_, g.pending);
    put_i64(changes_, g.pending_first_ms);
    put_i64(changes_, g.pending_last_ms);
    put_u64(changes_, g.total);
    put_i64(changes_, g.last_seen_ms);
    put_u64(changes_, g.seen_before);
    put_i64(changes_, g.seen_before_since_ms);
    if (event) events_.push_back(*c.latest);
  } else if (c.closed) {
    put_u64(changes_, c.closed->total);
    put_i64(changes_, c.closed->since_ms);
    put_i64(changes_, c.closed->closed_ms);
  }
}

void GroupLog::append(GroupLog&& newer) {
  if (empty()) {
    *this = std::move(newer);
    return;
  }
  changes_ += newer.changes_;
  events_.insert(events_.end(), std::make_move_iterator(newer.events_.begin()),
                 std::make_move_iterator(newer.events_.end()));
  count_ += newer.count_;
  newer = GroupLog();
}

std::string GroupLog::row() const {
  std::string out(1, kLogVersion);
  put_u64(out, count_);
  out.reserve(out.size() + changes_.size() + events_.size() * 700);
  out += changes_;
  for (const auto& e : events_) put_str(out, event_text(*e));
  return out;
}

std::string encode_group_changes(const std::vector<core::GroupChange>& changes) {
  GroupLog log;
  for (const auto& c : changes) log.changed(core::view_of(c));
  return log.row();
}

std::optional<std::vector<core::GroupChange>> decode_group_changes(std::string_view bytes) {
  std::vector<LoggedChange> logged;
  if (!decode_log_row(bytes, logged)) return std::nullopt;
  std::vector<core::GroupChange> out;
  out.reserve(logged.size());
  for (const LoggedChange& l : logged) {
    core::GroupChange& c = out.emplace_back();
    c.route = l.route;
    c.receiver = l.receiver;
    c.fingerprint = l.fingerprint;
    if (l.tag == Tag::open) {
      c.open = l.open;
      c.open->route = c.route;
      c.open->receiver = c.receiver;
      c.open->fingerprint = c.fingerprint;
      if (!l.event.empty()) {
        c.open->latest = core::event_from_json(nlohmann::json::parse(l.event, nullptr, false));
        if (!c.open->latest) return std::nullopt;
      }
    } else if (l.tag == Tag::closed) {
      c.closed = l.closed;
      c.closed->route = c.route;
      c.closed->receiver = c.receiver;
      c.closed->fingerprint = c.fingerprint;
    }
  }
  return out;
}

namespace {

/// Every group_log row, oldest first (what the fold and the counts read; the views a decoded
/// row gives point into these).
std::vector<std::string> log_rows(Sqlite& db) {
  std::vector<std::string> rows;
  Stmt s = db.prepare("SELECT changes FROM group_log ORDER BY seq");
  while (s.step()) rows.emplace_back(s.blob(0));
  return rows;
}

}  // namespace

void fold_group_log(Sqlite& db, std::size_t& damaged) {
  // The last change of each group, in the order groups first changed; views into `rows`.
  const std::vector<std::string> rows = log_rows(db);
  std::unordered_map<std::string_view, std::size_t> at;
  std::vector<LoggedChange> last;
  std::vector<LoggedChange> row;
  for (const std::string& bytes : rows) {
    if (!decode_log_row(bytes, row)) {
      ++damaged;
      continue;
    }
    for (LoggedChange& c : row) {
      auto [it, fresh] = at.try_emplace(c.identity, last.size());
      if (fresh) {
        last.push_back(c);
        continue;
      }
      LoggedChange& was = last[it->second];
      // Counts only: the event given before stands.
      if (c.tag == Tag::open && c.event.empty() && was.tag == Tag::open) c.event = was.event;
      was = c;
    }
  }
  GroupWriter writer(db);
  for (const auto& c : last) writer.write(c.view(), c.event);
  db.exec("DELETE FROM group_log");
}

GroupCounts count_groups(Sqlite& db) {
  std::unordered_map<std::string, bool> closed;  // by group: remembered closed, or open
  Stmt s = db.prepare("SELECT route, receiver, fingerprint, closed FROM groups");
  while (s.step()) closed[key_of(s.text(0), s.text(1), s.text(2))] = s.int64(3) != 0;
  std::vector<LoggedChange> row;
  for (const std::string& bytes : log_rows(db)) {
    if (!decode_log_row(bytes, row)) continue;
    for (const LoggedChange& c : row) {
      if (c.tag == Tag::forget) {
        closed.erase(key_of(c.route, c.receiver, c.fingerprint));
      } else {
        closed[key_of(c.route, c.receiver, c.fingerprint)] = c.tag == Tag::closed;
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
