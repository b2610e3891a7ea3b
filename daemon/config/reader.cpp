// Reading YAML nodes into config values while collecting every problem with its position.
#include "reader.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

#include "erralert/core/duration.hpp"
#include "erralert/core/match.hpp"
#include "values.hpp"

namespace erralert::config {

std::string child_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

std::string index_path(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

std::string_view describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Scalar: return "a string";
    default: return "nothing";
  }
}

std::string unknown_with_hint(std::string_view what, std::string_view name,
                              std::span<const std::string_view> candidates) {
  std::string reason = "unknown " + std::string(what) + " '" + std::string(name) + "'";
  if (auto near = core::closest_name(name, candidates)) reason += "; did you mean '" + std::string(*near) + "'?";
  return reason;
}

const Field* Fields::find(std::string_view key) const {
  for (const Field& f : fields_)
    if (f.key == key) return f.value.IsNull() ? nullptr : &f;
  return nullptr;
}

YAML::Node Fields::value(std::string_view key) const {
  const Field* f = find(key);
  return f ? f->value : YAML::Node();
}

void Reader::report(const YAML::Node& at, std::string path, std::string reason) {
  report(at.Mark(), std::move(path), std::move(reason));
}

void Reader::report(const YAML::Mark& at, std::string path, std::string reason) {
  const bool known = !at.is_null() && at.line >= 0;
  problems_.push_back(Problem{file_, known ? at.line + 1 : 0, known ? at.column + 1 : 0,
                              std::move(path), std::move(reason)});
}

std::vector<Problem> Reader::take_problems() {
  std::stable_sort(problems_.begin(), problems_.end(), [](const Problem& a, const Problem& b) {
    return std::pair(a.line, a.column) < std::pair(b.line, b.column);
  });
  return std::move(problems_);
}

std::optional<Fields> Reader::entries(const YAML::Node& node, const std::string& path) {
  Fields fields(node, path);
  if (node.IsNull()) return fields;
  if (!node.IsMap()) {
    report(node, path, "expected a map, got " + std::string(describe(node)));
    return std::nullopt;
  }
  for (const auto& entry : node) {
    const YAML::Node key = entry.first;
    if (!key.IsScalar()) {
      report(key, path, "keys must be strings, got " + std::string(describe(key)));
      continue;
    }
    const auto same_key = [&](const Field& f) { return f.key == key.Scalar(); };
    if (std::any_of(fields.all().begin(), fields.all().end(), same_key)) {
      report(key, child_path(path, key.Scalar()), "duplicate key");
      continue;
    }
    fields.add(Field{key.Scalar(), key, entry.second});
  }
  return fields;
}

std::optional<Fields> Reader::map(const YAML::Node& node, const std::string& path,
                                  std::span<const std::string_view> allowed) {
  std::optional<Fields> all = entries(node, path);
  if (!all) return all;
  Fields known(node, path);
  for (const Field& f : all->all()) {
    if (std::find(allowed.begin(), allowed.end(), f.key) != allowed.end()) {
      known.add(f);
    } else {
      report(f.key_node, child_path(path, f.key), unknown_with_hint("key", f.key, allowed));
    }
  }
  return known;
}

std::optional<Fields> Reader::any_map(const YAML::Node& node, const std::string& path) {
  return entries(node, path);
}

std::optional<std::vector<YAML::Node>> Reader::list(const YAML::Node& node, const std::string& path) {
  std::vector<YAML::Node> items;
  if (node.IsNull()) return items;
  if (!node.IsSequence()) {
    report(node, path, "expected a list, got " + std::string(describe(node)));
    return std::nullopt;
  }
  for (const YAML::Node& item : node) items.push_back(item);
  return items;
}

bool Reader::require(const Fields& f, std::initializer_list<std::string_view> keys) {
  bool complete = true;
  for (std::string_view key : keys) {
    if (f.find(key)) continue;
    report(f.node(), f.path_of(key), "required");
    complete = false;
  }
  return complete;
}

std::optional<std::string> Reader::text(const YAML::Node& node, const std::string& path) {
  if (!node.IsScalar()) {
    report(node, path, "expected a string, got " + std::string(describe(node)));
    return std::nullopt;
  }
  core::Result<std::string> expanded = expand_env(node.Scalar(), env_);
  if (!expanded) {
    report(node, path, expanded.errors().front().reason);
    return std::nullopt;
  }
  return std::move(expanded).value();
}

std::optional<std::vector<std::string>> Reader::strings(const YAML::Node& node, const std::string& path) {
  const auto items = list(node, path);
  if (!items) return std::nullopt;
  std::vector<std::string> out;
  bool all_ok = true;
  for (std::size_t i = 0; i < items->size(); ++i) {
    auto s = text((*items)[i], index_path(path, i));
    if (s) out.push_back(std::move(*s));
    all_ok = all_ok && s.has_value();
  }
  if (!all_ok) return std::nullopt;
  return out;
}

std::optional<bool> Reader::boolean(const YAML::Node& node, const std::string& path) {
  const auto s = text(node, path);
  if (!s) return std::nullopt;
  std::string lower(*s);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "true" || lower == "yes" || lower == "on") return true;
  if (lower == "false" || lower == "no" || lower == "off") return false;
  report(node, path, "expected true or false");
  return std::nullopt;
}

std::optional<Duration> Reader::any_duration(const YAML::Node& node, const std::string& path,
                                             bool allow_zero) {
  const auto s = text(node, path);
  if (!s) return std::nullopt;
  const auto d = core::parse_duration(*s);
  if (!d) {
    report(node, path, "expected a duration: a whole number and a unit, like 500ms, 30s, 5m, 1h or 1d");
    return std::nullopt;
  }
  if (!allow_zero && d->count() == 0) {
    report(node, path, "must be longer than zero");
    return std::nullopt;
  }
  return *d;
}

std::optional<Duration> Reader::duration(const YAML::Node& node, const std::string& path) {
  return any_duration(node, path, false);
}

std::optional<Duration> Reader::duration_or_zero(const YAML::Node& node, const std::string& path) {
  return any_duration(node, path, true);
}

std::optional<std::uint64_t> Reader::count(const YAML::Node& node, const std::string& path) {
  const auto s = text(node, path);
  if (!s) return std::nullopt;
  const auto n = parse_uint(*s);
  if (!n || *n < 1 || *n > std::numeric_limits<std::uint32_t>::max()) {
    report(node, path, "expected a whole number from 1 to 4294967295");
    return std::nullopt;
  }
  return n;
}

std::optional<std::uint64_t> Reader::size(const YAML::Node& node, const std::string& path) {
  const auto s = text(node, path);
  if (!s) return std::nullopt;
  const auto n = parse_size(*s);
  if (!n || *n == 0) {
    report(node, path, "expected a size in bytes over zero, like 65536, 64KiB or 1MiB");
    return std::nullopt;
  }
  return n;
}

}  // namespace erralert::config
