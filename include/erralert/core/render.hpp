// Rendering: a notification as the JSON body that Discord, Slack or a plain webhook receives,
// within every platform limit whatever the event holds (CONTRACT.md section 5).
//
//   nlohmann::json body = render_discord(n);   // POST to https://discord.com/api/webhooks/...?wait=true
//   nlohmann::json body = render_slack(n);     // POST to https://hooks.slack.com/services/...
//   nlohmann::json body = render_webhook(n);   // {"kind": "first", "receiver": ..., "groups": [...]}
//
// The event is expected to be redacted already (Redactor); rendering adds no secrets and reads
// no clock.
#pragma once

#include <cstddef>

#include <nlohmann/json.hpp>

#include "erralert/core/notification.hpp"

namespace erralert::core {

/// Discord's documented limits for execute-webhook bodies, in Unicode code points.
struct DiscordLimits {
  static constexpr std::size_t content = 2000;
  static constexpr std::size_t title = 256;
  static constexpr std::size_t description = 4096;
  static constexpr std::size_t fields = 25;
  static constexpr std::size_t field_name = 256;
  static constexpr std::size_t field_value = 1024;
  static constexpr std::size_t footer = 2048;
  static constexpr std::size_t author = 256;
  static constexpr std::size_t embed_total = 6000;
};

/// Slack's documented Block Kit limits, in characters (erralert counts UTF-16 units, the larger
/// of the two readings, so an emoji can never push a text over).
struct SlackLimits {
  static constexpr std::size_t blocks = 50;
  static constexpr std::size_t header = 150;
  static constexpr std::size_t section_text = 3000;
  static constexpr std::size_t section_fields = 10;
  static constexpr std::size_t field_text = 2000;
  static constexpr std::size_t context_elements = 10;
  static constexpr std::size_t context_text = 3000;
  static constexpr std::size_t fallback_text = 3000;
};

/// Discord execute-webhook body: one embed (colour by severity), allowed_mentions {parse: []}.
nlohmann::json render_discord(const Notification& n);

/// Slack incoming-webhook body: Block Kit blocks plus a `text` fallback.
nlohmann::json render_slack(const Notification& n);

/// The webhook receiver's JSON of CONTRACT section 5 (kind, receiver, route, groups[], others).
nlohmann::json render_webhook(const Notification& n);

}  // namespace erralert::core
