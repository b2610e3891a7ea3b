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
  std::string state() const override { return "ready"; }
  std::string last_error() const override { return last_error_; }
  std::string spool_dir() const override { return {}; }
  boost::asio::awaitable<void> drain(std::chrono::steady_clock::time_point deadline) override;

 private:
  std::string name_;
  std::FILE* out_;
  std::array<std::uint64_t*, 3> sent_;  ///< notifications_sent_total by kind (first, summary, digest)
  std::string buffer_;
  std::string last_error_;
};

}  // namespace erralert::deliver
