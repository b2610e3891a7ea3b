// make_receiver: the one place that knows every receiver type.
#include "erralert/deliver/receiver.hpp"

#include <stdexcept>

#include "erralert/deliver/console_receiver.hpp"

namespace erralert::deliver {

std::unique_ptr<Receiver> make_receiver(const config::Receiver& cfg, const ReceiverContext& ctx) {
  if (cfg.type == "console") {
    return std::make_unique<ConsoleReceiver>(cfg.name, ctx.console, *ctx.metrics);
  }
  throw std::runtime_error("receiver '" + cfg.name + "': type '" + cfg.type +
                           "' is not supported by this build");
}

}  // namespace erralert::deliver
