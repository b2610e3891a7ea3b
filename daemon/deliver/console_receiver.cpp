// ConsoleReceiver: buffers lines during a batch and writes them with one fwrite.
#include "erralert/deliver/console_receiver.hpp"

#include <cerrno>
#include <cstring>

#include "erralert/core/render_console.hpp"

namespace erralert::deliver {

ConsoleReceiver::ConsoleReceiver(std::string name, std::FILE* out, core::Metrics& metrics)
    : name_(std::move(name)), out_(out) {
  for (auto kind : {core::NotificationKind::first, core::NotificationKind::summary, core::NotificationKind::digest,
                    core::NotificationKind::resolved}) {
    sent_[static_cast<std::size_t>(kind)] =
        &metrics.counter("notifications_sent_total", {{"receiver", name_}, {"kind", std::string(core::to_string(kind))}});
  }
}

void ConsoleReceiver::deliver(core::Notification n) {
  core::render_console(n, buffer_);
  buffer_ += '\n';
  ++*sent_[static_cast<std::size_t>(n.kind)];
  if (buffer_.size() >= 64 * 1024) flush();
}

void ConsoleReceiver::flush() {
  if (buffer_.empty()) return;
  const std::size_t written = std::fwrite(buffer_.data(), 1, buffer_.size(), out_);
  if (written != buffer_.size() || std::fflush(out_) != 0) {
    last_error_ = std::string("write to console failed: ") + std::strerror(errno);
    std::clearerr(out_);
  }
  buffer_.clear();
}

boost::asio::awaitable<void> ConsoleReceiver::drain(std::chrono::steady_clock::time_point) {
  flush();
  co_return;
}

}  // namespace erralert::deliver
