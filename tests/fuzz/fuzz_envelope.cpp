// libFuzzer target for the Sentry ingestion stages: any bytes framed as an envelope give items
// whose payloads lie inside the body, in order, each with a type; each event item maps to an
// event that core::parse_event reads back the same from its own JSON, or to reasons; the same
// bytes as a gzip, deflate or brotli body never decompress past the bound.
//
//   ./fuzz_envelope tests/fuzz/corpus/envelope -runs=20000
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "erralert/core/parse.hpp"
#include "erralert/ingest/decompress.hpp"
#include "erralert/ingest/sentry_envelope.hpp"
#include "erralert/ingest/sentry_event.hpp"

namespace {

using namespace erralert;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

constexpr std::size_t kMaxDecoded = 64 * 1024;

void check_event(std::string_view payload) {
  core::ParseContext ctx;
  ctx.default_service = "fuzz";
  ctx.host = "fuzz-host";
  ctx.now_ms = 1795323000000;
  ctx.max_event_bytes = 4096;
  const ingest::SentryEvent r = ingest::read_sentry_event(payload, ctx);
  check(r.event_id.empty() || r.event_id.size() == 32);
  check(r.event.has_value() != !r.errors.empty());
  if (!r.event) return;
  check(!r.event->service.empty() && !r.event->message.empty());
  // What the mapping made is an event as any other: read back from its JSON, it is the same.
  ctx.max_clock_skew_ms = 0;
  const auto again = core::parse_event(core::to_json(*r.event, true), ctx);
  check(again.ok());
  check(core::to_json(*again, true) == core::to_json(*r.event, true));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  ingest::EnvelopeLimits limits;
  limits.max_items = 64;
  limits.max_header_bytes = 1024;
  const auto env = ingest::parse_envelope(body, limits);
  if (env) {
    check(env->items.size() <= limits.max_items);
    std::size_t after = 0;
    for (const auto& item : env->items) {
      check(!item.type.empty());
      check(item.offset >= after && item.offset < body.size());
      check(item.payload.empty() ||
            (item.payload.data() >= body.data() && item.payload.data() + item.payload.size() <= body.data() + body.size()));
      if (!item.payload.empty()) after = static_cast<std::size_t>(item.payload.data() - body.data()) + item.payload.size();
      if (item.type == "event") check_event(item.payload);
    }
  } else {
    check(!env.errors().empty() && !env.errors().front().reason.empty());
  }
  // The whole input as a /store/ body.
  check_event(body);

  for (const auto coding : {ingest::ContentCoding::gzip, ingest::ContentCoding::deflate, ingest::ContentCoding::br}) {
    const ingest::Decompressed d = ingest::decompress(body, coding, kMaxDecoded);
    check(d.data.size() <= kMaxDecoded);
    check((d.error == ingest::Decompressed::Error::none) == d.reason.empty());
    if (d.error == ingest::Decompressed::Error::none && !d.data.empty()) (void)ingest::parse_envelope(d.data, limits);
  }
  return 0;
}
