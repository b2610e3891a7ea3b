// Aggregator: one slot per (route, receiver, fingerprint), a time index of window ends, and a
// bounded memory of closed groups.
#include "erralert/core/aggregator.hpp"

#include <algorithm>
#include <cassert>
#include <utility>

namespace erralert::core {
namespace {

std::size_t json_bytes(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::string: return 16 + j.get_ref<const std::string&>().size();
    case nlohmann::json::value_t::object: {
      std::size_t n = 16;
      for (auto it = j.begin(); it != j.end(); ++it) n += 32 + it.key().size() + json_bytes(it.value());
      return n;
    }
    case nlohmann::json::value_t::array: {
      std::size_t n = 16;
      for (const auto& v : j) n += json_bytes(v);
      return n;
    }
    default: return 16;
  }
}

std::uint64_t hash_of(std::string_view key) { return std::hash<std::string_view>{}(key); }

}  // namespace

std::size_t approx_bytes(const Event& e) {
  std::size_t n = sizeof(Event);
  for (const std::string* s : text_fields(e)) n += s->size();
  for (const nlohmann::json* j : json_fields(e)) n += json_bytes(*j);
  for (const auto& fe : e.errors) n += sizeof(fe) + fe.field.size() + fe.reason.size() + json_bytes(fe.value);
  for (const auto& f : e.fingerprint) n += sizeof(f) + f.size();
  return n;
}

Aggregator::Aggregator(AggregatorLimits limits) : limits_(limits) {}

const std::string& Aggregator::key_of(std::string_view route, std::string_view receiver, std::string_view fp) {
  scratch_.clear();
  scratch_.append(route).push_back('\x1f');
  scratch_.append(receiver).push_back('\x1f');
  scratch_.append(fp);
  return scratch_;
}

Aggregator::Slot* Aggregator::find(std::string_view route, std::string_view receiver, std::string_view fp) {
  const std::string& key = key_of(route, receiver, fp);
  auto it = groups_.find(KeyRef{key, hash_of(key)});
  return it == groups_.end() ? nullptr : it->get();
}

bool Aggregator::is_open(std::string_view key) const { return groups_.contains(KeyRef{key, hash_of(key)}); }

Aggregator::Slot& Aggregator::insert_slot(std::string_view key) {
  auto slot = std::make_unique<Slot>();
  slot->hash = hash_of(key);
  slot->key.assign(key.begin(), key.end());
  slot->due = due_.end();
  Slot& s = *slot;
  const bool inserted = groups_.insert(std::move(slot)).second;
  assert(inserted);
  (void)inserted;
  return s;
}

void Aggregator::mark(Slot& s) {
  if (s.dirty_at != kClean) return;
  s.dirty_at = dirty_.size();
  dirty_.push_back(&s);
}

void Aggregator::reschedule(Slot& s) {
  if (s.due != due_.end()) due_.erase(s.due);
  s.due = due_.emplace(s.state.window_end_ms, &s);
}

void Aggregator::hold(Slot& s, std::shared_ptr<const Event> latest) {
  const std::size_t bytes = latest ? approx_bytes(*latest) : 0;
  held_bytes_ = held_bytes_ - s.bytes + bytes;
  s.bytes = bytes;
  retired_.release(std::exchange(s.state.latest, std::move(latest)));
}

Aggregator::Slot& Aggregator::open(const Delivery& d, std::string_view fingerprint, bool overflow,
                                   std::int64_t now_ms) {
  Slot& s = insert_slot(key_of(d.route->name, d.receiver, fingerprint));
  const std::string_view key(s.key.data(), s.key.size());
  GroupState& g = s.state;
  g.route = d.route->name;
  g.receiver = std::string(d.receiver);
  g.fingerprint = std::string(fingerprint);
  g.dedup = d.route->dedup;
  if (overflow) g.dedup.min_count = 1;  // what it stands for is many errors, each new
  g.overflow = overflow;
  g.opened_ms = now_ms;
  g.window_end_ms = now_ms + g.dedup.window.count();
  // Remembered only for memory_ms, whether or not a tick has forgotten it yet.
  if (auto c = closed_.find(std::string(key)); c != closed_.end()) {
    if (c->second.closed_ms + limits_.memory_ms > now_ms) {
      g.seen_before = c->second.total;
      g.seen_before_since_ms = c->second.since_ms;
    }
    closed_.erase(c);  // closed_order_ drops its entry lazily
  }
  reschedule(s);
  mark(s);
  return s;
}

void Aggregator::admit(const Delivery& d, std::int64_t now_ms, Step& out) {
  Slot* s = find(d.route->name, d.receiver, d.fingerprint);
  if (s && !roll(*s, now_ms, out)) s = nullptr;
  if (!s) {
    const bool full = groups_.size() >= limits_.max_open_groups ||
                      held_bytes_ + approx_bytes(*d.event) > limits_.max_group_bytes;
    if (full) {
      ++out.overflowed;
      s = find(d.route->name, d.receiver, kOverflowFingerprint);
      if (s && !roll(*s, now_ms, out)) s = nullptr;
      if (!s) s = &open(d, kOverflowFingerprint, true, now_ms);
    } else {
      s = &open(d, d.fingerprint, false, now_ms);
    }
  }
  count(*s, d, now_ms, out);
}

void Aggregator::count(Slot& s, const Delivery& d, std::int64_t now_ms, Step& out) {
  GroupState& g = s.state;
  mark(s);
  if (g.pending == 0) g.pending_first_ms = now_ms;
  ++g.pending;
  ++g.total;
  g.pending_last_ms = g.last_seen_ms = now_ms;
  hold(s, d.event);
  if (!g.notified && g.pending >= g.dedup.min_count) {
    out.notifications.push_back(notification(g, NotificationKind::first));
    s.event_unreported = true;
    g.notified = true;
    g.pending = 0;
    return;
  }
  ++out.deduplicated;
}

bool Aggregator::roll(Slot& s, std::int64_t now_ms, Step& out) {
  GroupState& g = s.state;
  bool moved = false;
  while (g.window_end_ms <= now_ms) {
    if (!g.notified || g.pending == 0) {
      close(s, g.window_end_ms, out);  // it closed when its quiet window ended, however late we look
      return false;
    }
    out.notifications.push_back(notification(g, NotificationKind::summary));
    s.event_unreported = true;
    g.pending = 0;
    g.window_end_ms += g.dedup.window.count();
    moved = true;
  }
  if (moved) {
    reschedule(s);
    mark(s);
  }
  return true;
}

void Aggregator::close(Slot& s, std::int64_t now_ms, Step& out) {
  GroupState& g = s.state;
  if (!g.notified) {
    out.below_threshold += g.pending;
  } else {
    if (g.dedup.resolved && !g.overflow) out.notifications.push_back(notification(g, NotificationKind::resolved));
    if (!g.overflow) remember(g, now_ms);
  }
  held_bytes_ -= s.bytes;
  due_.erase(s.due);
  if (s.dirty_at != kClean) dirty_[s.dirty_at] = nullptr;
  const std::string_view key(s.key.data(), s.key.size());
  changed_.emplace(key);
  groups_.erase(KeyRef{key, s.hash});  // and with it the slot
}

void Aggregator::remember(const GroupState& g, std::int64_t now_ms) {
  std::string key = key_of(g.route, g.receiver, g.fingerprint);
  ClosedGroup c{g.route, g.receiver, g.fingerprint, g.seen_before + g.total,
                g.seen_before != 0 ? g.seen_before_since_ms : g.opened_ms, now_ms};
  closed_order_.emplace(now_ms, key);
  closed_.insert_or_assign(std::move(key), std::move(c));
  // Bounded like the open groups: the oldest memories go first.
  while (closed_.size() > limits_.max_open_groups && !closed_order_.empty()) {
    auto oldest = closed_order_.begin();
    if (auto c2 = closed_.find(oldest->second); c2 != closed_.end() && c2->second.closed_ms == oldest->first) {
      changed_.insert(c2->first);
      closed_.erase(c2);
    }
    closed_order_.erase(oldest);
  }
}

void Aggregator::forget_old(std::int64_t now_ms) {
  while (!closed_order_.empty() && closed_order_.begin()->first + limits_.memory_ms <= now_ms) {
    auto oldest = closed_order_.begin();
    if (auto c = closed_.find(oldest->second); c != closed_.end() && c->second.closed_ms == oldest->first) {
      changed_.insert(c->first);
      closed_.erase(c);
    }
    closed_order_.erase(oldest);
  }
  // Entries whose group reopened (or closed again later) are skipped above; drop them when
  // they pile up far past the memories still held.
  if (closed_order_.size() > 2 * closed_.size() + 1024) {
    std::multimap<std::int64_t, std::string> live;
    for (const auto& [key, c] : closed_) live.emplace(c.closed_ms, key);
    closed_order_ = std::move(live);
  }
}

void Aggregator::tick(std::int64_t now_ms, Step& out) {
  while (!due_.empty() && due_.begin()->first <= now_ms) roll(*due_.begin()->second, now_ms, out);
  forget_old(now_ms);
}

std::optional<std::int64_t> Aggregator::next_due() const {
  if (due_.empty()) return std::nullopt;
  return due_.begin()->first;
}

void Aggregator::reconfigure(const std::vector<config::Route>& routes, AggregatorLimits limits,
                             std::int64_t now_ms, Step& out) {
  limits_ = limits;
  std::vector<Slot*> ended;
  for (const auto& slot : groups_) {
    Slot& s = *slot;
    GroupState& g = s.state;
    const auto route = std::find_if(routes.begin(), routes.end(), [&](const config::Route& r) { return r.name == g.route; });
    const bool kept = route != routes.end() &&
                      std::find(route->receivers.begin(), route->receivers.end(), g.receiver) != route->receivers.end();
    if (!kept) {
      ended.push_back(&s);
      continue;
    }
    g.dedup = route->dedup;
    if (g.overflow) g.dedup.min_count = 1;
    // A shorter window applies from now; a longer one from the current window's end.
    g.window_end_ms = std::min(g.window_end_ms, now_ms + g.dedup.window.count());
    reschedule(s);
    mark(s);
  }
  for (Slot* s : ended) {
    GroupState& g = s->state;
    if (g.notified && g.pending > 0) out.notifications.push_back(notification(g, NotificationKind::summary));
    g.pending = g.notified ? 0 : g.pending;
    g.dedup.resolved = false;  // the route that asked for it is gone
    close(*s, now_ms, out);
  }
}

void Aggregator::flush(Step& out) {
  for (const auto& slot : groups_) {
    Slot& s = *slot;
    GroupState& g = s.state;
    if (g.pending == 0) continue;
    if (g.notified) {
      out.notifications.push_back(notification(g, NotificationKind::summary));
      s.event_unreported = true;
    } else {
      out.below_threshold += g.pending;
    }
    g.pending = 0;
    mark(s);
  }
}

std::uint64_t Aggregator::pending_events() const {
  std::uint64_t n = 0;
  for (const auto& s : groups_) n += s->state.pending;
  return n;
}

Notification Aggregator::notification(const GroupState& g, NotificationKind kind) const {
  Notification n;
  n.kind = kind;
  n.receiver = g.receiver;
  n.route = g.route;
  GroupEntry& e = n.groups.emplace_back();
  e.fingerprint = g.fingerprint;
  e.event = g.latest;
  e.total = g.total;
  e.window_ms = g.dedup.window.count();
  e.overflow = g.overflow;
  e.seen_before = g.seen_before;
  e.seen_before_since_ms = g.seen_before_since_ms;
  switch (kind) {
    case NotificationKind::resolved:
      e.count = 0;
      e.first_seen_ms = g.opened_ms;
      e.last_seen_ms = g.last_seen_ms;
      break;
    case NotificationKind::first:
      e.count = g.pending;
      e.first_seen_ms = g.opened_ms;
      e.last_seen_ms = g.last_seen_ms;
      break;
    default:
      e.count = g.pending;
      e.first_seen_ms = g.pending_first_ms;
      e.last_seen_ms = g.pending_last_ms;
      break;
  }
  return n;
}

AggregatorSnapshot Aggregator::snapshot() const {
  AggregatorSnapshot s;
  s.open.reserve(groups_.size());
  for (const auto& [t, slot] : due_) s.open.push_back(slot->state);
  for (const auto& [t, key] : closed_order_) {
    if (auto c = closed_.find(key); c != closed_.end() && c->second.closed_ms == t) s.closed.push_back(c->second);
  }
  return s;
}

void Aggregator::restore(AggregatorSnapshot s) {
  changed_.clear();
  dirty_.clear();
  groups_.clear();
  due_.clear();
  closed_.clear();
  closed_order_.clear();
  held_bytes_ = 0;
  for (auto& g : s.open) {
    const std::string& key = key_of(g.route, g.receiver, g.fingerprint);
    if (is_open(key)) continue;
    Slot& slot = insert_slot(key);
    std::shared_ptr<const Event> latest = std::move(g.latest);
    slot.state = std::move(g);
    hold(slot, std::move(latest));
    reschedule(slot);
  }
  for (auto& c : s.closed) {
    std::string key = key_of(c.route, c.receiver, c.fingerprint);
    if (is_open(key)) continue;
    closed_order_.emplace(c.closed_ms, key);
    closed_.insert_or_assign(std::move(key), std::move(c));
  }
}

GroupChangeView view_of(const GroupChange& c) {
  GroupChangeView v{c.route, c.receiver, c.fingerprint, c.open ? &*c.open : nullptr, c.closed ? &*c.closed : nullptr};
  if (c.open && c.open->latest) v.latest = &c.open->latest;
  return v;
}

void Aggregator::take_changes(GroupChangeSink& out) {
  // Groups that closed (or whose memory changed) since the last call, unless open again.
  for (const std::string& key : changed_) {
    if (is_open(key)) continue;  // reopened: its slot is dirty, given below
    const auto a = key.find('\x1f');
    const auto b = key.find('\x1f', a + 1);
    GroupChangeView v{std::string_view(key).substr(0, a), std::string_view(key).substr(a + 1, b - a - 1),
                      std::string_view(key).substr(b + 1)};
    if (auto m = closed_.find(key); m != closed_.end()) v.closed = &m->second;  // else gone: forget it
    out.changed(v);
  }
  changed_.clear();
  for (Slot* s : dirty_) {
    if (!s) continue;  // closed since it changed
    const GroupState& g = s->state;
    GroupChangeView v{g.route, g.receiver, g.fingerprint, &g};
    if (s->event_unreported && g.latest) v.latest = &g.latest;
    s->event_unreported = false;
    s->dirty_at = kClean;
    out.changed(v);
  }
  dirty_.clear();
}

}  // namespace erralert::core
