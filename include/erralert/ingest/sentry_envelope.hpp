// Sentry envelope framing: the header line and the items of a POST /api/{project}/envelope/
// body, as the Sentry SDKs write them (develop.sentry.dev/sdk/envelopes/).
//
//   auto env = parse_envelope(body);        // body as decompressed; views into it
//   if (!env) answer 400 with env.errors().front().reason;
//   for (const auto& item : env->items) if (item.type == "event") map(item.payload);
//
// The format: one line of JSON, the envelope header ({"event_id", "dsn", "sent_at"}); then
// items, each an item header line of JSON ({"type": ..., "length"?: N}) and its payload:
// exactly N bytes when `length` is given (they may hold newlines), else the bytes up to the
// next newline or the end. A newline after a payload is optional at the end of the body.
// Tolerated beyond the letter of the format, as Relay tolerates it or SDKs have written it:
// "\r\n" for "\n" after any line or payload, blank lines between items, no newline at the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "erralert/core/result.hpp"

namespace erralert::ingest {

/// One item; `payload` views the body that was parsed.
struct EnvelopeItem {
  std::string type;  ///< "event", "session", "attachment", ...; never empty
  std::string_view payload;
  std::size_t offset = 0;  ///< where its header line starts in the body (for messages)
};

struct Envelope {
  std::string event_id;  ///< the header's event_id, as sent; empty when absent
  std::string dsn;       ///< the header's dsn; empty when absent
  std::vector<EnvelopeItem> items;
};

/// Bounds the parser holds to whatever the body says.
struct EnvelopeLimits {
  std::size_t max_items = 1000;        ///< more items than this: refused
  std::size_t max_header_bytes = 64 * 1024;  ///< an envelope or item header line longer: refused
};

/// The envelope in `body`, or why it is not one: the FieldError's `field` names the part
/// ("envelope header", "items[2]") and its reason what is wrong and at which byte; nothing
/// after the first error is read. An empty body, a header that is not a JSON object, an item
/// header without a string `type` or with a `length` that is not a whole number, and a
/// payload shorter than its `length` (a truncated body) are errors.
core::Result<Envelope> parse_envelope(std::string_view body, const EnvelopeLimits& limits = {});

}  // namespace erralert::ingest
