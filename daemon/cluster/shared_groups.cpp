// SharedGroups: the report and sweep scripts around the local aggregator's notifications.
#include "erralert/cluster/shared_groups.hpp"

#include <algorithm>
#include <tuple>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace erralert::cluster {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

constexpr std::size_t kMaxBatch = 512;   // notifications per round trip
constexpr std::size_t kMaxSweeps = 512;  // sweeps per round trip
constexpr std::int64_t kCountsLifeMs = 25LL * 3600 * 1000;  // what no one has reported yet, at most

/// The three integers a report or sweep answers; nullopt for another reply (a failed script).
std::optional<std::array<std::int64_t, 3>> verdict(const net::RedisReply& r) {
  if (r.type != net::RedisReply::Type::array || r.elements.size() != 3) return std::nullopt;
  std::array<std::int64_t, 3> v{};
  for (std::size_t i = 0; i < 3; ++i) {
    if (r.elements[i].type != net::RedisReply::Type::integer) return std::nullopt;
    v[i] = r.elements[i].integer;
  }
  return v;
}

std::string id_of(const core::Notification& n) {
  return n.route + '\x1f' + n.receiver + '\x1f' + n.groups.front().fingerprint;
}

/// Sweeps wait past the window's end a little, so the local aggregator's own summary of the
/// window (a report) comes first and the sweep finds only what the others added.
std::int64_t grace_ms(std::int64_t window_ms) { return std::max<std::int64_t>(window_ms / 10, 1000); }

}  // namespace

SharedGroups::SharedGroups(const asio::any_io_executor& ex, Fleet& fleet, const core::Clock& clock,
                           core::Metrics& metrics, Deliver deliver, Flush flush)
    : fleet_(fleet),
      clock_(clock),
      deliver_(std::move(deliver)),
      flush_(std::move(flush)),
      wake_(ex),
      idle_(ex),
      forwarded_(metrics.counter("cluster_events_forwarded_total")),
      taken_(metrics.counter("cluster_events_taken_total")),
      alone_(metrics.counter("cluster_notifications_alone_total")) {
  metrics.gauge("cluster_groups", {{"role", "owner"}}, [this] { return static_cast<double>(owned()); });
  metrics.gauge("cluster_groups", {{"role", "watcher"}},
                [this] { return static_cast<double>(watch_.size() - owned()); });
}

std::size_t SharedGroups::owned() const {
  return static_cast<std::size_t>(std::count_if(watch_.begin(), watch_.end(), [](const auto& w) { return w.second.owner; }));
}

std::int64_t SharedGroups::lease_ms(std::int64_t window_ms) const {
  // Renewed at every report and every sweep (window + grace apart), so a live owner keeps it.
  return window_ms + 2 * grace_ms(window_ms) + 1000;
}

void SharedGroups::submit(core::Notification n) {
  queue_.push_back(std::move(n));
  wake_.cancel();
}

std::pair<std::string, std::string> SharedGroups::keys_of(const core::Notification& n) const {
  const std::string& fp = n.groups.front().fingerprint;
  return {fleet_.key({"g", n.route, n.receiver, fp, "owner"}), fleet_.key({"g", n.route, n.receiver, fp, "n"})};
}

std::int64_t SharedGroups::next_sweep_ms() const { return earliest_check_ms_; }

SharedGroups::Watch& SharedGroups::watch(const core::Notification& n, std::int64_t now) {
  const core::GroupEntry& g = n.groups.front();
  auto [it, inserted] = watch_.try_emplace(id_of(n));
  Watch& w = it->second;
  if (inserted) {
    std::tie(w.owner_key, w.counts_key) = keys_of(n);
    w.taken_since_ms = now;
    w.opened_ms = g.first_seen_ms;
  }
  w.window_ms = std::max<std::int64_t>(g.window_ms, 1000);
  w.last_report_ms = now;
  w.resolve_on_release = false;  // the local group is counting again
  w.check_ms = now + w.window_ms + grace_ms(w.window_ms);
  earliest_check_ms_ = std::min(earliest_check_ms_, w.check_ms);
  w.last = n;
  return w;
}

void SharedGroups::send_alone(core::Notification n) {
  if (n.kind != core::NotificationKind::resolved) {
    ++alone_;
    for (auto& g : n.groups) g.host_only = true;
  }
  deliver_(std::move(n));
}

void SharedGroups::handle_report(core::Notification n, const net::RedisReply* reply, std::int64_t now) {
  const auto v = reply ? verdict(*reply) : std::nullopt;
  if (!v) {
    send_alone(std::move(n));
    return;
  }
  const auto [role, taken, total] = *v;
  Watch& w = watch(n, now);
  core::GroupEntry& g = n.groups.front();
  if (role == scripts::other) {
    w.owner = false;
    forwarded_ += g.count;
    return;  // the owner reports it, with the fleet's count
  }
  w.owner = true;
  g.count += static_cast<std::uint64_t>(std::max<std::int64_t>(taken, 0));
  g.total = static_cast<std::uint64_t>(std::max<std::int64_t>(total, 0));
  if (taken > 0) {
    taken_ += static_cast<std::uint64_t>(taken);
    g.first_seen_ms = std::min(g.first_seen_ms, w.taken_since_ms);
  }
  w.taken_since_ms = now;
  w.last = n;
  deliver_(std::move(n));
}

void SharedGroups::handle_sweep(const std::string& id, const net::RedisReply& reply, std::int64_t now) {
  auto it = watch_.find(id);
  if (it == watch_.end()) return;
  Watch& w = it->second;
  const auto v = verdict(reply);
  if (!v) {
    w.check_ms = now + w.window_ms;
    earliest_check_ms_ = std::min(earliest_check_ms_, w.check_ms);
    return;
  }
  const auto [role, taken, total] = *v;
  if (role == scripts::gone) {
    watch_.erase(it);
    return;
  }
  if (role == scripts::released) {
    if (w.resolve_on_release && !w.last.groups.empty()) {
      core::Notification n = w.last;
      n.kind = core::NotificationKind::resolved;
      core::GroupEntry& g = n.groups.front();
      g.count = 0;
      g.total = static_cast<std::uint64_t>(std::max<std::int64_t>(total, 0));
      g.first_seen_ms = w.opened_ms;
      g.seen_before = 0;
      deliver_(std::move(n));
    }
    watch_.erase(it);
    return;
  }
  w.check_ms = now + w.window_ms + grace_ms(w.window_ms);
  earliest_check_ms_ = std::min(earliest_check_ms_, w.check_ms);
  w.owner = role != scripts::other;
  if (taken <= 0 || w.last.groups.empty()) return;
  // What the others counted since this sidecar last reported: a summary of its own.
  core::Notification n = w.last;
  n.kind = core::NotificationKind::summary;
  core::GroupEntry& g = n.groups.front();
  g.count = static_cast<std::uint64_t>(taken);
  g.total = static_cast<std::uint64_t>(std::max<std::int64_t>(total, 0));
  g.first_seen_ms = w.taken_since_ms;
  g.last_seen_ms = now;
  g.seen_before = 0;
  g.host_only = false;
  taken_ += static_cast<std::uint64_t>(taken);
  w.taken_since_ms = now;
  w.last = n;
  deliver_(std::move(n));
}

asio::awaitable<void> SharedGroups::turn() {
  const std::int64_t now = clock_.now_ms();
  // What this turn does, in order: a notification with its call (or none), or a sweep.
  struct Step {
    std::optional<core::Notification> notification;
    std::string sweep;  // the watched group's id
    std::optional<std::size_t> call;
  };
  std::vector<Step> steps;
  std::vector<ScriptCall> calls;
  for (std::size_t i = 0; i < kMaxBatch && !queue_.empty(); ++i) {
    core::Notification n = std::move(queue_.front());
    queue_.pop_front();
    Step& s = steps.emplace_back();
    if (n.groups.size() != 1 || n.kind == core::NotificationKind::digest) {
      s.notification = std::move(n);  // not one group's: as it is (the aggregator makes none)
      continue;
    }
    if (n.kind == core::NotificationKind::resolved) {
      // The fleet's group closes when its owner gives it up, not when one host goes quiet.
      auto w = watch_.find(id_of(n));
      if (w != watch_.end()) w->second.resolve_on_release = true;
      if (fleet_.mode() == Mode::alone) s.notification = std::move(n);
      continue;
    }
    const std::int64_t window = std::max<std::int64_t>(n.groups.front().window_ms, 1000);
    auto [owner_key, counts_key] = keys_of(n);
    s.call = calls.size();
    calls.push_back({&scripts::report,
                     {std::move(owner_key), std::move(counts_key)},
                     {fleet_.instance(), std::to_string(lease_ms(window)), std::to_string(n.groups.front().count),
                      std::to_string(std::max(kCountsLifeMs, 4 * lease_ms(window)))}});
    s.notification = std::move(n);
  }
  if (!stopping_ && earliest_check_ms_ <= now) {
    // One pass finds what is due and the next due time after it.
    earliest_check_ms_ = INT64_MAX;
    for (auto& [id, w] : watch_) {
      if (w.check_ms > now || calls.size() >= kMaxBatch + kMaxSweeps) {
        earliest_check_ms_ = std::min(earliest_check_ms_, w.check_ms);
        continue;
      }
      const bool quiet = now - w.last_report_ms >= w.window_ms;  // the local group had nothing new
      Step& s = steps.emplace_back();
      s.sweep = id;
      s.call = calls.size();
      calls.push_back({&scripts::sweep, {w.owner_key, w.counts_key},
                       {fleet_.instance(), std::to_string(lease_ms(w.window_ms)), quiet ? "1" : "0"}});
      w.check_ms = INT64_MAX;  // in flight; set again by its answer
    }
  }
  std::optional<std::vector<net::RedisReply>> replies;
  if (!calls.empty()) replies = co_await fleet_.eval(std::move(calls));
  const std::int64_t answered = clock_.now_ms();
  for (Step& s : steps) {
    const net::RedisReply* reply = replies && s.call && *s.call < replies->size() ? &(*replies)[*s.call] : nullptr;
    if (!s.sweep.empty()) {
      if (reply) {
        handle_sweep(s.sweep, *reply, answered);
      } else if (auto w = watch_.find(s.sweep); w != watch_.end()) {
        w->second.check_ms = answered + w->second.window_ms;  // alone: look again a window later
        earliest_check_ms_ = std::min(earliest_check_ms_, w->second.check_ms);
      }
      continue;
    }
    if (!s.notification) continue;
    if (!s.call) {
      deliver_(std::move(*s.notification));
    } else {
      handle_report(std::move(*s.notification), reply, answered);
    }
  }
  flush_();
}

asio::awaitable<void> SharedGroups::run() {
  running_ = true;
  while (!stopping_ || !queue_.empty()) {
    if (queue_.empty()) {
      const std::int64_t next = next_sweep_ms();
      const std::int64_t now = clock_.now_ms();
      if (next > now) {
        if (next == INT64_MAX) {
          wake_.expires_at(asio::steady_timer::time_point::max());
        } else {
          wake_.expires_after(milliseconds(next - now));
        }
        co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
    }
    co_await turn();
  }
  running_ = false;
  idle_.notify();
}

asio::awaitable<void> SharedGroups::stop() {
  stopping_ = true;
  wake_.cancel();
  while (running_) co_await idle_.wait();
}

}  // namespace erralert::cluster
