// make_receiver: the one place that knows every receiver type.
#include "erralert/deliver/receiver.hpp"

#include <stdexcept>

#include "erralert/deliver/console_receiver.hpp"
#include "erralert/deliver/http_receiver.hpp"

namespace erralert::deliver {

std::string_view to_string(ReceiverState s) { return s == ReceiverState::ready ? "ready" : "disabled"; }

std::unique_ptr<Receiver> make_receiver(const config::Receiver& cfg, const ReceiverContext& ctx) {
  if (cfg.type == "console") return std::make_unique<ConsoleReceiver>(cfg.name, ctx.console, *ctx.metrics);
  if (cfg.type == "discord") return std::make_unique<HttpReceiver>(cfg, ctx, make_discord_platform());
  if (cfg.type == "slack") return std::make_unique<HttpReceiver>(cfg, ctx, make_slack_platform());
  if (cfg.type == "webhook") return std::make_unique<HttpReceiver>(cfg, ctx, make_webhook_platform());
  throw std::runtime_error("receiver '" + cfg.name + "': type '" + cfg.type +
                           "' is not supported by this build");
}

}  // namespace erralert::deliver
