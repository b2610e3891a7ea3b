// Slack: an incoming-webhook body of Block Kit blocks with a `text` fallback.
#include "erralert/core/render.hpp"
#include "erralert/deliver/platform.hpp"

namespace erralert::deliver {
namespace {

class SlackPlatform final : public PlatformAdapter {
 public:
  core::Platform platform() const override { return core::Platform::slack; }
  nlohmann::json render(const core::Notification& n) const override { return core::render_slack(n); }
};

}  // namespace

std::unique_ptr<PlatformAdapter> make_slack_platform() { return std::make_unique<SlackPlatform>(); }

}  // namespace erralert::deliver
