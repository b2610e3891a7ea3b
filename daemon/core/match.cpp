// Event matchers for routes and silences: globs over fields, status classes, severity ranges.
#include "erralert/core/match.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <limits>
#include <tuple>

#include "erralert/core/text.hpp"

namespace erralert::core {

// ---------------------------------------------------------------------------------------
// Globs: the pattern becomes a list of tokens, then one pass per token over a bit row of
// "text prefixes matched so far" (a DP), so no input can make it backtrack exponentially.
namespace {

enum class GlobOp { literal, one_char, star, star_star, star_star_slash };

struct GlobToken {
  GlobOp op;
  char c = 0;
};

std::vector<GlobToken> tokenize_glob(std::string_view p) {
  std::vector<GlobToken> tokens;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      tokens.push_back({GlobOp::literal, p[++i]});
    } else if (c == '?') {
      tokens.push_back({GlobOp::one_char});
    } else if (c != '*') {
      tokens.push_back({GlobOp::literal, c});
    } else if (i + 1 < p.size() && p[i + 1] == '*') {
      ++i;
      const bool at_segment_start = i < 2 || p[i - 2] == '/';
      if (at_segment_start && i + 1 < p.size() && p[i + 1] == '/') {
        ++i;
        tokens.push_back({GlobOp::star_star_slash});
      } else {
        tokens.push_back({GlobOp::star_star});
      }
    } else {
      tokens.push_back({GlobOp::star});
    }
  }
  return tokens;
}

bool has_wildcard(const std::vector<GlobToken>& tokens) {
  return std::any_of(tokens.begin(), tokens.end(),
                     [](const GlobToken& t) { return t.op != GlobOp::literal; });
}

// Length of the UTF-8 character at t[i]: the byte plus its continuation bytes.
std::size_t char_length(std::string_view t, std::size_t i) {
  std::size_t len = 1;
  while (i + len < t.size() && (static_cast<unsigned char>(t[i + len]) & 0xC0) == 0x80) ++len;
  return len;
}

// `next[j]` is set when text[0, j) is matched by the tokens so far plus `tok`.
void step_glob(const GlobToken& tok, std::string_view t, const std::vector<char>& cur,
               std::vector<char>& next) {
  const std::size_t n = t.size();
  std::fill(next.begin(), next.end(), 0);
  bool seen = false;
  for (std::size_t j = 0; j <= n; ++j) {
    switch (tok.op) {
      case GlobOp::literal:
        if (cur[j] && j < n && t[j] == tok.c) next[j + 1] = 1;
        break;
      case GlobOp::one_char:
        if (cur[j] && j < n && t[j] != '/') next[j + char_length(t, j)] = 1;
        break;
      case GlobOp::star:
        seen = seen || cur[j];
        next[j] = seen;
        if (j < n && t[j] == '/') seen = false;
        break;
      case GlobOp::star_star:
        seen = seen || cur[j];
        next[j] = seen;
        break;
      case GlobOp::star_star_slash:
        next[j] = cur[j] || (j > 0 && t[j - 1] == '/' && seen);
        seen = seen || cur[j];
        break;
    }
  }
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  const std::vector<GlobToken> tokens = tokenize_glob(pattern);
  if (!has_wildcard(tokens)) {
    return tokens.size() == text.size() &&
           std::equal(tokens.begin(), tokens.end(), text.begin(),
                      [](const GlobToken& tok, char c) { return tok.c == c; });
  }
  std::vector<char> cur(text.size() + 1, 0), next(text.size() + 1, 0);
  cur[0] = 1;
  for (const GlobToken& tok : tokens) {
    step_glob(tok, text, cur, next);
    cur.swap(next);
    if (std::find(cur.begin(), cur.end(), 1) == cur.end()) return false;
  }
  return cur[text.size()] != 0;
}

// ---------------------------------------------------------------------------------------
// Field paths.
namespace {

// What field_value reads; fields the contract does not define are under "extra.".
constexpr std::array<std::string_view, 14> kRoots{
    "service", "environment", "host",     "timestamp", "severity", "code",      "status",
    "message", "detail",      "trace_id", "request",   "exception", "tags",     "extra"};
constexpr std::array<std::string_view, 7> kRequestFields{
    "method", "path", "route", "query", "client_ip", "params", "headers"};
constexpr std::array<std::string_view, 3> kExceptionFields{"type", "message", "stacktrace"};

struct Alias {
  std::string_view short_name;
  std::string_view path;
};
constexpr std::array<Alias, 3> kAliases{
    {{"path", "request.path"}, {"method", "request.method"}, {"route", "request.route"}}};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

template <std::size_t N>
std::string unknown_name(std::string_view what, std::string_view name,
                         const std::array<std::string_view, N>& names) {
  std::string reason = "unknown " + std::string(what) + " '" + std::string(name) + "'";
  if (auto near = closest_name(name, names)) reason += "; did you mean '" + std::string(*near) + "'?";
  return reason;
}

std::string canonical_key(std::string_view key) {
  for (const Alias& a : kAliases)
    if (key == a.short_name) return std::string(a.path);
  return std::string(key);
}

// Splits "a.b.c" into its first segment and the rest ("" when there is none).
std::pair<std::string_view, std::string_view> split_first(std::string_view path) {
  const std::size_t dot = path.find('.');
  if (dot == std::string_view::npos) return {path, {}};
  return {path.substr(0, dot), path.substr(dot + 1)};
}

std::optional<std::string> request_path_error(std::string_view rest) {
  const auto [field, sub] = split_first(rest);
  if (!contains(kRequestFields, field)) return unknown_name("request field", field, kRequestFields);
  const bool is_map = field == "params" || field == "headers";
  if (!is_map && !sub.empty()) return "request." + std::string(field) + " has no sub-fields";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> field_path_error(std::string_view path) {
  if (path.empty() || path.front() == '.' || path.back() == '.' ||
      path.find("..") != std::string_view::npos) {
    return "expected a dotted field path like request.route";
  }
  const auto [root, rest] = split_first(path);
  for (const Alias& a : kAliases)
    if (path == a.short_name) return "write " + std::string(a.path) + " here";
  if (!contains(kRoots, root)) {
    if (closest_name(root, kRoots)) return unknown_name("event field", root, kRoots);
    return unknown_name("event field", root, kRoots) + "; fields outside the contract are extra." +
           std::string(root);
  }
  if (root == "request") {
    if (rest.empty()) return "request needs a sub-field, e.g. request.route";
    return request_path_error(rest);
  }
  if (root == "exception") {
    if (!contains(kExceptionFields, rest)) return unknown_name("exception field", rest, kExceptionFields);
    return std::nullopt;
  }
  if (root == "tags" || root == "extra") {
    if (rest.empty()) return std::string(root) + " needs a key, e.g. " + std::string(root) + ".team";
    return std::nullopt;
  }
  if (!rest.empty()) return std::string(root) + " has no sub-fields";
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------
// "Did you mean": optimal string alignment distance (Damerau–Levenshtein with adjacent
// transpositions), case-insensitive.
namespace {

constexpr std::size_t kMaxNameLength = 256;  // longer names are typos of nothing; keep it cheap

/// Both names at most kMaxNameLength long. Keeps the three rows the recurrence reads.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  const auto lower = [](char c) { return std::tolower(static_cast<unsigned char>(c)); };
  std::array<std::array<std::size_t, kMaxNameLength + 1>, 3> rows;
  for (std::size_t j = 0; j <= b.size(); ++j) rows[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    const auto& before = rows[(i + 1) % 3];  // row i - 2
    const auto& above = rows[(i - 1) % 3];
    auto& row = rows[i % 3];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      row[j] = std::min({above[j] + 1, row[j - 1] + 1, above[j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1]))
        row[j] = std::min(row[j], before[j - 2] + 1);
    }
  }
  return rows[a.size() % 3][b.size()];
}

}  // namespace

std::optional<std::string_view> closest_name(std::string_view name,
                                             std::span<const std::string_view> candidates) {
  constexpr std::size_t kMaxDistance = 2;
  if (name.size() > kMaxNameLength) return std::nullopt;
  std::optional<std::string_view> best;
  std::size_t best_distance = kMaxDistance + 1;
  for (std::string_view c : candidates) {
    if (c.size() > kMaxNameLength) continue;
    // The distance is at least the difference in length.
    const std::size_t longer = std::max(name.size(), c.size());
    if (longer - std::min(name.size(), c.size()) >= best_distance) continue;
    const std::size_t d = edit_distance(name, c);
    // Twice the distance must not exceed the longer name: "ur" -> "url", but not "ab" -> "url".
    if (d < best_distance && 2 * d <= longer) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------
// Terms: status and severity compile to an inclusive integer range, everything else to a glob.
struct Matcher::Term {
  enum class Kind { status, severity, glob };
  Kind kind = Kind::glob;
  std::string key;      ///< canonical field path
  std::string pattern;  ///< glob
  int lo = 0;           ///< status or severity rank, inclusive
  int hi = 0;
};

Matcher::Matcher() = default;
Matcher::~Matcher() = default;
Matcher::Matcher(Matcher&&) noexcept = default;
Matcher& Matcher::operator=(Matcher&&) noexcept = default;
Matcher::Matcher(const Matcher&) = default;
Matcher& Matcher::operator=(const Matcher&) = default;

namespace {

constexpr int kMinStatus = 100;
constexpr int kMaxStatus = 599;

std::optional<int> parse_status_number(std::string_view s) {
  int n = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  if (n < kMinStatus || n > kMaxStatus) return std::nullopt;
  return n;
}

struct Comparison {
  std::string_view op;  ///< "", ">=", ">", "<=", "<"
  std::string_view operand;
};

Comparison split_comparison(std::string_view value) {
  for (std::string_view op : {">=", "<=", ">", "<"}) {
    if (value.starts_with(op)) return {op, trim(value.substr(op.size()))};
  }
  return {"", value};
}

// The range [lo, hi] of ranks that `op n` selects, within [min, max].
std::pair<int, int> comparison_range(std::string_view op, int n, int min, int max) {
  if (op == ">=") return {n, max};
  if (op == ">") return {n + 1, max};
  if (op == "<=") return {min, n};
  if (op == "<") return {min, n - 1};
  return {n, n};
}

std::optional<std::pair<int, int>> parse_status_class(std::string_view v) {
  if (v.size() != 3 || v[0] < '1' || v[0] > '5') return std::nullopt;
  if (std::tolower(static_cast<unsigned char>(v[1])) != 'x' ||
      std::tolower(static_cast<unsigned char>(v[2])) != 'x')
    return std::nullopt;
  const int base = (v[0] - '0') * 100;
  return std::pair{base, base + 99};
}

std::optional<std::pair<int, int>> parse_status_range(std::string_view value) {
  const Comparison cmp = split_comparison(trim(value));
  if (!cmp.op.empty()) {
    const auto n = parse_status_number(cmp.operand);
    if (!n) return std::nullopt;
    return comparison_range(cmp.op, *n, kMinStatus, kMaxStatus);
  }
  if (auto cls = parse_status_class(cmp.operand)) return cls;
  const std::size_t dash = cmp.operand.find('-');
  if (dash == std::string_view::npos) {
    const auto n = parse_status_number(cmp.operand);
    if (!n) return std::nullopt;
    return std::pair{*n, *n};
  }
  const auto lo = parse_status_number(trim(cmp.operand.substr(0, dash)));
  const auto hi = parse_status_number(trim(cmp.operand.substr(dash + 1)));
  if (!lo || !hi || *lo > *hi) return std::nullopt;
  return std::pair{*lo, *hi};
}

std::optional<std::pair<int, int>> parse_severity_range(std::string_view value) {
  const Comparison cmp = split_comparison(trim(value));
  const auto s = parse_severity(cmp.operand);
  if (!s) return std::nullopt;
  return comparison_range(cmp.op, static_cast<int>(*s), static_cast<int>(Severity::debug),
                          static_cast<int>(Severity::critical));
}

Result<Matcher::Term> compile_term(const std::string& raw_key, const std::string& value) {
  using Kind = Matcher::Term::Kind;
  Matcher::Term term;
  term.key = canonical_key(raw_key);
  if (term.key == "status") {
    const auto range = parse_status_range(value);
    if (!range || range->first > range->second)
      return FieldError{raw_key, "", "expected 502, 5xx, 500-504 or >=500 (statuses 100..599)"};
    term.kind = Kind::status;
    std::tie(term.lo, term.hi) = *range;
  } else if (term.key == "severity") {
    const auto range = parse_severity_range(value);
    if (!range || range->first > range->second)
      return FieldError{raw_key, "",
                        "expected a severity (debug, info, warning, error, critical), "
                        "optionally after >=, >, <= or <"};
    term.kind = Kind::severity;
    std::tie(term.lo, term.hi) = *range;
  } else if (auto why = field_path_error(term.key)) {
    return FieldError{raw_key, "", *why};
  } else {
    term.kind = Kind::glob;
    term.pattern = value;
  }
  return term;
}

bool term_holds(const Matcher::Term& t, const Event& e) {
  using Kind = Matcher::Term::Kind;
  switch (t.kind) {
    case Kind::status:
      return e.status != 0 && e.status >= t.lo && e.status <= t.hi;
    case Kind::severity:
      return static_cast<int>(e.severity) >= t.lo && static_cast<int>(e.severity) <= t.hi;
    case Kind::glob: {
      std::string scratch;
      const std::optional<std::string_view> v = field_text(e, t.key, scratch);
      if (!v || v->empty()) return t.pattern.empty();
      return glob_match(t.pattern, *v);
    }
  }
  return false;
}

}  // namespace

bool Matcher::matches(const Event& e) const {
  return std::all_of(terms_.begin(), terms_.end(), [&](const Term& t) { return term_holds(t, e); });
}

Result<Matcher> compile_matcher(const std::vector<std::pair<std::string, std::string>>& terms) {
  Matcher m;
  Errors errors;
  for (const auto& [key, value] : terms) {
    Result<Matcher::Term> t = compile_term(key, value);
    if (t) {
      m.terms_.push_back(std::move(t).value());
    } else {
      errors.insert(errors.end(), t.errors().begin(), t.errors().end());
    }
  }
  if (!errors.empty()) return errors;
  return m;
}

}  // namespace erralert::core
