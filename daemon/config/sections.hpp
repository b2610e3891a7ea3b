// The config file's sections, each read from its YAML node into the structs of config.hpp.
//
//   std::vector<Receiver> rs = read_receivers(reader, root_fields.value("receivers"), "receivers");
//   std::vector<Route> routes = read_routes(reader, node, "routes", cfg.defaults, rs);
#pragma once

#include <string>
#include <vector>

#include "erralert/config/config.hpp"
#include "reader.hpp"

namespace erralert::config {

/// A receiver or route name (letters, digits, '.', '_', '-').
std::optional<std::string> read_name(Reader& r, const YAML::Node& node, const std::string& path);

/// `receivers:`; every entry with a name is returned, even one with problems, so routes can
/// still be checked against it.
std::vector<Receiver> read_receivers(Reader& r, const YAML::Node& node, const std::string& path);

/// `routes:`; group_by and dedup start from `defaults`; receiver names must be in `receivers`.
std::vector<Route> read_routes(Reader& r, const YAML::Node& node, const std::string& path,
                               const Defaults& defaults, const std::vector<Receiver>& receivers);

/// `silences:`.
std::vector<Silence> read_silences(Reader& r, const YAML::Node& node, const std::string& path);

/// A `match:` block, each term validated by core::compile_matcher.
std::vector<MatchTerm> read_match(Reader& r, const YAML::Node& node, const std::string& path);

/// A `group_by:` list of event field paths.
std::optional<std::vector<std::string>> read_group_by(Reader& r, const YAML::Node& node,
                                                      const std::string& path);

/// `ingest:` (its `sentry.projects`).
Ingest read_ingest(Reader& r, const YAML::Node& node, const std::string& path);

/// `cluster:` (fleet mode).
Cluster read_cluster(Reader& r, const YAML::Node& node, const std::string& path);

/// A `dedup:` block; keys it leaves out keep their value from `base`.
Dedup read_dedup(Reader& r, const YAML::Node& node, const std::string& path, Dedup base);

}  // namespace erralert::config
