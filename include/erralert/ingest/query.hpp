// Query strings and form bodies (application/x-www-form-urlencoded) as decoded pairs.
//
//   parse_query("a=1&b=x%20y&c")   // {{"a","1"}, {"b","x y"}, {"c",""}}
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace erralert::ingest {

/// The '&'-separated pairs of `query` (no leading '?'), names and values decoded (%XX and '+',
/// core::percent_decode); a pair
/// without '=' has an empty value; empty pairs ("a=1&&b=2") are skipped.
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query);

}  // namespace erralert::ingest
