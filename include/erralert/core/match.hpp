// Event matchers for routes and silences: `{service: "payment-*", status: "5xx", severity: ">=error"}`.
//
//   Result<Matcher> m = compile_matcher({{"service", "payment-*"}, {"status", "5xx"}});
//   if (m && m->matches(event)) ...
//
// Keys are dotted event field paths as field_value reads them ("service", "request.path",
// "tags.team"; fields the contract does not define as "extra.NAME"); "path", "method" and
// "route" are short for "request.path", "request.method" and "request.route".
// Values:
//   status    "502", "5xx" (any case), "500-504", ">=500", ">500", "<=499", "<400";
//             an event without a status matches none of them.
//   severity  "error", ">=warning", "<=info", ">info", "<error" (names as parse_severity takes).
//   others    a glob over the field's text: `*` any run without '/', `**` any run, `**/` zero or
//             more whole segments, `?` one character other than '/', `\` escapes the next one.
//             A field the event lacks (or has empty) matches only the empty pattern "", so
//             `code: ""` selects events without a code and `code: "*"` those with one.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "erralert/core/event.hpp"
#include "erralert/core/result.hpp"

namespace erralert::core {

/// `*` matches within one path segment, `**` across segments, `?` one character.
/// Runs in O(pattern × text) time at worst, never exponential.
bool glob_match(std::string_view pattern, std::string_view text);

class Matcher {
 public:
  struct Term;  ///< one compiled `key: value`, defined in match.cpp
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
/// "error", ">=warning", "<error"; any other dotted field path: a glob. Errors name the key
/// in FieldError::field and never echo the value.
Result<Matcher> compile_matcher(const std::vector<std::pair<std::string, std::string>>& terms);

/// Why `path` names no event field that matchers and group_by can read; nullopt when it does.
std::optional<std::string> field_path_error(std::string_view path);

/// The candidate nearest to `name` (case-insensitive edit distance of at most 2), for
/// "did you mean" hints; nullopt when none is close.
std::optional<std::string_view> closest_name(std::string_view name,
                                             std::span<const std::string_view> candidates);

}  // namespace erralert::core
