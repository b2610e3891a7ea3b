// Sentry event → erralert event: what an unmodified Sentry SDK reports, mapped field by field
// onto the contract's event (README, "Apps that already use a Sentry SDK", has the table).
//
//   core::ParseContext ctx = ...;  ctx.transport_service = project.service;
//   SentryEvent r = read_sentry_event(payload, ctx);
//   if (r.event) queue(*r.event); else refuse(r.errors, r.too_large);
//
// The mapping is lenient, because an SDK cannot fix what it sent: a field of the wrong type is
// left out, not refused; a timestamp that does not read dates the event at receipt; a field
// the contract refuses (a method that is no HTTP token, a service over 128 characters) is
// dropped and the rest goes on. Only a payload that is not a JSON object, or that stays over
// ctx.max_event_bytes once the optional parts are shed, is refused.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "erralert/core/event.hpp"
#include "erralert/core/parse.hpp"
#include "erralert/core/result.hpp"

namespace erralert::ingest {

/// Sentry's limit on one event item, decompressed (Relay's max_event_size).
inline constexpr std::size_t kMaxSentryEventBytes = 1024 * 1024;

/// What became of one Sentry event payload.
struct SentryEvent {
  std::optional<core::Event> event;  ///< nullopt: refused, `errors` say why
  core::Errors errors;
  bool too_large = false;  ///< refused for its size (kMaxSentryEventBytes or ctx.max_event_bytes)
  std::string event_id;    ///< the payload's event_id as 32 lower-case hex digits; "" when none reads
};

/// One Sentry event payload (JSON text) as an erralert event, validated and normalised by
/// core::parse_event with `ctx`, whose transport_service is the project's service (a `service`
/// tag beats it).
SentryEvent read_sentry_event(std::string_view payload, const core::ParseContext& ctx);

/// A Sentry event_id ("9ec79c33ec9942ab8353589fcb2e04dc", or a UUID with dashes, any case) as
/// 32 lower-case hex digits; "" when it is not one.
std::string normalize_event_id(std::string_view id);

}  // namespace erralert::ingest
