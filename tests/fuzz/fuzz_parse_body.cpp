// libFuzzer target for parse_body: any bytes, as JSON and as NDJSON, never crash, and every
// accepted event survives to_json -> parse_event unchanged.
//
//   ./fuzz_parse_body tests/fuzz/corpus/parse_body -runs=20000
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "erralert/core/parse.hpp"
#include "erralert/core/utf8.hpp"

namespace {

using erralert::core::BodyFormat;
using erralert::core::BodyResult;
using erralert::core::Event;
using erralert::core::ParseContext;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

ParseContext fuzz_context(std::size_t max_event_bytes) {
  ParseContext ctx;
  ctx.default_service = "fuzz";
  ctx.host = "fuzz-host";
  ctx.now_ms = 1795322986000;
  ctx.max_event_bytes = max_event_bytes;
  return ctx;
}

void check_event(const Event& e, const ParseContext& ctx) {
  check(!e.service.empty() && !e.message.empty());
  check(erralert::core::is_valid_utf8(e.message) && e.message.size() <= 8192);
  check(e.status == 0 || (e.status >= 100 && e.status <= 599));
  const nlohmann::json j = erralert::core::to_json(e, true);
  // Throws on invalid UTF-8: the parser must have repaired everything. The store's text of
  // the event is the same bytes.
  check(erralert::core::to_json_text(e, true) == j.dump());
  (void)erralert::core::field_value(e, "request.params.a.b");
  const auto back = erralert::core::parse_event(erralert::core::to_json(e), ctx);
  check(back.ok());
  check(erralert::core::to_json(*back) == erralert::core::to_json(e));
}

void check_body(const BodyResult& r, const ParseContext& ctx) {
  if (r.syntax_error) check(r.events.empty() && r.rejected.empty());
  for (const auto& rejection : r.rejected) {
    check(!rejection.errors.empty());
    for (const auto& err : rejection.errors) check(erralert::core::count_chars(err.value) <= 64);
  }
  for (const auto& e : r.events) check_event(e, ctx);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  // A small limit half of the time, so that too-large paths are explored with small inputs.
  const ParseContext ctx = fuzz_context(size % 2 == 0 ? 65536 : 256);
  check_body(erralert::core::parse_body(body, BodyFormat::json, ctx), ctx);
  check_body(erralert::core::parse_body(body, BodyFormat::ndjson, ctx), ctx);
  return 0;
}
