// Dispatcher: takes events off the intake queue, runs them through the pipeline and the
// aggregator, and hands the notifications to their receivers; owns the aggregator's timer.
//
//   Dispatcher d(ex, intake, metrics, clock, cfg, silences, receivers);
//   co_spawn(ex, d.run(), detached);   // until intake.stop() and the queue is empty
//   d.reconfigure(next_cfg);           // on reload: no open group lost, nothing sent again
//
// Single-threaded, on the io thread: the pipeline and aggregator are pure, time comes from the
// injected clock, and the only timer is armed at Aggregator::next_due().
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "erralert/app/intake.hpp"
#include "erralert/config/config.hpp"
#include "erralert/core/aggregator.hpp"
#include "erralert/core/clock.hpp"
#include "erralert/core/metrics.hpp"
#include "erralert/core/pipeline.hpp"
#include "erralert/core/silence.hpp"
#include "erralert/deliver/receiver.hpp"
#include "erralert/net/signal.hpp"

namespace erralert::app {

using ReceiverMap = std::map<std::string, std::unique_ptr<deliver::Receiver>, std::less<>>;

class Dispatcher {
 public:
  Dispatcher(const boost::asio::any_io_executor& ex, Intake& intake, core::Metrics& metrics,
             const core::Clock& clock, const config::Config& cfg, const core::SilenceSet& silences,
             ReceiverMap& receivers);

  /// The dispatch loop: until the intake is stopped and empty; then a summary of every count
  /// still in memory goes to its receiver.
  boost::asio::awaitable<void> run();
  /// Resolves once run() has ended.
  boost::asio::awaitable<void> done();

  /// A reloaded config's routes and limits: groups of surviving routes go on under their new
  /// settings, the others end with a summary of what they hold.
  void reconfigure(const config::Config& cfg);

  /// At start, before run(): the groups the store kept. Groups of routes the config no longer
  /// has end now with a summary of what they hold; the others resume their windows.
  void restore(core::AggregatorSnapshot groups, const config::Config& cfg);
  /// What changed in the groups since the last call, for the store.
  void take_group_changes(core::GroupChangeSink& out) { aggregator_.take_changes(out); }

  /// Fleet mode: what the aggregator produces goes to `divert` (the fleet's shared groups)
  /// instead of straight to the receivers; it hands them on with hand_to_receiver().
  void divert_to(std::function<void(core::Notification)> divert) { divert_ = std::move(divert); }
  /// Called after each batch of events, tick, flush or reload has changed the groups (the
  /// store commits what changed: StateStore::wake).
  void on_change(std::function<void()> changed) { changed_ = std::move(changed); }
  /// Gives `n` to its receiver (counted and logged when it has none).
  void hand_to_receiver(core::Notification n);
  /// Pushes out what the receivers buffered.
  void flush_receivers();

  std::size_t open_groups() const { return aggregator_.open_groups(); }
  /// Events counted in open groups that no notification accounts for yet.
  std::uint64_t pending_events() const { return aggregator_.pending_events(); }

 private:
  void dispatch(core::Event&& e, std::int64_t now_ms);
  /// Hands what the aggregator produced to the receivers and counts it.
  void deliver(core::Aggregator::Step& step);
  boost::asio::awaitable<void> tick_loop();
  /// Moves the tick timer when the aggregator's next due time is earlier than it is set for.
  void rearm();

  Intake& intake_;
  core::Metrics& metrics_;
  const core::Clock& clock_;
  const core::SilenceSet& silences_;
  ReceiverMap& receivers_;
  std::unique_ptr<core::Pipeline> pipeline_;
  core::Aggregator aggregator_;
  core::Aggregator::Step step_;  // reused, so its vector keeps its capacity
  boost::asio::steady_timer tick_timer_;
  std::int64_t armed_for_ms_ = INT64_MAX;
  bool running_ = false;
  bool stopped_ = false;
  net::Signal finished_;
  std::function<void(core::Notification)> divert_;
  std::function<void()> changed_;
  std::uint64_t& silenced_;
  std::uint64_t& unrouted_;
  std::uint64_t& deduplicated_;
  std::uint64_t& overflowed_;
  std::uint64_t& below_threshold_;
};

/// The aggregator limits a config asks for.
core::AggregatorLimits aggregator_limits(const config::Config& cfg);

}  // namespace erralert::app
