// libFuzzer target for the UTF-8 helpers: repair always yields valid text, leaves valid text
// alone, and truncation never splits a character or passes its bound.
//
//   ./fuzz_utf8 tests/fuzz/corpus/utf8 -runs=20000
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "erralert/core/utf8.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace erralert::core;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::string text = repair_utf8(bytes);
  check(is_valid_utf8(text));
  if (is_valid_utf8(bytes)) check(text == bytes);
  const std::size_t limit = size % 23;
  const std::string by_bytes = truncate_bytes(text, limit);
  check(by_bytes.size() <= limit || by_bytes == text);
  check(is_valid_utf8(by_bytes));
  const std::string by_chars = truncate_chars(text, limit);
  check(count_chars(by_chars) <= limit || by_chars == text);
  check(is_valid_utf8(by_chars));
  check(count_chars(text) <= text.size());
  return 0;
}
