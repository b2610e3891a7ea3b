// ${VAR} expansion of config strings: "${VAR}", "${VAR:-fallback}", and "$$" for a literal "$".
//
//   expand_env("Bearer ${TOKEN}", env)  // "Bearer s3cret", or an error naming TOKEN
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "erralert/core/result.hpp"

namespace erralert::config {

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

/// `text` with every ${NAME} replaced by env(NAME) and every "$$" by "$". ${NAME:-fallback}
/// uses the fallback when NAME is unset or empty. A "$" before anything else stays as it is.
/// Errors name the variable, never a value.
core::Result<std::string> expand_env(std::string_view text, const EnvLookup& env);

}  // namespace erralert::config
