// Plain webhook: the machine-readable JSON of CONTRACT.md section 5.
#include "erralert/core/render.hpp"
#include "erralert/deliver/platform.hpp"

namespace erralert::deliver {
namespace {

class WebhookPlatform final : public PlatformAdapter {
 public:
  core::Platform platform() const override { return core::Platform::webhook; }
  nlohmann::json render(const core::Notification& n) const override { return core::render_webhook(n); }
};

}  // namespace

std::unique_ptr<PlatformAdapter> make_webhook_platform() { return std::make_unique<WebhookPlatform>(); }

}  // namespace erralert::deliver
