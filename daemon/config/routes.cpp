// `routes:` and `silences:`: which events go where, and which go nowhere for a while.
#include <algorithm>
#include <array>

#include "erralert/core/match.hpp"
#include "erralert/core/timefmt.hpp"
#include "sections.hpp"
#include "values.hpp"

namespace erralert::config {
namespace {

constexpr std::array<std::string_view, 6> kRouteKeys{"name",     "match", "receivers",
                                                     "group_by", "dedup", "continue"};
constexpr std::array<std::string_view, 3> kDedupKeys{"window", "min_count", "resolved"};
constexpr std::array<std::string_view, 3> kSilenceKeys{"match", "until", "comment"};

// Where a matcher's complaint about `key` belongs: status and severity values are checked,
// for every other key only the field path can be wrong.
const YAML::Node& term_position(const Field& field) {
  return field.key == "status" || field.key == "severity" ? field.value : field.key_node;
}

// The route's receiver names: at least one, each configured, none twice.
std::vector<std::string> read_route_receivers(Reader& r, const YAML::Node& node, const std::string& path,
                                              const std::vector<Receiver>& receivers) {
  std::vector<std::string_view> known;
  for (const Receiver& rcv : receivers) known.push_back(rcv.name);
  std::vector<std::string> names;
  const auto items = r.list(node, path);
  if (!items) return names;
  if (items->empty()) r.report(node, path, "name at least one receiver");
  for (std::size_t i = 0; i < items->size(); ++i) {
    const YAML::Node& item = (*items)[i];
    const std::string item_path = index_path(path, i);
    const auto name = r.text(item, item_path);
    if (!name) continue;
    if (std::find(known.begin(), known.end(), *name) == known.end()) {
      r.report(item, item_path, unknown_with_hint("receiver", *name, known));
    } else if (std::find(names.begin(), names.end(), *name) != names.end()) {
      r.report(item, item_path, "receiver '" + *name + "' is listed twice");
    } else {
      names.push_back(*name);
    }
  }
  return names;
}

Route read_route(Reader& r, const Fields& f, const Defaults& defaults, const std::vector<Receiver>& receivers) {
  Route route;
  route.group_by = defaults.group_by;
  r.require(f, {"name", "receivers"});
  r.set(f, "name", route.name, read_name);
  route.match = read_match(r, f.value("match"), f.path_of("match"));
  if (const Field* names = f.find("receivers"))
    route.receivers = read_route_receivers(r, names->value, f.path_of("receivers"), receivers);
  r.set(f, "group_by", route.group_by, read_group_by);
  route.dedup = read_dedup(r, f.value("dedup"), f.path_of("dedup"), defaults.dedup);
  r.set(f, "continue", route.continue_matching, &Reader::boolean);
  return route;
}

std::optional<std::int64_t> read_time(Reader& r, const YAML::Node& node, const std::string& path) {
  const auto text = r.text(node, path);
  const auto ms = text ? core::parse_timestamp(*text) : std::nullopt;
  if (text && !ms) r.report(node, path, "expected an RFC 3339 time like 2026-12-01T00:00:00Z");
  return ms;
}

std::optional<Silence> read_silence(Reader& r, const YAML::Node& node, const std::string& path) {
  const auto f = r.map(node, path, kSilenceKeys);
  if (!f) return std::nullopt;
  Silence silence;
  const Field* match = f->find("match");
  if (!match || (match->value.IsMap() && match->value.size() == 0)) {
    r.report(match ? match->value : node, f->path_of("match"),
             "required: name at least one field (a silence of everything would hide every alert)");
  }
  silence.match = read_match(r, f->value("match"), f->path_of("match"));
  r.set(*f, "until", silence.until_ms, read_time);
  r.set(*f, "comment", silence.comment, &Reader::text);
  return silence;
}

}  // namespace

std::vector<MatchTerm> read_match(Reader& r, const YAML::Node& node, const std::string& path) {
  std::vector<MatchTerm> terms;
  const auto f = r.any_map(node, path);
  if (!f) return terms;
  for (const Field& field : f->all()) {
    if (auto value = r.text(field.value, f->path_of(field.key))) terms.push_back({field.key, *value});
  }
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const MatchTerm& t : terms) pairs.emplace_back(t.key, t.value);
  const core::Result<core::Matcher> matcher = core::compile_matcher(pairs);
  if (matcher) return terms;
  for (const core::FieldError& e : matcher.errors()) {
    const auto same_key = [&](const Field& field) { return field.key == e.field; };
    const auto field = std::find_if(f->all().begin(), f->all().end(), same_key);
    r.report(field == f->all().end() ? node : term_position(*field), f->path_of(e.field), e.reason);
  }
  return {};
}

std::optional<std::vector<std::string>> read_group_by(Reader& r, const YAML::Node& node,
                                                      const std::string& path) {
  const auto items = r.list(node, path);
  if (!items) return std::nullopt;
  std::vector<std::string> fields;
  const std::size_t before = r.problem_count();
  for (std::size_t i = 0; i < items->size(); ++i) {
    const auto field = r.text((*items)[i], index_path(path, i));
    const auto why = field ? core::field_path_error(*field) : std::nullopt;
    if (why) r.report((*items)[i], index_path(path, i), *why);
    if (field && !why) fields.push_back(*field);
  }
  if (r.problem_count() != before) return std::nullopt;
  return fields;
}

Dedup read_dedup(Reader& r, const YAML::Node& node, const std::string& path, Dedup base) {
  if (const auto f = r.map(node, path, kDedupKeys)) {
    r.set(*f, "window", base.window, &Reader::duration);
    r.set(*f, "min_count", base.min_count, &Reader::count);
    r.set(*f, "resolved", base.resolved, &Reader::boolean);
  }
  return base;
}

std::vector<Route> read_routes(Reader& r, const YAML::Node& node, const std::string& path,
                               const Defaults& defaults, const std::vector<Receiver>& receivers) {
  std::vector<Route> routes;
  const auto items = r.list(node, path);
  if (!items) return routes;
  for (std::size_t i = 0; i < items->size(); ++i) {
    const auto f = r.map((*items)[i], index_path(path, i), kRouteKeys);
    if (!f) continue;
    Route route = read_route(r, *f, defaults, receivers);
    const auto same_name = [&](const Route& other) { return !route.name.empty() && other.name == route.name; };
    if (std::any_of(routes.begin(), routes.end(), same_name))
      r.report(f->value("name"), f->path_of("name"), "duplicate route name '" + route.name + "'");
    routes.push_back(std::move(route));
  }
  return routes;
}

std::vector<Silence> read_silences(Reader& r, const YAML::Node& node, const std::string& path) {
  std::vector<Silence> silences;
  const auto items = r.list(node, path);
  if (!items) return silences;
  for (std::size_t i = 0; i < items->size(); ++i) {
    if (auto s = read_silence(r, (*items)[i], index_path(path, i))) silences.push_back(std::move(*s));
  }
  return silences;
}

}  // namespace erralert::config
