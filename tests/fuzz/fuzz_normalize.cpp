// libFuzzer target for normalize_route: any bytes give a rooted route without empty segments,
// query or fragment, and normalising a route again changes nothing.
//
//   ./fuzz_normalize tests/fuzz/corpus/normalize -runs=20000
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "erralert/core/normalize.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view path(reinterpret_cast<const char*>(data), size);
  const std::string route = erralert::core::normalize_route(path);
  if (route.empty()) return 0;
  check(route.front() == '/');
  check(route.find("//") == std::string::npos);
  check(route.find_first_of("?#") == std::string::npos);
  check(route == "/" || route.back() != '/');
  check(erralert::core::normalize_route(route) == route);
  return 0;
}
