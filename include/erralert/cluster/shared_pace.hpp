// FleetPace: deliver::SharedPace on the fleet's Redis, so every sidecar sending to one webhook
// spends one budget (CONTRACT.md section 8, "shared pacing").
//
//   FleetPace pace(fleet);
//   ReceiverContext ctx{...}; ctx.shared_pace = &pace;
//   auto wait = co_await pace.acquire(id, cfg.rate_limit);   // 0: send now; nullopt: pace alone
//
// Each attempt is one `pace` script call: sliding windows kept in a sorted set per webhook, on
// Redis's clock. A platform's wait (429, exhausted bucket) is a `hold` every sidecar honours.
#pragma once

#include <cstdint>
#include <string>

#include "erralert/cluster/fleet.hpp"
#include "erralert/deliver/receiver.hpp"

namespace erralert::cluster {

class FleetPace final : public deliver::SharedPace {
 public:
  FleetPace(const boost::asio::any_io_executor& ex, Fleet& fleet) : ex_(ex), fleet_(fleet) {}

  boost::asio::awaitable<std::optional<std::chrono::milliseconds>> acquire(
      const std::string& pace_id, const std::vector<config::RateWindow>& windows) override;
  void hold(const std::string& pace_id, std::chrono::milliseconds wait) override;

 private:
  boost::asio::any_io_executor ex_;
  Fleet& fleet_;
  std::uint64_t sequence_ = 0;  // makes each send a distinct member of the sorted set
};

}  // namespace erralert::cluster
