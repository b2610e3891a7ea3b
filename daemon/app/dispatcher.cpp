// Dispatcher: intake queue -> pipeline -> aggregator -> receivers, and the aggregator's timer.
#include "erralert/app/dispatcher.hpp"

#include <chrono>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace erralert::app {

namespace asio = boost::asio;

namespace {
constexpr std::size_t kBatch = 256;  // events per dispatcher turn before yielding to I/O
}  // namespace

core::AggregatorLimits aggregator_limits(const config::Config& cfg) {
  core::AggregatorLimits limits;
  limits.max_open_groups = cfg.limits.max_open_groups;
  limits.max_group_bytes = cfg.limits.max_group_bytes;
  return limits;
}

Dispatcher::Dispatcher(const asio::any_io_executor& ex, Intake& intake, core::Metrics& metrics,
                       const core::Clock& clock, const config::Config& cfg, const core::SilenceSet& silences,
                       ReceiverMap& receivers)
    : intake_(intake),
      metrics_(metrics),
      clock_(clock),
      silences_(silences),
      receivers_(receivers),
      pipeline_(std::make_unique<core::Pipeline>(cfg)),
      aggregator_(aggregator_limits(cfg)),
      tick_timer_(ex),
      finished_(ex),
      silenced_(metrics.counter("events_silenced_total")),
      unrouted_(metrics.counter("events_unrouted_total")),
      deduplicated_(metrics.counter("events_deduplicated_total")),
      overflowed_(metrics.counter("groups_overflow_total")),
      below_threshold_(metrics.counter("events_below_threshold_total")) {
  metrics.gauge("groups_open", {}, [this] { return static_cast<double>(aggregator_.open_groups()); });
}

void Dispatcher::dispatch(core::Event&& e, std::int64_t now_ms) {
  auto outcome = pipeline_->process(std::move(e), silences_, now_ms);
  switch (outcome.fate) {
    case core::Pipeline::Fate::silenced: ++silenced_; return;
    case core::Pipeline::Fate::unrouted: ++unrouted_; return;
    case core::Pipeline::Fate::routed: break;
  }
  for (const auto& d : outcome.deliveries) aggregator_.admit(d, now_ms, step_);
}

void Dispatcher::deliver(core::Aggregator::Step& step) {
  deduplicated_ += step.deduplicated;
  overflowed_ += step.overflowed;
  below_threshold_ += step.below_threshold;
  for (auto& n : step.notifications) {
    if (divert_) {
      divert_(std::move(n));
    } else {
      hand_to_receiver(std::move(n));
    }
  }
  step = {};
  if (!divert_) flush_receivers();
  if (changed_) changed_();
}

void Dispatcher::hand_to_receiver(core::Notification n) {
  auto it = receivers_.find(n.receiver);
  if (it == receivers_.end()) {
    // Routes name only configured receivers, so this is a bug; say so rather than lose it unseen.
    ++metrics_.counter("notifications_dropped_total", {{"receiver", n.receiver}});
    spdlog::error("no receiver {} for a {} notification of {} events; dropped", n.receiver, core::to_string(n.kind),
                  n.total_count());
    return;
  }
  it->second->deliver(std::move(n));
}

void Dispatcher::flush_receivers() {
  for (auto& [name, r] : receivers_) r->flush();
}

void Dispatcher::rearm() {
  const auto due = aggregator_.next_due();
  if (due && *due < armed_for_ms_) tick_timer_.cancel();  // tick_loop sets it again
}

asio::awaitable<void> Dispatcher::tick_loop() {
  while (!stopped_) {
    const auto due = aggregator_.next_due();
    armed_for_ms_ = due.value_or(INT64_MAX);
    if (due) {
      tick_timer_.expires_after(std::chrono::milliseconds(std::max<std::int64_t>(*due - clock_.now_ms(), 0)));
    } else {
      tick_timer_.expires_at(asio::steady_timer::time_point::max());
    }
    auto [ec] = co_await tick_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (stopped_) break;
    if (ec) continue;  // re-armed for an earlier group
    aggregator_.tick(clock_.now_ms(), step_);
    deliver(step_);
  }
}

asio::awaitable<void> Dispatcher::run() {
  running_ = true;
  asio::co_spawn(tick_timer_.get_executor(), tick_loop(), asio::detached);
  for (;;) {
    co_await intake_.events();
    if (intake_.empty()) break;  // stopping, and nothing is left
    const std::int64_t now = clock_.now_ms();
    aggregator_.tick(now, step_);  // windows that ended before these events arrived end first
    for (std::size_t i = 0; i < kBatch && !intake_.empty(); ++i) {
      dispatch(std::move(intake_.front()), now);
      intake_.pop();
    }
    deliver(step_);
    rearm();
    intake_.consumed();
    if (!intake_.empty()) co_await asio::post(tick_timer_.get_executor(), asio::use_awaitable);  // let I/O in
  }
  // Stopping: what the groups counted since their last notification goes out now, so no
  // count waits in memory when the process ends.
  stopped_ = true;
  tick_timer_.cancel();
  aggregator_.tick(clock_.now_ms(), step_);
  aggregator_.flush(step_);
  deliver(step_);
  running_ = false;
  finished_.notify();
}

asio::awaitable<void> Dispatcher::done() {
  while (running_) co_await finished_.wait();
}

void Dispatcher::restore(core::AggregatorSnapshot groups, const config::Config& cfg) {
  aggregator_.restore(std::move(groups));
  aggregator_.reconfigure(cfg.routes, aggregator_limits(cfg), clock_.now_ms(), step_);
  aggregator_.tick(clock_.now_ms(), step_);  // windows that ended while erralertd was stopped
  deliver(step_);
}

void Dispatcher::reconfigure(const config::Config& cfg) {
  auto pipeline = std::make_unique<core::Pipeline>(cfg);
  aggregator_.reconfigure(cfg.routes, aggregator_limits(cfg), clock_.now_ms(), step_);
  deliver(step_);
  pipeline_ = std::move(pipeline);
  rearm();
}

}  // namespace erralert::app
