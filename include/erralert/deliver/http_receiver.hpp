// HttpReceiver: delivers one receiver's notifications over HTTPS, in order, from its spool,
// paced, retried and dead-lettered as CONTRACT.md section 5 says. What waits sits in a
// core::Outbox: a group's next notification merges into the waiting one, and what would wait
// past max_delay folds into a digest. Notifications are rendered when they are sent.
//
//   auto r = std::make_unique<HttpReceiver>(cfg, ctx, *core::find_platform("discord"));
//   r->deliver(std::move(n));   // recorded in the store now, sent when the pacer allows
#pragma once

#include <memory>
#include <string>

#include "erralert/core/platform.hpp"
#include "erralert/deliver/receiver.hpp"

namespace erralert::deliver {

class HttpReceiver final : public Receiver {
 public:
  /// Takes `backlog` (what an earlier run or a predecessor left, from the store) and starts the
  /// delivery loop. ctx.store must be set.
  HttpReceiver(const config::Receiver& cfg, const ReceiverContext& ctx, const core::PlatformInfo& platform,
               std::vector<core::Outbox::Item> backlog = {});
  /// Stops the loop; what is undelivered stays in the store.
  ~HttpReceiver() override;

  const std::string& name() const override;
  void deliver(core::Notification n) override;
  void flush() override {}
  std::size_t queue_depth() const override;
  std::uint64_t backlog_events() const override;
  ReceiverState state() const override;
  std::string state_reason() const override;
  std::string last_error() const override;
  std::optional<std::chrono::milliseconds> next_attempt_in() const override;
  std::vector<core::Outbox::Item> take_backlog() override;
  std::size_t compact() override;
  boost::asio::awaitable<void> drain(std::chrono::steady_clock::time_point deadline) override;

  struct State;

 private:
  std::shared_ptr<State> state_;  // shared with the delivery coroutine, which may outlive us
};

}  // namespace erralert::deliver
