// Platforms: everything erralert knows of one receiver type, in one row of one table — its
// config name, default pace, renderer, URL query and what "the webhook is gone" means — so a
// new platform is one row here and its renderer (render.hpp), with their tests.
//
//   const PlatformInfo* p = find_platform("discord");   // nullptr for an unknown type
//   nlohmann::json body = p->render(notification);       // POST with p->extra_query
//   if (p->gone(404)) disable();                         // Discord: webhook deleted
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string_view>

#include <nlohmann/json.hpp>

#include "erralert/core/notification.hpp"
#include "erralert/core/pacer.hpp"

namespace erralert::core {

enum class Platform { discord, slack, webhook, console };

struct PlatformInfo {
  std::string_view type;  ///< the config's receiver `type`
  Platform platform;
  std::array<Window, 2> pace{};  ///< the default rate_limit (CONTRACT section 5); count 0 ends it
  /// The request body for a notification; nullptr for console, which writes lines itself.
  nlohmann::json (*render)(const Notification&) = nullptr;
  std::string_view extra_query;  ///< appended to the URL's query, e.g. Discord's "wait=true"
  /// True when an HTTP status says the webhook was deleted or revoked: stop until reload.
  bool (*gone)(int status) = nullptr;
  /// How many groups a digest lists by name before "+N more groups".
  std::size_t digest_groups = 20;
  /// The platform is reached over TLS only: plain http:// is refused except to a loopback
  /// address (a local proxy or a test fake), where nothing crosses a network.
  bool https_only = false;

  bool takes_url() const { return render != nullptr; }
  /// `pace` as a list, without its unused slots.
  std::vector<Window> default_pace() const;
};

/// Every platform, in the order the config's error messages list them.
std::span<const PlatformInfo> platforms();
/// The platform a receiver `type` names; nullptr when none does.
const PlatformInfo* find_platform(std::string_view type);
const PlatformInfo& platform_info(Platform p);

}  // namespace erralert::core
