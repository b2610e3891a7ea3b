// `cluster:`: where fleet mode's Redis is, the keys it uses, and how long a round trip may take.
#include <algorithm>
#include <array>

#include "erralert/core/url.hpp"
#include "sections.hpp"

namespace erralert::config {
namespace {

constexpr std::array<std::string_view, 4> kClusterKeys{"redis", "key_prefix", "timeout", "instance"};
constexpr std::size_t kMaxNameChars = 128;

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == ':';
}

// The URL may hold a password: a problem says what is wrong with it, never what it is.
std::optional<std::string> read_redis_url(Reader& r, const YAML::Node& node, const std::string& path) {
  auto url = r.text(node, path);
  if (!url) return std::nullopt;
  const auto parsed = core::parse_redis_url(*url);
  if (const auto* why = std::get_if<std::string>(&parsed)) {
    r.report(node, path, *why + " (expected redis://[user:password@]host[:port][/db])");
    return std::nullopt;
  }
  return url;
}

// Key prefixes and instance names go into Redis keys and `cluster status`: printable, short.
std::optional<std::string> read_key_name(Reader& r, const YAML::Node& node, const std::string& path) {
  auto text = r.text(node, path);
  if (!text) return std::nullopt;
  if (text->empty() || text->size() > kMaxNameChars || !std::all_of(text->begin(), text->end(), is_name_char)) {
    r.report(node, path, "must be 1 to 128 letters, digits, '-', '.', '_' or ':'");
    return std::nullopt;
  }
  return text;
}

}  // namespace

Cluster read_cluster(Reader& r, const YAML::Node& node, const std::string& path) {
  Cluster cluster;
  if (!node.IsDefined() || node.IsNull()) return cluster;  // no fleet: each sidecar alone
  const auto f = r.map(node, path, kClusterKeys);
  if (!f) return cluster;
  if (!r.require(*f, {"redis"})) return cluster;
  r.set(*f, "redis", cluster.redis, read_redis_url);
  r.set(*f, "key_prefix", cluster.key_prefix, read_key_name);
  r.set(*f, "timeout", cluster.timeout, &Reader::duration);
  r.set(*f, "instance", cluster.instance, read_key_name);
  return cluster;
}

}  // namespace erralert::config
