// Conversions between the two JSON libraries erralert uses: Boost.JSON parses untrusted event
// text fast (parse.cpp); nlohmann::json holds the parts of an Event that stay JSON (params,
// headers, extra, ...) and writes every document erralert produces.
//
//   nlohmann::json params = to_nlohmann(request.at("params"));
//   boost::json::value v = to_boost(j, &arena);
//
// Both recurse once per nesting level; callers bound the depth first (the parser's max_depth,
// or a depth check on values from elsewhere).
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <nlohmann/json.hpp>

namespace erralert::core {

/// Non-negative integers become nlohmann's unsigned numbers (as nlohmann's own parser makes
/// them); infinities (Boost.JSON reads 1e400 as one) become null, as JSON has no infinity.
nlohmann::json to_nlohmann(const boost::json::value& v);
nlohmann::json to_nlohmann(const boost::json::object& members);
nlohmann::json to_nlohmann(const boost::json::array& items);

/// Keys and strings are copied as they are: callers repair invalid UTF-8 before or after.
/// Unsigned numbers that fit become int64, as Boost.JSON's parser makes them.
boost::json::value to_boost(const nlohmann::json& j, boost::json::storage_ptr sp = {});

}  // namespace erralert::core
