// Logging: spdlog to standard error; no timestamps under systemd, whose journal adds them.
#pragma once

#include <optional>
#include <string>

namespace erralert::app {

/// Sets up the default logger. Returns false when `level` is not one of
/// trace, debug, info, warn, error.
bool setup_logging(const std::string& level);

}  // namespace erralert::app
