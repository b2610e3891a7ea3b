// Outbox: a list of waiting notifications with an index from group to the item it merges into.
#include "erralert/core/outbox.hpp"

#include <algorithm>
#include <map>
#include <utility>

namespace erralert::core {

void merge_group(GroupEntry& into, GroupEntry from) {
  into.count += from.count;
  if (from.first_seen_ms != 0 && (into.first_seen_ms == 0 || from.first_seen_ms < into.first_seen_ms)) {
    into.first_seen_ms = from.first_seen_ms;
  }
  if (from.last_seen_ms >= into.last_seen_ms) {
    into.last_seen_ms = from.last_seen_ms;
    if (from.event) into.event = std::move(from.event);
  }
  into.total = std::max(into.total, from.total);
  if (into.seen_before == 0) {
    into.seen_before = from.seen_before;
    into.seen_before_since_ms = from.seen_before_since_ms;
  }
  into.window_ms = std::max(into.window_ms, from.window_ms);
  into.overflow = into.overflow || from.overflow;
}

std::string_view Outbox::Item::kind() const {
  return notification ? to_string(notification->kind) : std::string_view(rendered_kind);
}

Outbox::Outbox(OutboxLimits limits) : limits_(limits) {}

Outbox::Key Outbox::key_of(const std::string& route, const std::string& fingerprint) {
  Key k;
  k.reserve(route.size() + fingerprint.size() + 1);
  k.append(route).push_back('\x1f');
  k.append(fingerprint);
  return k;
}

bool Outbox::mergeable(const Item& item) const {
  if (!item.notification) return false;
  const Notification& n = *item.notification;
  return n.kind == NotificationKind::first || n.kind == NotificationKind::summary ||
         (n.kind == NotificationKind::digest && !n.route.empty());
}

void Outbox::index(Item& item) {
  if (!mergeable(item)) return;
  const Notification& n = *item.notification;
  for (const auto& g : n.groups) by_group_[key_of(n.route, g.fingerprint)] = &item;
}

void Outbox::unindex(const Item& item) {
  if (!item.notification) return;
  const Notification& n = *item.notification;
  for (const auto& g : n.groups) {
    auto it = by_group_.find(key_of(n.route, g.fingerprint));
    if (it != by_group_.end() && it->second == &item) by_group_.erase(it);
  }
}

Outbox::Item& Outbox::push(Notification n, std::int64_t now_ms, bool* merged) {
  if (merged) *merged = false;
  const bool one_group = n.groups.size() == 1 && n.other_groups == 0;
  if (one_group && (n.kind == NotificationKind::first || n.kind == NotificationKind::summary)) {
    const auto it = by_group_.find(key_of(n.route, n.groups.front().fingerprint));
    if (it != by_group_.end()) {
      Item& into = *it->second;
      Notification& waiting = *into.notification;
      const auto same = std::find_if(waiting.groups.begin(), waiting.groups.end(), [&](const GroupEntry& g) {
        return g.fingerprint == n.groups.front().fingerprint;
      });
      if (same != waiting.groups.end()) {
        merge_group(*same, std::move(n.groups.front()));
        if (n.kind == NotificationKind::first && waiting.kind == NotificationKind::summary) {
          waiting.kind = NotificationKind::first;
        }
        if (merged) *merged = true;
        return into;
      }
    }
  } else if (one_group && n.kind == NotificationKind::resolved) {
    // What the group says after it closed must not merge into what it said before.
    by_group_.erase(key_of(n.route, n.groups.front().fingerprint));
  }
  Item item;
  item.attempt.created_ms = now_ms;
  item.notification = std::move(n);
  return restore(std::move(item));
}

Outbox::Item& Outbox::restore(Item item) {
  Item& added = items_.emplace_back(std::move(item));
  index(added);
  return added;
}

std::vector<Outbox::Item> Outbox::fold_if_late(std::int64_t last_due_ms, std::chrono::milliseconds max_delay) {
  last_digest_ = nullptr;
  std::vector<std::list<Item>::iterator> foldable;
  auto it = items_.begin();
  if (in_flight_ && it != items_.end()) ++it;
  for (; it != items_.end(); ++it) {
    if (it->notification) foldable.push_back(it);
  }
  if (foldable.size() < 2) return {};
  std::int64_t oldest = foldable.front()->attempt.created_ms;
  for (auto f : foldable) oldest = std::min(oldest, f->attempt.created_ms);
  if (last_due_ms - oldest <= max_delay.count()) return {};

  Item digest;
  digest.attempt = foldable.front()->attempt;  // the head's retry state goes on
  digest.attempt.created_ms = oldest;
  Notification& d = digest.notification.emplace();
  d.kind = NotificationKind::digest;
  d.receiver = foldable.front()->notification->receiver;
  d.route = foldable.front()->notification->route;
  std::map<std::string, GroupEntry> groups;  // by fingerprint, so one group shows once
  for (auto f : foldable) {
    Notification& n = *f->notification;
    if (n.route != d.route) d.route.clear();
    d.other_groups += n.other_groups;
    d.other_count += n.other_count;
    for (auto& g : n.groups) {
      auto [at, inserted] = groups.try_emplace(g.fingerprint, g);
      if (!inserted) merge_group(at->second, g);
    }
  }
  std::vector<GroupEntry> sorted;
  sorted.reserve(groups.size());
  for (auto& [fp, g] : groups) sorted.push_back(std::move(g));
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const GroupEntry& a, const GroupEntry& b) { return a.count > b.count; });
  for (std::size_t i = limits_.digest_groups; i < sorted.size(); ++i) {
    ++d.other_groups;
    d.other_count += sorted[i].count;
  }
  if (sorted.size() > limits_.digest_groups) sorted.resize(limits_.digest_groups);
  d.groups = std::move(sorted);

  std::vector<Item> folded;
  folded.reserve(foldable.size());
  const auto at = items_.insert(foldable.front(), std::move(digest));
  for (auto f : foldable) {
    unindex(*f);
    folded.push_back(std::move(*f));
    items_.erase(f);
  }
  index(*at);
  last_digest_ = &*at;
  return folded;
}

std::uint64_t Outbox::events() const {
  std::uint64_t n = 0;
  for (const auto& item : items_) n += item.count();
  return n;
}

void Outbox::set_in_flight(bool on) {
  if (items_.empty() || on == in_flight_) return;
  in_flight_ = on;
  if (on) {
    unindex(items_.front());
    return;
  }
  // A retry: the head takes its groups' merges again, but not for a group that has a newer item
  // behind it (made while the head was in flight, or a resolved): a group's news stays in order.
  Item& head = items_.front();
  if (!mergeable(head)) return;
  const Notification& n = *head.notification;
  for (const auto& g : n.groups) {
    Key key = key_of(n.route, g.fingerprint);
    if (by_group_.contains(key)) continue;
    const bool newer = std::any_of(std::next(items_.begin()), items_.end(), [&](const Item& item) {
      if (!item.notification) return false;
      const Notification& m = *item.notification;
      if (!m.route.empty() && m.route != n.route) return false;  // a digest of several routes may hold it
      return std::any_of(m.groups.begin(), m.groups.end(),
                         [&](const GroupEntry& e) { return e.fingerprint == g.fingerprint; });
    });
    if (!newer) by_group_.emplace(std::move(key), &head);
  }
}

void Outbox::pop_front() {
  if (items_.empty()) return;
  unindex(items_.front());
  if (last_digest_ == &items_.front()) last_digest_ = nullptr;
  items_.pop_front();
  in_flight_ = false;
}

}  // namespace erralert::core
