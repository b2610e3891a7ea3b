// SharedGroups: between the aggregator and the receivers in fleet mode, so the sidecars of many
// hosts send one `first` per group and window, and summaries that carry the fleet's count
// (CONTRACT.md section 8, "shared grouping").
//
//   SharedGroups groups(ex, fleet, clock, metrics, [&](Notification n) { receivers.at(n.receiver).deliver(n); },
//                       [&] { for (auto& r : receivers) r.flush(); });
//   co_spawn(ex, groups.run(), detached);
//   groups.submit(std::move(notification));   // what the local aggregator produced, in order
//
// Each sidecar still groups its own events (core::Aggregator). What it would send goes through
// the `report` script instead: the first sidecar to report a group owns it and sends, with what
// the others added; the others add their counts to the group for the owner to report. Every
// group a sidecar reported to is swept once a window (the `sweep` script): the owner reports
// what the others added since, and gives the group up once the fleet is quiet; anyone takes over
// a group whose owner's lease ran out. While the fleet is unreachable, notifications go out as
// this host counted them, marked so. Redis round trips are per notification and per group and
// window, never per event, and each batch of them is pipelined.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "erralert/cluster/fleet.hpp"
#include "erralert/core/clock.hpp"
#include "erralert/core/metrics.hpp"
#include "erralert/core/notification.hpp"
#include "erralert/net/signal.hpp"

namespace erralert::cluster {

class SharedGroups {
 public:
  using Deliver = std::function<void(core::Notification)>;
  using Flush = std::function<void()>;

  SharedGroups(const boost::asio::any_io_executor& ex, Fleet& fleet, const core::Clock& clock,
               core::Metrics& metrics, Deliver deliver, Flush flush);

  /// Takes a notification of the local aggregator; handled in the order given.
  void submit(core::Notification n);
  /// The loop that reports, sweeps and delivers; until stop() and nothing is left to report.
  boost::asio::awaitable<void> run();
  /// Ends run() once what was submitted is handled (sweeps stop at once).
  boost::asio::awaitable<void> stop();

  /// Groups this sidecar reported to and still watches; of them, the ones it owns.
  std::size_t watched() const { return watch_.size(); }
  std::size_t owned() const;

 private:
  struct Watch {
    std::string owner_key, counts_key;
    std::int64_t window_ms = 0;
    std::int64_t check_ms = 0;        ///< when to sweep next
    std::int64_t last_report_ms = 0;  ///< the local aggregator's last notification of it
    std::int64_t taken_since_ms = 0;  ///< what a sweep takes was counted since then
    std::int64_t opened_ms = 0;       ///< first seen, as far as this sidecar knows (for `resolved`)
    bool owner = false;
    bool resolve_on_release = false;  ///< its route wants `resolved` and the local group closed
    core::Notification last;          ///< the last notification of it, for what a sweep sends
  };

  /// One round trip: the notifications waiting, and the sweeps that are due.
  boost::asio::awaitable<void> turn();
  void handle_report(core::Notification n, const net::RedisReply* reply, std::int64_t now);
  void handle_sweep(const std::string& id, const net::RedisReply& reply, std::int64_t now);
  void send_alone(core::Notification n);
  Watch& watch(const core::Notification& n, std::int64_t now);
  /// The Redis keys of a notification's group: its owner's lease and its counts.
  std::pair<std::string, std::string> keys_of(const core::Notification& n) const;
  std::int64_t lease_ms(std::int64_t window_ms) const;
  std::int64_t next_sweep_ms() const;

  Fleet& fleet_;
  const core::Clock& clock_;
  Deliver deliver_;
  Flush flush_;
  std::deque<core::Notification> queue_;
  std::map<std::string, Watch> watch_;  // by route, receiver and fingerprint
  std::int64_t earliest_check_ms_ = INT64_MAX;  ///< no watch is due before this (it may be earlier)
  boost::asio::steady_timer wake_;
  net::Signal idle_;
  bool stopping_ = false;
  bool running_ = false;
  std::uint64_t& forwarded_;
  std::uint64_t& taken_;
  std::uint64_t& alone_;
};

}  // namespace erralert::cluster
