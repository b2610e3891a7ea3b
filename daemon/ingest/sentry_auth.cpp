// Sentry credentials out of a header, a query string or a DSN.
#include "erralert/ingest/sentry_auth.hpp"

#include "erralert/core/text.hpp"
#include "erralert/ingest/query.hpp"

namespace erralert::ingest {

std::optional<std::string> sentry_auth_key(std::string_view header) {
  header = core::trim(header);
  constexpr std::string_view kScheme = "sentry";
  if (header.size() < kScheme.size() || !core::iequals(header.substr(0, kScheme.size()), kScheme)) {
    return std::nullopt;
  }
  header.remove_prefix(kScheme.size());
  if (!header.empty() && header.front() != ' ' && header.front() != '\t') return std::nullopt;
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    const std::string_view pair = core::trim(header.substr(0, comma));
    const std::size_t eq = pair.find('=');
    if (eq != std::string_view::npos && core::iequals(core::trim(pair.substr(0, eq)), "sentry_key")) {
      std::string_view value = core::trim(pair.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
      if (value.empty()) return std::nullopt;
      return std::string(value);
    }
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return std::nullopt;
}

std::optional<std::string> query_sentry_key(std::string_view query) {
  for (auto& [name, value] : parse_query(query)) {
    if (name == "sentry_key") return value.empty() ? std::nullopt : std::optional(std::move(value));
  }
  return std::nullopt;
}

std::optional<Dsn> parse_dsn(std::string_view dsn) {
  dsn = core::trim(dsn);
  const std::size_t scheme_end = dsn.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return std::nullopt;
  std::string_view rest = dsn.substr(scheme_end + 3);
  const std::size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  const std::size_t at = authority.rfind('@');
  if (at == std::string_view::npos || at == 0) return std::nullopt;
  Dsn out;
  const std::string_view user = authority.substr(0, at);
  out.key = core::percent_decode(user.substr(0, user.find(':')));
  if (out.key.empty() || at + 1 == authority.size()) return std::nullopt;
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view path = rest.substr(slash);
  path = path.substr(0, path.find_first_of("?#"));
  while (path.ends_with('/')) path.remove_suffix(1);
  const std::size_t last = path.rfind('/');
  out.project = std::string(path.substr(last + 1));
  if (out.project.empty()) return std::nullopt;
  return out;
}

}  // namespace erralert::ingest
