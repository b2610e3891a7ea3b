// Problem and ConfigError: how a bad config file is reported.
#include "erralert/config/config.hpp"

namespace erralert::config {
namespace {

std::string join_problems(const std::vector<Problem>& problems) {
  std::string text;
  for (const Problem& p : problems) {
    if (!text.empty()) text += '\n';
    text += p.to_string();
  }
  return text.empty() ? std::string("invalid configuration") : text;
}

}  // namespace

std::string Problem::to_string() const {
  std::string text = file;
  if (line > 0) text += ":" + std::to_string(line) + ":" + std::to_string(column);
  if (!path.empty()) text += ": " + path;
  text += ": " + reason;
  return text;
}

ConfigError::ConfigError(std::vector<Problem> problems)
    : std::runtime_error(join_problems(problems)), problems_(std::move(problems)) {}

}  // namespace erralert::config
