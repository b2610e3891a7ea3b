// Outbox: one receiver's notifications waiting for their turn (paced, retrying, receiver down),
// kept bounded by distinct groups rather than events (CONTRACT.md section 5).
//
//   Outbox box({.digest_groups = 20});
//   Outbox::Item& it = box.push(std::move(n), now_ms);     // merged into a waiting one of its group, or new
//   auto folded = box.fold_if_late(schedule.due(box.front().attempt, now), max_delay);
//   // send box.front(); then box.pop_front() after a 2xx
//
// Pure and single-threaded. While a notification of group G waits, what G produces next is
// merged into it: counts add, last seen and the latest event move. When the head would wait past
// max_delay, every waiting notification folds into one `digest` holding the largest groups and
// `others` for the rest. The head that is being sent (in_flight) is never changed.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "erralert/core/notification.hpp"
#include "erralert/core/retry_schedule.hpp"

namespace erralert::core {

struct OutboxLimits {
  std::size_t digest_groups = 20;  ///< groups a digest lists by name; the rest fold into `others`
};

class Outbox {
 public:
  struct Item {
    /// The notification; nullopt for a body rendered by an earlier release (sent as it is).
    std::optional<Notification> notification;
    std::string rendered;          ///< that body, when there is no notification
    std::string rendered_kind;     ///< and what it says of itself
    std::string rendered_route;
    std::uint64_t rendered_count = 0;
    Attempt attempt;
    std::uint64_t store_id = 0;  ///< its row in the state store; 0 until it has one

    std::uint64_t count() const { return notification ? notification->total_count() : rendered_count; }
    std::string_view kind() const;
  };

  explicit Outbox(OutboxLimits limits = {});

  /// Takes `n` (one group: first, summary or resolved; or anything else, appended as it is).
  /// Returns the item that now holds it; `*merged` says whether that item was already waiting.
  Item& push(Notification n, std::int64_t now_ms, bool* merged = nullptr);
  /// Adds an item loaded from the store, behind the others.
  Item& restore(Item item);

  /// When `last_due_ms` (when the last waiting notification could be sent: the head's due time,
  /// or RetrySchedule::projected_due for the last) is more than `max_delay` after the oldest
  /// waiting notification was made, folds every waiting notification that can fold into one
  /// digest, placed where the first of them stood. Returns the items folded away (the digest
  /// is a new item: store it, then forget these); empty when nothing folded.
  std::vector<Item> fold_if_late(std::int64_t last_due_ms, std::chrono::milliseconds max_delay);
  /// The digest that fold_if_late() made last; null when it made none.
  Item* last_digest() { return last_digest_; }

  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  /// Events the waiting notifications account for.
  std::uint64_t events() const;
  Item& front() { return items_.front(); }
  const Item& front() const { return items_.front(); }
  const std::list<Item>& items() const { return items_; }
  /// The head is being sent (true): nothing merges into it or folds it until pop_front() or
  /// set_in_flight(false), after which it waits again (a retry) and takes merges again.
  void set_in_flight(bool on);
  void pop_front();

 private:
  using Key = std::string;
  static Key key_of(const std::string& route, const std::string& fingerprint);
  void index(Item& item);
  void unindex(const Item& item);
  bool mergeable(const Item& item) const;

  OutboxLimits limits_;
  std::list<Item> items_;
  std::unordered_map<Key, Item*> by_group_;  ///< waiting items a group's next notification merges into
  bool in_flight_ = false;
  Item* last_digest_ = nullptr;
};

/// Merges `from` (same group) into `into`: counts add, spans widen, the later event wins.
void merge_group(GroupEntry& into, GroupEntry from);

}  // namespace erralert::core
