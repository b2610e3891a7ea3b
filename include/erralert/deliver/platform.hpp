// PlatformAdapter: what differs between Discord, Slack and plain webhooks — the body and the
// URL query; answers are read by core::classify_answer for the adapter's platform.
//
//   auto a = make_platform("discord");
//   std::string body = a->render(notification).dump();   // POST it with a->extra_query()
#pragma once

#include <memory>
#include <string_view>

#include <nlohmann/json.hpp>

#include "erralert/core/delivery_policy.hpp"
#include "erralert/core/notification.hpp"

namespace erralert::deliver {

class PlatformAdapter {
 public:
  virtual ~PlatformAdapter() = default;
  virtual core::Platform platform() const = 0;
  /// The request body for `n` (already redacted), within every limit of the platform.
  virtual nlohmann::json render(const core::Notification& n) const = 0;
  /// Appended to the URL's query, e.g. Discord's "wait=true".
  virtual std::string_view extra_query() const { return {}; }
  /// How many groups a digest lists by name before "+N more groups" (what a message shows well).
  virtual std::size_t digest_groups() const { return 20; }
};

std::unique_ptr<PlatformAdapter> make_discord_platform();
std::unique_ptr<PlatformAdapter> make_slack_platform();
std::unique_ptr<PlatformAdapter> make_webhook_platform();

}  // namespace erralert::deliver
