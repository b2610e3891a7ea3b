// Aggregator: groups deliveries by (route, receiver, fingerprint) and decides when a group is
// worth a notification (CONTRACT.md section 5, "Group" and "Deduplicate").
//
//   Aggregator agg({.max_open_groups = 100000});
//   Aggregator::Step step;
//   agg.admit(delivery, now_ms, step);        // a `first` in step.notifications when min_count is reached
//   agg.tick(now_ms, step);                   // `summary` / `resolved` for every window that ended
//   if (auto due = agg.next_due()) timer.expires_at(*due);
//
// Pure and single-threaded: `now` comes in as an argument, timers are data (next_due), and the
// whole state is a plain value (snapshot / restore) that the store can persist.
//
// A group opens with its first event; its windows are [opened, opened + window), then the next
// ones back to back. The group's `first` goes out at once when its count reaches min_count
// inside a window. Each later window that saw events ends in a `summary` of the events since
// the last notification; a window without events closes the group (and sends `resolved` when
// the route asks for it). A group that closes below min_count notified nobody: its events are
// counted in Step::below_threshold. Closed groups are remembered for 24 h, so a group that
// reopens says "seen N times since ...".
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <boost/container/small_vector.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include "erralert/config/config.hpp"
#include "erralert/core/notification.hpp"
#include "erralert/core/pipeline.hpp"
#include "erralert/core/release_ring.hpp"

namespace erralert::core {

struct AggregatorLimits {
  std::size_t max_open_groups = 100000;
  std::size_t max_group_bytes = 64u << 20;  ///< bytes of latest events held, all groups together
  std::int64_t memory_ms = 24LL * 3600 * 1000;  ///< how long a closed group is remembered
};

/// One open group, as a plain value.
struct GroupState {
  std::string route;
  std::string receiver;
  std::string fingerprint;
  config::Dedup dedup;             ///< the route's settings
  std::int64_t opened_ms = 0;      ///< its first event
  std::int64_t window_end_ms = 0;  ///< the end of the current window
  std::uint64_t pending = 0;       ///< events since the last notification (or all, before the first)
  std::int64_t pending_first_ms = 0;
  std::int64_t pending_last_ms = 0;
  std::uint64_t total = 0;  ///< events since it opened
  std::int64_t last_seen_ms = 0;
  bool notified = false;  ///< its `first` went out
  bool overflow = false;  ///< the (route, receiver)'s group of new errors past the limits
  std::uint64_t seen_before = 0;  ///< events of earlier openings (remembered), for "again"
  std::int64_t seen_before_since_ms = 0;
  std::shared_ptr<const Event> latest;
};

/// A closed group that is remembered, so its reopening says "again".
struct ClosedGroup {
  std::string route;
  std::string receiver;
  std::string fingerprint;
  std::uint64_t total = 0;  ///< every event of it that was remembered
  std::int64_t since_ms = 0;
  std::int64_t closed_ms = 0;
};

struct AggregatorSnapshot {
  std::vector<GroupState> open;
  std::vector<ClosedGroup> closed;  ///< oldest closed first
};

/// What changed for one (route, receiver, fingerprint) since the last take_changes(): it is
/// open (`open`), remembered closed (`closed`), or neither (both empty: forget it). An open
/// group's `latest` is given when the group opened or sent a notification since the last call,
/// and is null otherwise (the event given before stands): counts change with every event, the
/// event a restart shows needs to be written far less often.
struct GroupChange {
  std::string route;
  std::string receiver;
  std::string fingerprint;
  std::optional<GroupState> open;
  std::optional<ClosedGroup> closed;
};

/// One group's change as take_changes() hands it to a GroupChangeSink: views into the
/// aggregator's own state, valid during the call only. `latest` is set when the change carries
/// the group's event (as GroupChange::open->latest is), null otherwise.
struct GroupChangeView {
  std::string_view route;
  std::string_view receiver;
  std::string_view fingerprint;
  const GroupState* open = nullptr;  ///< its `latest` is not read: see the view's own
  const ClosedGroup* closed = nullptr;
  const std::shared_ptr<const Event>* latest = nullptr;
};

/// A GroupChange seen as a view (its open state's `latest` given when set).
GroupChangeView view_of(const GroupChange& c);

/// Where take_changes() puts each change, without copying the group (the store encodes them
/// as they come).
class GroupChangeSink {
 public:
  virtual ~GroupChangeSink() = default;
  virtual void changed(const GroupChangeView& c) = 0;
};

/// The fingerprint of a (route, receiver)'s overflow group.
inline constexpr std::string_view kOverflowFingerprint = "overflow";

class Aggregator {
 public:
  /// What one call produced, added to by each call that takes it.
  struct Step {
    std::vector<Notification> notifications;
    std::uint64_t deduplicated = 0;     ///< events counted in a group without a notification of their own
    std::uint64_t overflowed = 0;       ///< events folded into an overflow group
    std::uint64_t below_threshold = 0;  ///< events of groups that closed below min_count
  };

  explicit Aggregator(AggregatorLimits limits = {});
  // The time index points into the groups: a copy would point into the original's.
  Aggregator(const Aggregator&) = delete;
  Aggregator& operator=(const Aggregator&) = delete;

  /// Counts `d` in its group at `now_ms` (ending the group's window first if it is over).
  void admit(const Delivery& d, std::int64_t now_ms, Step& out);
  /// Ends every window that is over at `now_ms`.
  void tick(std::int64_t now_ms, Step& out);
  /// When tick() has work next; nullopt with no open group.
  std::optional<std::int64_t> next_due() const;
  /// After a reload: groups of a route (by name) that still sends to their receiver keep going
  /// under the route's new settings; the others end now (a summary of what they hold).
  void reconfigure(const std::vector<config::Route>& routes, AggregatorLimits limits, std::int64_t now_ms,
                   Step& out);

  /// At a stop: a summary now of what every notified group counted since its last
  /// notification, so no count waits in memory; what groups below min_count hold is counted in
  /// Step::below_threshold. The groups stay open.
  void flush(Step& out);

  std::size_t open_groups() const { return groups_.size(); }
  std::size_t held_bytes() const { return held_bytes_; }
  /// Events counted in open groups and not yet in any notification.
  std::uint64_t pending_events() const;

  AggregatorSnapshot snapshot() const;
  /// Replaces the whole state with `s` (what snapshot() gave, maybe from another run). What
  /// it holds is taken as stored: take_changes() reports nothing of it.
  void restore(AggregatorSnapshot s);
  /// Gives `out` every group whose state changed since the last call, as it is now: what a
  /// store that holds restore()'s snapshot writes to stay equal to snapshot(). Each change is a
  /// view into this aggregator, valid during the call (no copy of any group).
  void take_changes(GroupChangeSink& out);

 private:
  struct Slot {
    std::uint64_t hash = 0;  ///< of key
    /// route \x1f receiver \x1f fingerprint, inside the slot for the usual lengths: finding a
    /// group reads the slot it then counts in, and nothing else that is cold.
    boost::container::small_vector<char, 48> key;
    GroupState state;
    std::size_t bytes = 0;
    bool event_unreported = true;  ///< take_changes() has not given its latest event since a notification
    std::size_t dirty_at = kClean;  ///< its place in dirty_, or kClean
    std::multimap<std::int64_t, Slot*>::iterator due;
  };
  static constexpr std::size_t kClean = static_cast<std::size_t>(-1);

  /// A key being looked up, with its hash.
  struct KeyRef {
    std::string_view key;
    std::uint64_t hash;
  };
  struct SlotHash {
    using is_transparent = void;
    std::size_t operator()(const std::unique_ptr<Slot>& s) const { return s->hash; }
    std::size_t operator()(const KeyRef& k) const { return k.hash; }
  };
  struct SlotEq {
    using is_transparent = void;
    static bool same(const KeyRef& k, const Slot& s) {
      return k.hash == s.hash && k.key == std::string_view(s.key.data(), s.key.size());
    }
    bool operator()(const KeyRef& k, const std::unique_ptr<Slot>& s) const { return same(k, *s); }
    bool operator()(const std::unique_ptr<Slot>& s, const KeyRef& k) const { return same(k, *s); }
    bool operator()(const std::unique_ptr<Slot>& a, const std::unique_ptr<Slot>& b) const {
      return same(KeyRef{std::string_view(a->key.data(), a->key.size()), a->hash}, *b);
    }
  };
  /// Open addressing over slots that stay where they are (due_ and dirty_ point at them).
  using GroupIndex = boost::unordered_flat_set<std::unique_ptr<Slot>, SlotHash, SlotEq>;

  Slot& open(const Delivery& d, std::string_view fingerprint, bool overflow, std::int64_t now_ms);
  void count(Slot& s, const Delivery& d, std::int64_t now_ms, Step& out);
  /// Ends windows of `s` up to `now_ms`; false when the group closed (and was erased).
  bool roll(Slot& s, std::int64_t now_ms, Step& out);
  void close(Slot& s, std::int64_t now_ms, Step& out);
  void reschedule(Slot& s);
  /// Its state changed: take_changes() gives it.
  void mark(Slot& s);
  void hold(Slot& s, std::shared_ptr<const Event> latest);
  void remember(const GroupState& g, std::int64_t now_ms);
  void forget_old(std::int64_t now_ms);
  Notification notification(const GroupState& g, NotificationKind kind) const;
  const std::string& key_of(std::string_view route, std::string_view receiver, std::string_view fp);
  /// The open group of (route, receiver, fp), or null.
  Slot* find(std::string_view route, std::string_view receiver, std::string_view fp);
  bool is_open(std::string_view key) const;
  /// A new slot for `key` (not open yet), in groups_.
  Slot& insert_slot(std::string_view key);

  AggregatorLimits limits_;
  GroupIndex groups_;
  std::multimap<std::int64_t, Slot*> due_;
  std::unordered_map<std::string, ClosedGroup> closed_;
  std::multimap<std::int64_t, std::string> closed_order_;  ///< closed_ms -> key, for forgetting
  std::size_t held_bytes_ = 0;
  // What take_changes() gives: open groups that changed (by slot, so that counting an event
  // costs no lookup and no allocation; a closed slot's place is nulled), and the keys of groups
  // that closed or whose memory changed since (rare: by key, looked up when taken).
  std::vector<Slot*> dirty_;
  std::unordered_set<std::string> changed_;
  std::string scratch_;  ///< the key being looked up, kept to spare an allocation per event
  ReleaseRing retired_;  ///< the latest events groups let go of
};

/// About how many bytes `e` holds, for limits.max_group_bytes.
std::size_t approx_bytes(const Event& e);

}  // namespace erralert::core
