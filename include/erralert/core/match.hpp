// Event matchers for routes and silences: `{service: "payment-*", status: "5xx", severity: ">=error"}`.
//
//   Result<Matcher> m = compile_matcher({{"service", "payment-*"}, {"status", "5xx"}});
//   if (m && m->matches(event)) ...
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "erralert/core/event.hpp"
#include "erralert/core/result.hpp"

namespace erralert::core {

/// `*` matches within one path segment, `**` across segments, `?` one character.
bool glob_match(std::string_view pattern, std::string_view text);

class Matcher {
 public:
  struct Term;
  Matcher();
  ~Matcher();
  Matcher(Matcher&&) noexcept;
  Matcher& operator=(Matcher&&) noexcept;
  Matcher(const Matcher&);
  Matcher& operator=(const Matcher&);

  /// True when every term holds for `e` (an empty matcher matches everything).
  bool matches(const Event& e) const;

 private:
  friend Result<Matcher> compile_matcher(const std::vector<std::pair<std::string, std::string>>&);
  std::vector<Term> terms_;
};

/// Compiles `key: value` terms. `status`: "5xx", "500-504", ">=500", "502"; `severity`:
/// "error", ">=warning", "<error"; any other dotted field path: a glob. Errors name the key.
Result<Matcher> compile_matcher(const std::vector<std::pair<std::string, std::string>>& terms);

}  // namespace erralert::core
