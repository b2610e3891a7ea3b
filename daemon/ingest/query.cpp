// Query strings and form bodies as decoded pairs.
#include "erralert/ingest/query.hpp"

#include "erralert/core/text.hpp"

namespace erralert::ingest {
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) {
      const std::size_t eq = pair.find('=');
      pairs.emplace_back(core::percent_decode(pair.substr(0, eq), true),
                         eq == std::string_view::npos ? std::string() : core::percent_decode(pair.substr(eq + 1), true));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return pairs;
}

}  // namespace erralert::ingest
