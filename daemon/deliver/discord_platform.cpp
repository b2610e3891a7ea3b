// Discord: one embed per notification; `?wait=true` so errors come back as a JSON body.
#include "erralert/core/render.hpp"
#include "erralert/deliver/platform.hpp"

namespace erralert::deliver {
namespace {

class DiscordPlatform final : public PlatformAdapter {
 public:
  core::Platform platform() const override { return core::Platform::discord; }
  nlohmann::json render(const core::Notification& n) const override { return core::render_discord(n); }
  std::string_view extra_query() const override { return "wait=true"; }
};

}  // namespace

std::unique_ptr<PlatformAdapter> make_discord_platform() { return std::make_unique<DiscordPlatform>(); }

}  // namespace erralert::deliver
