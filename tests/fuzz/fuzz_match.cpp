// libFuzzer target for the route and silence matchers: glob_match agrees with a plain recursive
// matcher written from the rules in match.hpp; any terms either compile or fail naming their key
// without echoing the value; a compiled matcher judges any event as its terms do one by one, its
// globs as the recursive matcher does, a status or severity as the event's own value selects.
//
//   ./fuzz_match tests/fuzz/corpus/match -runs=20000
#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "erralert/core/event.hpp"
#include "erralert/core/match.hpp"

namespace {

using erralert::core::Event;
using erralert::core::Severity;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

/// The glob rules of match.hpp as a memoised recursion over (pattern position, text position):
/// `\x` is x, `?` one character but '/', `*` a run without '/', `**` any run, and `**/` at the
/// start of a pattern segment nothing or a run that ends in '/'.
class ReferenceGlob {
 public:
  ReferenceGlob(std::string_view pattern, std::string_view text)
      : p_(pattern), t_(text), memo_((pattern.size() + 1) * (text.size() + 1), -1) {}

  bool matches() { return at(0, 0); }

 private:
  bool at(std::size_t i, std::size_t j) {
    signed char& known = memo_[i * (t_.size() + 1) + j];
    if (known < 0) known = compute(i, j) ? 1 : 0;
    return known == 1;
  }

  bool literal(char c, std::size_t next_i, std::size_t j) {
    return j < t_.size() && t_[j] == c && at(next_i, j + 1);
  }

  bool compute(std::size_t i, std::size_t j) {
    if (i == p_.size()) return j == t_.size();
    const char c = p_[i];
    if (c == '\\' && i + 1 < p_.size()) return literal(p_[i + 1], i + 2, j);
    if (c == '?') {
      if (j == t_.size() || t_[j] == '/') return false;
      std::size_t end = j + 1;  // the character's continuation bytes go with it
      while (end < t_.size() && (static_cast<unsigned char>(t_[end]) & 0xC0) == 0x80) ++end;
      return at(i + 1, end);
    }
    if (c != '*') return literal(c, i + 1, j);
    if (i + 1 < p_.size() && p_[i + 1] == '*') {
      const bool segment_start = i == 0 || p_[i - 1] == '/';
      if (segment_start && i + 2 < p_.size() && p_[i + 2] == '/') {
        if (at(i + 3, j)) return true;
        for (std::size_t k = j + 1; k <= t_.size(); ++k)
          if (t_[k - 1] == '/' && at(i + 3, k)) return true;
        return false;
      }
      for (std::size_t k = j; k <= t_.size(); ++k)
        if (at(i + 2, k)) return true;
      return false;
    }
    for (std::size_t k = j;; ++k) {
      if (at(i + 1, k)) return true;
      if (k == t_.size() || t_[k] == '/') return false;
    }
  }

  std::string_view p_;
  std::string_view t_;
  std::vector<signed char> memo_;
};

// Keys a route may name, some by their short form, and one from the input.
constexpr std::array<std::string_view, 10> kKeys{
    "service", "status", "severity", "code", "path", "request.route", "method", "tags.team", "host", "nothing"};

/// The path a key names: "path", "method" and "route" are short for request.*.
std::string full_path(const std::string& key) {
  if (key == "path" || key == "method" || key == "route") return "request." + key;
  return key;
}

std::string status_spec(FuzzedDataProvider& in, int status) {
  const std::string number = std::to_string(status);
  switch (in.ConsumeIntegralInRange(0, 3)) {
    case 0: return number;
    case 1: return number.substr(0, 1) + "xx";
    case 2: return ">=" + number;
    default: return in.ConsumeRandomLengthString(16);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);

  const std::string pattern = in.ConsumeRandomLengthString(64);
  const std::string text = in.ConsumeRandomLengthString(256);
  check(erralert::core::glob_match(pattern, text) == ReferenceGlob(pattern, text).matches());

  Event e;
  e.service = text;
  e.code = in.ConsumeRandomLengthString(32);
  e.host = in.ConsumeRandomLengthString(32);
  e.request.path = in.ConsumeRandomLengthString(64);
  e.request.route = in.ConsumeRandomLengthString(64);
  e.request.method = in.ConsumeRandomLengthString(8);
  if (in.ConsumeBool()) e.tags = {{"team", in.ConsumeRandomLengthString(16)}};
  e.status = in.ConsumeBool() ? in.ConsumeIntegralInRange(100, 599) : in.ConsumeIntegralInRange(-1, 1000);
  e.severity = static_cast<Severity>(in.ConsumeIntegralInRange(0, 4));

  std::vector<std::pair<std::string, std::string>> terms;
  for (int n = in.ConsumeIntegralInRange(0, 4); n > 0; --n) {
    const std::size_t pick = in.ConsumeIntegralInRange<std::size_t>(0, kKeys.size());
    std::string key = pick < kKeys.size() ? std::string(kKeys[pick]) : in.ConsumeRandomLengthString(24);
    std::string value;
    if (full_path(key) == "status") value = status_spec(in, e.status);
    else if (full_path(key) == "severity") value = (in.ConsumeBool() ? "" : ">=") + std::string(to_string(e.severity));
    else value = terms.empty() ? pattern : in.ConsumeRandomLengthString(32);
    terms.emplace_back(std::move(key), std::move(value));
  }

  const auto matcher = erralert::core::compile_matcher(terms);
  if (!matcher) {
    check(!matcher.errors().empty());
    for (const auto& error : matcher.errors()) {
      check(error.value.empty());  // a route's value may be a secret: errors never repeat it
      bool named = false;
      for (const auto& [key, value] : terms) named = named || error.field == key;
      check(named);
    }
    return 0;
  }

  // All terms hold exactly when each holds alone, and each alone as its kind says.
  bool all = true;
  for (const auto& term : terms) {
    const auto one = erralert::core::compile_matcher({term});
    check(one.ok());
    const bool holds = one->matches(e);
    all = all && holds;
    const std::string key = full_path(term.first);
    const std::string& value = term.second;
    if (key == "status") {
      const bool own_value = value == std::to_string(e.status) || value == ">=" + std::to_string(e.status) ||
                             value == std::to_string(e.status).substr(0, 1) + "xx";
      if (e.status < 100 || e.status > 599) check(!holds);
      else if (own_value) check(holds);
    } else if (key == "severity") {
      check(holds);  // the event's own severity, alone or as the lower bound
    } else {
      const std::optional<std::string> field = erralert::core::field_value(e, key);
      const bool expected = !field || field->empty() ? value.empty() : ReferenceGlob(value, *field).matches();
      check(holds == expected);
    }
  }
  check(matcher->matches(e) == all);
  return 0;
}
