// FleetPace: the pace and hold scripts for one webhook's shared budget.
#include "erralert/cluster/shared_pace.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

namespace erralert::cluster {

namespace asio = boost::asio;
using std::chrono::milliseconds;

asio::awaitable<std::optional<milliseconds>> FleetPace::acquire(const std::string& pace_id,
                                                                const std::vector<config::RateWindow>& windows) {
  ScriptCall call{&scripts::pace, {fleet_.key({"pace", pace_id}), fleet_.key({"hold", pace_id})}, {}};
  call.args.push_back(fleet_.instance() + ":" + std::to_string(++sequence_));
  for (const auto& w : windows) {
    call.args.push_back(std::to_string(w.count));
    call.args.push_back(std::to_string(w.per.count()));
  }
  std::vector<ScriptCall> calls;  // named before co_await: GCC 12 and braced lists there
  calls.push_back(std::move(call));
  auto replies = co_await fleet_.eval(std::move(calls));
  if (!replies || replies->size() != 1 || (*replies)[0].type != net::RedisReply::Type::integer) co_return std::nullopt;
  co_return milliseconds(std::max<std::int64_t>((*replies)[0].integer, 0));
}

void FleetPace::hold(const std::string& pace_id, milliseconds wait) {
  if (wait.count() <= 0 || fleet_.mode() == Mode::alone) return;
  ScriptCall call{&scripts::hold, {fleet_.key({"hold", pace_id})}, {std::to_string(wait.count())}};
  asio::co_spawn(
      ex_,
      [this, call = std::move(call)]() mutable -> asio::awaitable<void> {
        std::vector<ScriptCall> calls;
        calls.push_back(std::move(call));
        co_await fleet_.eval(std::move(calls));
      },
      asio::detached);
}

}  // namespace erralert::cluster
