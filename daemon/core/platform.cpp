// The platform table.
#include "erralert/core/platform.hpp"

#include <chrono>

#include "erralert/core/render.hpp"

namespace erralert::core {
namespace {

using namespace std::chrono_literals;

// Discord answers 401/403 for a revoked token and 404 for a deleted webhook
// (https://discord.com/developers/docs/topics/opcodes-and-status-codes#http).
bool discord_gone(int status) { return status == 401 || status == 403 || status == 404; }
// Slack: 403 action_prohibited / invalid_token, 404 no_service / channel_not_found, 410 channel_is_archived
// (https://api.slack.com/messaging/webhooks#handling_errors).
bool slack_gone(int status) { return status == 403 || status == 404 || status == 410; }
bool never_gone(int) { return false; }

const PlatformInfo kPlatforms[] = {
    {"discord", Platform::discord, {{{5, 2s}, {30, 1min}}}, render_discord, "wait=true", discord_gone, 20, true},
    {"slack", Platform::slack, {{{1, 1s}, {}}}, render_slack, "", slack_gone, 20, true},
    {"webhook", Platform::webhook, {}, render_webhook, "", never_gone},
    {"console", Platform::console, {}, nullptr, "", never_gone},
};

}  // namespace

std::vector<Window> PlatformInfo::default_pace() const {
  std::vector<Window> out;
  for (const Window& w : pace) {
    if (w.count != 0) out.push_back(w);
  }
  return out;
}

std::span<const PlatformInfo> platforms() { return kPlatforms; }

const PlatformInfo* find_platform(std::string_view type) {
  for (const auto& p : kPlatforms) {
    if (p.type == type) return &p;
  }
  return nullptr;
}

const PlatformInfo& platform_info(Platform p) {
  for (const auto& info : kPlatforms) {
    if (info.platform == p) return info;
  }
  return kPlatforms[0];
}

}  // namespace erralert::core
