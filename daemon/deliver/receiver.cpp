// make_receiver: a console receiver, or an HTTP one posting as its platform's row says.
#include "erralert/deliver/receiver.hpp"

#include <openssl/sha.h>

#include <stdexcept>

#include "erralert/deliver/console_receiver.hpp"
#include "erralert/core/platform.hpp"
#include "erralert/core/text.hpp"
#include "erralert/deliver/http_receiver.hpp"

namespace erralert::deliver {

std::string_view to_string(ReceiverState s) { return s == ReceiverState::ready ? "ready" : "disabled"; }

std::string pace_id(const config::Receiver& cfg) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  ::SHA256(reinterpret_cast<const unsigned char*>(cfg.url.data()), cfg.url.size(), digest);
  // 128 bits: no two webhooks of a fleet share a budget by chance.
  return core::to_hex(std::span<const unsigned char>(digest, 16));
}

std::unique_ptr<Receiver> make_receiver(const config::Receiver& cfg, const ReceiverContext& ctx,
                                        std::vector<core::Outbox::Item> backlog) {
  const core::PlatformInfo* platform = core::find_platform(cfg.type);
  if (platform && platform->platform == core::Platform::console) {
    // A console keeps nothing waiting: what an HTTP receiver of the same name left is written now.
    auto console = std::make_unique<ConsoleReceiver>(cfg.name, ctx.console, *ctx.metrics);
    for (auto& item : backlog) {
      if (item.notification) console->deliver(std::move(*item.notification));
      if (ctx.store && item.store_id != 0) ctx.store->remove(item.store_id);
    }
    console->flush();
    return console;
  }
  if (platform && platform->takes_url()) return std::make_unique<HttpReceiver>(cfg, ctx, *platform, std::move(backlog));
  throw std::runtime_error("receiver '" + cfg.name + "': type '" + cfg.type +
                           "' is not supported by this build");
}

}  // namespace erralert::deliver
