// Reading YAML nodes into config values while collecting every problem with its position.
//
//   Reader r("erralert.yaml", env);
//   if (auto f = r.map(node, "server.http", kHttpKeys)) r.set(*f, "token", http.token, &Reader::text);
//   if (!r.ok()) throw ConfigError(r.take_problems());
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "erralert/config/config.hpp"
#include "expand.hpp"

namespace erralert::config {

/// "a" + "b" -> "a.b"; "" + "b" -> "b".
std::string child_path(const std::string& parent, std::string_view key);
/// "a" + 2 -> "a[2]".
std::string index_path(const std::string& parent, std::size_t index);

/// One `key: value` of a YAML map, with the key node kept for its position.
struct Field {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

/// The entries of one YAML map, in document order.
class Fields {
 public:
  Fields(YAML::Node map, std::string path) : node_(std::move(map)), path_(std::move(path)) {}
  const YAML::Node& node() const { return node_; }
  const std::string& path() const { return path_; }
  std::string path_of(std::string_view key) const { return child_path(path_, key); }
  /// The entry for `key`; nullptr when absent or written as null (`key:` or `key: ~`).
  const Field* find(std::string_view key) const;
  /// The value for `key`, or a null node when absent.
  YAML::Node value(std::string_view key) const;
  const std::vector<Field>& all() const { return fields_; }
  void add(Field f) { fields_.push_back(std::move(f)); }

 private:
  YAML::Node node_;
  std::string path_;
  std::vector<Field> fields_;
};

class Reader {
 public:
  Reader(std::string file, EnvLookup env) : file_(std::move(file)), env_(std::move(env)) {}

  /// Records a problem at the position of `at` (line 0 when it has none).
  void report(const YAML::Node& at, std::string path, std::string reason);
  void report(const YAML::Mark& at, std::string path, std::string reason);
  bool ok() const { return problems_.empty(); }
  std::size_t problem_count() const { return problems_.size(); }
  /// Every problem so far, ordered by position.
  std::vector<Problem> take_problems();

  /// A map whose keys must be among `allowed` (unknown ones are reported with a suggestion).
  /// A null node is an empty map; anything else that is not a map is reported: nullopt.
  std::optional<Fields> map(const YAML::Node& node, const std::string& path,
                            std::span<const std::string_view> allowed);
  /// A map with any keys (a match block).
  std::optional<Fields> any_map(const YAML::Node& node, const std::string& path);
  /// The items of a list; a null node is an empty list.
  std::optional<std::vector<YAML::Node>> list(const YAML::Node& node, const std::string& path);

  /// Reports each of `keys` that `f` lacks as "required"; true when none is missing.
  bool require(const Fields& f, std::initializer_list<std::string_view> keys);

  /// A scalar as text with ${VAR} expanded.
  std::optional<std::string> text(const YAML::Node& node, const std::string& path);
  std::optional<std::vector<std::string>> strings(const YAML::Node& node, const std::string& path);
  std::optional<bool> boolean(const YAML::Node& node, const std::string& path);
  /// A duration over zero ("30s").
  std::optional<Duration> duration(const YAML::Node& node, const std::string& path);
  /// A duration, zero allowed ("0s").
  std::optional<Duration> duration_or_zero(const YAML::Node& node, const std::string& path);
  /// A whole number of at least 1 that fits in 32 bits (counts).
  std::optional<std::uint64_t> count(const YAML::Node& node, const std::string& path);
  /// A byte size over zero: "65536", "64KiB", "1MiB".
  std::optional<std::uint64_t> size(const YAML::Node& node, const std::string& path);

  /// out = read(field `key`) when `f` has that key and its value is valid.
  template <class T, class Read>
  void set(const Fields& f, std::string_view key, T& out, Read read) {
    const Field* field = f.find(key);
    if (!field) return;
    if (auto v = std::invoke(read, *this, field->value, f.path_of(key))) out = static_cast<T>(std::move(*v));
  }

 private:
  std::optional<Fields> entries(const YAML::Node& node, const std::string& path);
  std::optional<Duration> any_duration(const YAML::Node& node, const std::string& path, bool allow_zero);

  std::string file_;
  EnvLookup env_;
  std::vector<Problem> problems_;
};

/// "a list", "a map", "a string" or "nothing": what a node is, for type errors.
std::string_view describe(const YAML::Node& node);

/// "unknown X 'name'" plus "; did you mean 'near'?" when a candidate is close.
std::string unknown_with_hint(std::string_view what, std::string_view name,
                              std::span<const std::string_view> candidates);

}  // namespace erralert::config
