// `ingest:`: the Sentry projects whose SDKs may send to /api/{project}/envelope/ and /store/.
#include <algorithm>
#include <array>

#include "sections.hpp"

namespace erralert::config {
namespace {

constexpr std::array<std::string_view, 1> kIngestKeys{"sentry"};
constexpr std::array<std::string_view, 1> kSentryKeys{"projects"};
constexpr std::array<std::string_view, 3> kProjectKeys{"id", "key", "service"};
constexpr std::size_t kMaxKeyChars = 256;

bool is_unreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

// The key goes into the DSN's user part unescaped (http://<key>@host/1), so it takes only
// URL-unreserved characters; the problem never repeats it.
std::optional<std::string> read_key(Reader& r, const YAML::Node& node, const std::string& path) {
  auto key = r.text(node, path);
  if (!key) return std::nullopt;
  if (key->empty()) {
    r.report(node, path, "must not be empty (is the variable it names set to \"\"?)");
    return std::nullopt;
  }
  if (key->size() > kMaxKeyChars || !std::all_of(key->begin(), key->end(), is_unreserved)) {
    r.report(node, path,
             "must be at most 256 letters, digits, '-', '.', '_' or '~' (it is the DSN's user part: "
             "http://<key>@127.0.0.1:9780/<id>)");
    return std::nullopt;
  }
  return key;
}

std::optional<std::string> read_service(Reader& r, const YAML::Node& node, const std::string& path) {
  auto service = r.text(node, path);
  if (service && service->empty()) {
    r.report(node, path, "must not be empty (leave it out to take a `service` tag or defaults.service)");
    return std::nullopt;
  }
  return service;
}

std::vector<SentryProject> read_projects(Reader& r, const YAML::Node& node, const std::string& path) {
  std::vector<SentryProject> projects;
  const auto items = r.list(node, path);
  if (!items) return projects;
  if (items->empty()) r.report(node, path, "name at least one project (or leave ingest.sentry out)");
  for (std::size_t i = 0; i < items->size(); ++i) {
    const auto f = r.map((*items)[i], index_path(path, i), kProjectKeys);
    if (!f) continue;
    const std::size_t before = r.problem_count();
    SentryProject p;
    r.require(*f, {"id", "key"});
    r.set(*f, "id", p.id, &Reader::count);
    r.set(*f, "key", p.key, read_key);
    r.set(*f, "service", p.service, read_service);
    if (r.problem_count() != before) continue;
    const auto same_id = [&](const SentryProject& other) { return other.id == p.id; };
    if (std::any_of(projects.begin(), projects.end(), same_id)) {
      r.report(f->value("id"), f->path_of("id"), "duplicate project id " + std::to_string(p.id));
      continue;
    }
    projects.push_back(std::move(p));
  }
  return projects;
}

}  // namespace

Ingest read_ingest(Reader& r, const YAML::Node& node, const std::string& path) {
  Ingest ingest;
  const auto f = r.map(node, path, kIngestKeys);
  if (!f || !f->find("sentry")) return ingest;
  const auto sentry = r.map(f->value("sentry"), f->path_of("sentry"), kSentryKeys);
  if (!sentry) return ingest;
  if (!r.require(*sentry, {"projects"})) return ingest;
  ingest.sentry_projects = read_projects(r, sentry->value("projects"), sentry->path_of("projects"));
  return ingest;
}

}  // namespace erralert::config
