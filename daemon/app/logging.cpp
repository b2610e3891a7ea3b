// Logging set-up: stderr, a plain pattern under systemd (JOURNAL_STREAM set), timestamps elsewhere.
#include "erralert/app/logging.hpp"

#include <cstdlib>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace erralert::app {

bool setup_logging(const std::string& level) {
  static const std::pair<const char*, spdlog::level::level_enum> levels[] = {
      {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug}, {"info", spdlog::level::info},
      {"warn", spdlog::level::warn},   {"error", spdlog::level::err}};
  std::optional<spdlog::level::level_enum> chosen;
  for (const auto& [name, lvl] : levels) {
    if (level == name) chosen = lvl;
  }
  if (!chosen) return false;
  auto logger = spdlog::stderr_logger_st("erralertd");
  const bool journald = std::getenv("JOURNAL_STREAM") != nullptr;
  logger->set_pattern(journald ? "%l: %v" : "%Y-%m-%dT%H:%M:%S.%e%z %l: %v");
  logger->set_level(*chosen);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
  return true;
}

}  // namespace erralert::app
