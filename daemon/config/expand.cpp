// ${VAR} expansion of config strings.
#include "expand.hpp"

namespace erralert::config {
namespace {

bool is_var_name(std::string_view name) {
  const auto alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (name.empty() || !alpha(name.front())) return false;
  for (char c : name)
    if (!alpha(c) && !digit(c)) return false;
  return true;
}

// The value of one "${...}" body: "NAME" or "NAME:-fallback".
core::Result<std::string> substitute(std::string_view body, const EnvLookup& env) {
  const std::size_t sep = body.find(":-");
  const std::string name(body.substr(0, sep));
  if (!is_var_name(name)) return core::FieldError{"", "", "${...} needs a variable name of letters, digits and _"};
  const std::optional<std::string> value = env ? env(name) : std::nullopt;
  if (sep == std::string_view::npos) {
    if (!value) return core::FieldError{"", "", "environment variable " + name + " is not set"};
    return *value;
  }
  if (value && !value->empty()) return *value;
  return std::string(body.substr(sep + 2));
}

}  // namespace

core::Result<std::string> expand_env(std::string_view text, const EnvLookup& env) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char next = i + 1 < text.size() ? text[i + 1] : '\0';
    if (text[i] != '$' || (next != '$' && next != '{')) {
      out += text[i];
    } else if (next == '$') {
      out += '$';
      ++i;
    } else {
      const std::size_t close = text.find('}', i + 2);
      if (close == std::string_view::npos) return core::FieldError{"", "", "unterminated ${ (write $$ for a literal $)"};
      core::Result<std::string> value = substitute(text.substr(i + 2, close - i - 2), env);
      if (!value) return value;
      out += *value;
      i = close;
    }
  }
  return out;
}

}  // namespace erralert::config
