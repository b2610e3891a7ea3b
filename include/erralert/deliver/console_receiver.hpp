// ConsoleReceiver: one line per notification on standard output; the default receiver.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>

#include "erralert/deliver/receiver.hpp"

namespace erralert::deliver {

class ConsoleReceiver final : public Receiver {
 public:
  ConsoleReceiver(std::string name, std::FILE* out, core::Metrics& metrics);

  const std::string& name() const override { return name_; }
  void deliver(core::Notification n) override;
  void flush() override;
  std::size_t queue_depth() const override { return 0; }
  std::uint64_t backlog_events() const override { return 0; }
  ReceiverState state() const override { return ReceiverState::ready; }
  std::string state_reason() const override { return {}; }
  std::string last_error() const override { return last_error_; }
  std::vector<core::Outbox::Item> take_backlog() override { return {}; }
  std::size_t compact() override { return 0; }
  boost::asio::awaitable<void> drain(std::chrono::steady_clock::time_point deadline) override;

 private:
  std::string name_;
  std::FILE* out_;
  std::array<std::uint64_t*, core::kNotificationKinds> sent_;  ///< notifications_sent_total by kind
  std::string buffer_;
  std::string last_error_;
};

}  // namespace erralert::deliver
