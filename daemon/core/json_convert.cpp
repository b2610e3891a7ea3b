// Boost.JSON <-> nlohmann::json, value by value.
#include "erralert/core/json_convert.hpp"

#include <cmath>
#include <cstdint>
#include <string>

namespace erralert::core {

namespace bj = boost::json;
using json = nlohmann::json;

json to_nlohmann(const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::null: return nullptr;
    case bj::kind::bool_: return v.get_bool();
    case bj::kind::int64: {
      const std::int64_t n = v.get_int64();
      if (n >= 0) return static_cast<std::uint64_t>(n);
      return n;
    }
    case bj::kind::uint64: return v.get_uint64();
    case bj::kind::double_: {
      const double d = v.get_double();
      if (!std::isfinite(d)) return nullptr;
      return d;
    }
    case bj::kind::string: return std::string(v.get_string());
    case bj::kind::array: return to_nlohmann(v.get_array());
    case bj::kind::object: return to_nlohmann(v.get_object());
  }
  return nullptr;
}

json to_nlohmann(const bj::object& members) {
  json out = json::object();
  for (const bj::key_value_pair& member : members) out[std::string(member.key())] = to_nlohmann(member.value());
  return out;
}

json to_nlohmann(const bj::array& items) {
  json out = json::array();
  for (const bj::value& item : items) out.push_back(to_nlohmann(item));
  return out;
}

bj::value to_boost(const json& j, bj::storage_ptr sp) {
  switch (j.type()) {
    case json::value_t::null:
    case json::value_t::discarded: return bj::value(nullptr, sp);
    case json::value_t::boolean: return bj::value(j.get<bool>(), sp);
    case json::value_t::number_integer: return bj::value(j.get<std::int64_t>(), sp);
    case json::value_t::number_unsigned: {  // as Boost.JSON's parser: int64 when it fits
      const std::uint64_t n = j.get<std::uint64_t>();
      if (n <= static_cast<std::uint64_t>(INT64_MAX)) return bj::value(static_cast<std::int64_t>(n), sp);
      return bj::value(n, sp);
    }
    case json::value_t::number_float: return bj::value(j.get<double>(), sp);
    case json::value_t::string: return bj::value(bj::string_view(j.get_ref<const std::string&>()), sp);
    case json::value_t::binary: return bj::value(nullptr, sp);
    case json::value_t::array: {
      bj::array out(sp);
      out.reserve(j.size());
      for (const json& item : j) out.push_back(to_boost(item, sp));
      return out;
    }
    case json::value_t::object: {
      bj::object out(sp);
      out.reserve(j.size());
      for (auto it = j.begin(); it != j.end(); ++it) out.emplace(it.key(), to_boost(it.value(), sp));
      return out;
    }
  }
  return bj::value(nullptr, sp);
}

}  // namespace erralert::core
