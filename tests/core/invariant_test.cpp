// The product invariant (CONTRACT.md section 5): every accepted, unsilenced, routed event is
// counted in exactly one delivered notification per receiver. A property test: random event
// streams through Pipeline and Aggregator, one Outbox and RetrySchedule per receiver driven as
// deliver/http_receiver.cpp's run() loop drives them, random platform answers (2xx, 429, 5xx,
// outages of up to an hour), reloads mid-stream, a simulated clock. Rerun one seed with
// ERRALERT_INVARIANT_SEED=<n>.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "erralert/core/aggregator.hpp"
#include "erralert/core/outbox.hpp"
#include "erralert/core/pipeline.hpp"
#include "erralert/core/retry_schedule.hpp"
#include "grouping_support.hpp"

namespace erralert::core {
namespace {

using namespace erralert::testing;
using std::chrono::milliseconds;

constexpr std::int64_t kT0 = 1'795'322'986'000;  // 2026-11-22T04:49:46Z
constexpr std::int64_t kNever = INT64_MAX;
/// Items of a group the outbox may hold beyond one per group and one per resolved: the head,
/// which is sent as it stands while its group's news waits behind it.
constexpr long kOutboxSlack = 1;

std::string key_of(const std::string& route, const std::string& fp) { return route + "\x1f" + fp; }

/// One receiver: its outbox and schedule, the platform's behaviour, and what the test counts.
struct Receiver {
  Receiver(const config::Receiver& cfg, std::size_t digest_groups)
      : name(cfg.name),
        platform(cfg.type == "discord" ? Platform::discord : cfg.type == "slack" ? Platform::slack : Platform::webhook),
        max_delay(cfg.max_delay),
        rate_limit(cfg.rate_limit),
        outbox({digest_groups}),
        schedule(windows_of(cfg.rate_limit), {cfg.retry_initial, cfg.retry_max, cfg.retry_for}) {}

  static std::vector<Window> windows_of(const std::vector<config::RateWindow>& rate_limit) {
    std::vector<Window> windows;
    for (const auto& w : rate_limit) windows.push_back({w.count, w.per});
    return windows;
  }

  std::string name;
  Platform platform;
  milliseconds max_delay;
  std::vector<config::RateWindow> rate_limit;
  Outbox outbox;
  RetrySchedule schedule;
  std::vector<std::pair<std::int64_t, std::int64_t>> outages;  ///< [from, to): every attempt fails

  bool sending = false;
  std::int64_t answer_at = kNever;
  std::uint64_t sent_count = 0;  ///< what the body in flight counts (rendered when sent)
  bool woken = false;          ///< a notification came while the loop slept
  std::int64_t wake_at = kNever;

  std::uint64_t admitted = 0;   ///< deliveries admitted for it
  std::uint64_t below = 0;      ///< of them, in groups that closed below min_count
  std::uint64_t delivered = 0;  ///< counted in notifications the platform took
  std::size_t delivered_notifications = 0;
  std::size_t max_outbox = 0;
  long max_over_groups = 0;  ///< the most items its outbox held beyond what note_size() allows
  std::string worst;         ///< what it held then
  std::size_t folds = 0;
  std::vector<std::int64_t> sends;
};

/// What the platform answers to a request sent at `now`.
struct Reply {
  Decision decision;
  std::optional<milliseconds> bucket_wait;
};

Reply answer(Receiver& r, std::int64_t now, std::mt19937& rng) {
  for (const auto& [from, to] : r.outages) {
    if (now >= from && now < to) {
      if (rng() % 2) return {classify_failure(Failure::network, "connection refused"), std::nullopt};
      return {classify_answer(r.platform, {503, {}, "down"}), std::nullopt};
    }
  }
  const unsigned roll = rng() % 100;
  Answer a;
  if (roll < 80) {
    a.status = r.platform == Platform::discord ? 204 : 200;
    if (r.platform == Platform::discord && rng() % 4 == 0) {
      a.headers = {{"x-ratelimit-remaining", "0"}, {"x-ratelimit-reset-after", std::to_string(rng() % 3) + ".5"}};
    }
  } else if (roll < 90) {
    a.status = 429;
    const std::string secs = std::to_string(1 + rng() % 5);
    if (r.platform == Platform::discord) {
      a.body = R"({"message": "You are being rate limited.", "retry_after": )" + secs + R"(.25, "global": false})";
    } else {
      a.headers = {{"retry-after", secs}};
    }
  } else {
    a.status = std::array{500, 502, 503}[rng() % 3];
  }
  Reply out{classify_answer(r.platform, a), std::nullopt};
  if (a.status < 300) out.bucket_wait = bucket_exhausted_wait({a.status, a.headers, {}});
  return out;
}

struct DedupChoice {
  int window_s;
  int min_count;
  bool resolved;
  std::string yaml() const {
    return "{window: " + std::to_string(window_s) + "s, min_count: " + std::to_string(min_count) +
           ", resolved: " + (resolved ? "true" : "false") + "}";
  }
};

/// One seed's world: two configs (before and after a reload), limits and the event stream's shape.
struct World {
  explicit World(std::mt19937& rng) {
    auto pick = [&](std::initializer_list<int> values) { return *(values.begin() + rng() % values.size()); };
    auto dedup = [&] { return DedupChoice{pick({1, 5, 30, 120}), pick({1, 1, 2, 3, 5}), rng() % 2 == 0}; };
    const std::string receivers =
        "receivers:\n"
        "  - {name: a, type: discord, url: 'https://discord.com/api/webhooks/1/x', max_delay: " +
        std::to_string(pick({2, 5, 30})) + "s}\n" +
        "  - {name: b, type: slack, url: 'https://hooks.slack.com/services/T/B/X', max_delay: " +
        std::to_string(pick({2, 10, 60})) + "s}\n" +
        "  - {name: c, type: webhook, url: 'http://127.0.0.1:9/hook', rate_limit: [{count: " +
        std::to_string(pick({1, 3, 5})) + ", per: " + std::to_string(pick({1, 5, 10})) +
        "s}], max_delay: " + std::to_string(pick({1, 5, 30})) + "s}\n";
    const DedupChoice pay = dedup(), fivexx = dedup(), rest = dedup(), pay2 = dedup();
    const bool fivexx_continues = rng() % 2 == 0;
    before = config_of(receivers + "routes:\n" +
                       "  - {name: pay, match: {service: 'pay-*'}, receivers: [a, b], continue: true, dedup: " +
                       pay.yaml() + "}\n" + "  - {name: fivexx, match: {status: 5xx}, receivers: [b, c], continue: " +
                       (fivexx_continues ? "true" : "false") + ", dedup: " + fivexx.yaml() + "}\n" +
                       "  - {name: rest, receivers: [a, c], dedup: " + rest.yaml() + "}\n");
    // The reload: pay stops sending to b, rest is renamed (its groups end), fivexx keeps going.
    after = config_of(receivers + "routes:\n" +
                      "  - {name: pay, match: {service: 'pay-*'}, receivers: [a], continue: true, dedup: " +
                      pay2.yaml() + "}\n" + "  - {name: fivexx, match: {status: 5xx}, receivers: [b, c], dedup: " +
                      fivexx.yaml() + "}\n" + "  - {name: rest2, receivers: [a, b, c], dedup: " + rest.yaml() +
                      "}\n");
    const std::size_t bytes = approx_bytes(*event_at(0));
    limits.max_open_groups = static_cast<std::size_t>(pick({6, 25, 100000}));
    if (rng() % 4 == 0) limits.max_group_bytes = 10 * bytes;
    events = 100 + rng() % 200;
    reload_at = rng() % 2 ? static_cast<int>(rng() % events) : -1;
  }

  config::Config before, after;
  AggregatorLimits limits;
  std::size_t events = 0;
  int reload_at = -1;  ///< the index of the event before which the config reloads; -1: never
};

class Simulation {
 public:
  explicit Simulation(unsigned seed) : rng_(seed), world_(rng_) {
    pipeline_ = std::make_unique<Pipeline>(world_.before);
    aggregator_.emplace(world_.limits);
    for (const auto& r : world_.before.receivers) {
      Receiver& rx = receivers_.try_emplace(r.name, r, 1 + rng_() % 5).first->second;
      for (unsigned i = rng_() % 3; i > 0; --i) {
        const std::int64_t from = kT0 + static_cast<std::int64_t>(rng_() % (90 * 60)) * 1000;
        rx.outages.push_back({from, from + (60 + static_cast<std::int64_t>(rng_() % 3540)) * 1000});
      }
    }
    std::int64_t t = kT0;
    for (std::size_t i = 0; i < world_.events; ++i) {
      const unsigned kind = rng_() % 10;
      t += kind < 6 ? rng_() % 200 : kind < 9 ? 500 + rng_() % 9500 : 30'000 + rng_() % 270'000;
      arrivals_.push_back(t);
    }
  }

  const std::map<std::string, Receiver>& receivers() const { return receivers_; }

  void run() {
    std::size_t next_event = 0;
    bool flushed = false;
    for (int guard = 0;; ++guard) {
      if (::testing::Test::HasFatalFailure()) return;
      ASSERT_LT(guard, 2'000'000) << "the simulation does not settle";
      // The next thing that happens.
      std::int64_t now = next_event < arrivals_.size() ? arrivals_[next_event] : kNever;
      if (const auto due = aggregator_->next_due()) now = std::min(now, *due + timer_lateness_);
      for (auto& [name, r] : receivers_) now = std::min({now, r.answer_at, r.wake_at});
      if (now == kNever) break;
      now_ = now;

      for (auto& [name, r] : receivers_) {
        if (r.sending && r.answer_at <= now) {
          apply_answer(r);
        }
      }
      if (const auto due = aggregator_->next_due(); due && *due + timer_lateness_ <= now) {
        tick_checked();  // the dispatcher's timer
        timer_lateness_ = rng_() % 4 == 0 ? rng_() % 3000 : 0;
      }
      while (next_event < arrivals_.size() && arrivals_[next_event] == now) {
        if (static_cast<int>(next_event) == world_.reload_at) reload();
        if (rng_() % 3) tick_checked();  // the dispatcher ticks before a batch; sometimes admit rolls instead
        admit(random_event());
        ++next_event;
      }
      if (next_event == arrivals_.size() && !flushed) {
        // A stop: the groups' counts go out now; then every window ends and everything is delivered.
        tick_checked();
        // What groups below min_count hold is counted below threshold by the stop.
        std::uint64_t unnotified = 0;
        for (const auto& g : aggregator_->snapshot().open) {
          if (!g.notified) {
            receivers_.at(g.receiver).below += g.pending;
            unnotified += g.pending;
          }
        }
        const std::uint64_t below_before = step_.below_threshold;
        aggregator_->flush(step_);
        ASSERT_EQ(step_.below_threshold - below_before, unnotified);
        deliver_step();
        for (const auto& g : aggregator_->snapshot().open) {
          ASSERT_FALSE(g.notified && g.pending > 0) << "flush left " << g.pending << " events of " << g.fingerprint;
        }
        flushed = true;
      }
      for (auto& [name, r] : receivers_) {
        if (r.woken || r.wake_at <= now) loop(r);
      }
    }
    finish();
  }

 private:
  Event random_event() {
    Event e;
    e.service = rng_() % 2 ? "pay-api" : "search";
    e.status = std::array{500, 502, 404}[rng_() % 3];
    e.code = "E" + std::to_string(e.status);
    e.message = "event " + std::to_string(serial_++);
    e.timestamp_ms = now_;
    e.fingerprint = {rng_() % 3 ? "small-" + std::to_string(rng_() % 3) : "large-" + std::to_string(rng_() % 60)};
    return e;
  }

  void admit(Event e) {
    auto outcome = pipeline_->process(std::move(e), silences_, now_);
    for (const auto& d : outcome.deliveries) {
      Receiver& r = receivers_.at(std::string(d.receiver));
      ++r.admitted;
      const std::uint64_t below = step_.below_threshold;
      aggregator_->admit(d, now_, step_);
      r.below += step_.below_threshold - below;  // admit closes only groups of d's receiver
      deliver_step();
    }
  }

  void reload() {
    const std::uint64_t below = step_.below_threshold;
    const auto before = aggregator_->snapshot().open;
    AggregatorLimits limits = world_.limits;
    limits.max_open_groups = limits.max_open_groups * 2;
    aggregator_->reconfigure(world_.after.routes, limits, now_, step_);
    attribute_below(before, below);
    deliver_step();
    old_pipelines_.push_back(std::move(pipeline_));  // deliveries made by it name its routes
    pipeline_ = std::make_unique<Pipeline>(world_.after);
    check_conservation();
  }

  /// tick(now), with what closed below min_count put down to each group's receiver.
  void tick_checked() {
    const auto due = aggregator_->next_due();
    if (!due || *due > now_) {
      aggregator_->tick(now_, step_);
      return;
    }
    const std::uint64_t below = step_.below_threshold;
    const auto before = aggregator_->snapshot().open;
    aggregator_->tick(now_, step_);
    attribute_below(before, below);
    deliver_step();
    check_conservation();
  }

  void attribute_below(const std::vector<GroupState>& before, std::uint64_t below_before) {
    std::set<std::string> open;
    for (const auto& g : aggregator_->snapshot().open) open.insert(g.route + '\x1f' + g.receiver + '\x1f' + g.fingerprint);
    std::uint64_t sum = 0;
    for (const auto& g : before) {
      if (g.notified || open.contains(g.route + '\x1f' + g.receiver + '\x1f' + g.fingerprint)) continue;
      receivers_.at(g.receiver).below += g.pending;
      sum += g.pending;
    }
    EXPECT_EQ(sum, step_.below_threshold - below_before) << "below_threshold is what closed unnotified groups held";
  }

  /// Every admitted event is somewhere, once: delivered, waiting, pending in a group or below threshold.
  void check_conservation() {
    std::map<std::string, std::uint64_t> pending;
    for (const auto& g : aggregator_->snapshot().open) pending[g.receiver] += g.pending;
    for (auto& [name, r] : receivers_) {
      ASSERT_EQ(r.admitted, r.delivered + r.outbox.events() + pending[name] + r.below)
          << "receiver " << name << " at " << now_ - kT0 << " ms";
    }
  }

  void deliver_step() {
    for (auto& n : step_.notifications) {
      Receiver& r = receivers_.at(n.receiver);
      r.outbox.push(std::move(n), now_);  // HttpReceiver::accept
      if (!r.sending) r.woken = true;
      note_size(r);
    }
    step_.notifications.clear();
  }

  /// The backlog grows with groups, not events: beside digests, the outbox holds one item per
  /// group, plus what a group said after a `resolved` of it (which never merges) and the head.
  void note_size(Receiver& r) {
    r.max_outbox = std::max(r.max_outbox, r.outbox.size());
    std::map<std::string, long> items, resolved;
    for (const auto& item : r.outbox.items()) {
      if (!item.notification || item.notification->kind == NotificationKind::digest) continue;
      const Notification& n = *item.notification;
      auto& per = n.kind == NotificationKind::resolved ? resolved : items;
      ++per[key_of(n.route, n.groups.front().fingerprint)];
    }
    long over = 0;
    for (const auto& [key, n] : items) over += std::max(0L, n - 1 - resolved[key]);
    if (over <= r.max_over_groups) return;
    r.max_over_groups = over;
    r.worst = "at " + std::to_string(now_ - kT0) + " ms:";
    for (const auto& item : r.outbox.items()) {
      r.worst += "\n  " + std::string(item.kind()) + " made at " + std::to_string(item.attempt.created_ms - kT0);
      if (!item.notification) continue;
      r.worst += " " + item.notification->route;
      for (const auto& g : item.notification->groups) r.worst += " " + g.fingerprint.substr(0, 6) + "x" + std::to_string(g.count);
    }
  }

  /// One turn of HttpReceiver::State::run(): fold, then send the head when it is due.
  void loop(Receiver& r) {
    r.woken = false;
    r.wake_at = kNever;
    if (r.sending || r.outbox.empty()) return;
    const std::int64_t last_due = r.schedule.projected_due(r.outbox.front().attempt, r.outbox.size() - 1, now_,
                                                           now_ + r.max_delay.count());
    if (!r.outbox.fold_if_late(last_due, r.max_delay).empty()) ++r.folds;
    note_size(r);
    if (const std::int64_t due = r.schedule.due(r.outbox.front().attempt, now_); due > now_) {
      r.wake_at = due;
      return;
    }
    r.schedule.sent(now_);
    r.sends.push_back(now_);
    r.sending = true;
    r.outbox.set_in_flight(true);
    r.sent_count = r.outbox.front().count();
    r.answer_at = now_ + 20 + rng_() % 400;
  }

  /// HttpReceiver::State::apply(), then the loop goes round again.
  void apply_answer(Receiver& r) {
    r.sending = false;
    r.answer_at = kNever;
    const Reply a = answer(r, now_, rng_);
    Outbox::Item& head = r.outbox.front();
    ASSERT_EQ(head.count(), r.sent_count) << "receiver " << r.name << ": the head changed while in flight";
    const auto step = r.schedule.after(head.attempt, a.decision, a.bucket_wait, now_,
                                       std::uniform_real_distribution<double>(0.0, 1.0)(rng_));
    switch (step) {
      case RetrySchedule::Step::done:
        r.delivered += r.sent_count;
        ++r.delivered_notifications;
        r.outbox.pop_front();
        break;
      case RetrySchedule::Step::again: r.outbox.set_in_flight(false); break;
      case RetrySchedule::Step::dead:
      case RetrySchedule::Step::disable: FAIL() << "receiver " << r.name << ": a notification was dead-lettered";
    }
    loop(r);
  }

  void finish() {
    ASSERT_EQ(aggregator_->open_groups(), 0u);
    for (auto& [name, r] : receivers_) {
      SCOPED_TRACE("receiver " + name);
      EXPECT_TRUE(r.outbox.empty());
      EXPECT_LE(r.max_over_groups, kOutboxSlack) << "the backlog grows with groups, not events; " << r.worst;
      EXPECT_EQ(r.delivered + r.below, r.admitted) << "every event counted in exactly one delivered notification";
      // Sends kept every pacing window: at most `count` in any span of `per`.
      for (const auto& w : r.rate_limit) {
        for (std::size_t i = 0; i + w.count < r.sends.size(); ++i) {
          ASSERT_GE(r.sends[i + w.count] - r.sends[i], w.per.count())
              << w.count << " per " << w.per.count() << " ms broken at send " << i;
        }
      }
    }
  }

  std::mt19937 rng_;
  World world_;
  std::unique_ptr<Pipeline> pipeline_;
  std::vector<std::unique_ptr<Pipeline>> old_pipelines_;
  std::optional<Aggregator> aggregator_;
  Aggregator::Step step_;
  SilenceSet silences_;
  std::map<std::string, Receiver> receivers_;
  std::vector<std::int64_t> arrivals_;
  std::int64_t now_ = kT0;
  std::int64_t timer_lateness_ = 0;
  std::uint64_t serial_ = 0;
};

TEST(Invariant, EveryRoutedEventIsCountedInExactlyOneDeliveredNotificationPerReceiver) {
  std::vector<unsigned> seeds;
  if (const char* one = std::getenv("ERRALERT_INVARIANT_SEED")) {
    seeds.push_back(static_cast<unsigned>(std::strtoul(one, nullptr, 10)));
  } else {
    for (unsigned s = 1; s <= 200; ++s) seeds.push_back(s);
  }
  std::uint64_t delivered = 0, below = 0, folds = 0, notifications = 0;
  for (const unsigned seed : seeds) {
    SCOPED_TRACE("seed " + std::to_string(seed) + " (rerun: ERRALERT_INVARIANT_SEED=" + std::to_string(seed) + ")");
    Simulation sim(seed);
    sim.run();
    for (const auto& [name, r] : sim.receivers()) {
      delivered += r.delivered;
      below += r.below;
      folds += r.folds;
      notifications += r.delivered_notifications;
    }
    if (HasFailure()) break;
  }
  // The property is only worth as much as what it exercised.
  EXPECT_GT(folds, 0u) << "no digest was ever made";
  EXPECT_GT(below, 0u) << "no group ever closed below min_count";
  EXPECT_LT(notifications, delivered) << "grouping never merged anything";
}

}  // namespace
}  // namespace erralert::core
