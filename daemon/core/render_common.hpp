// Shared by the Discord, Slack and webhook renderers: facts about an event in plain text (no
// markup) and fitting composed text into a platform's length limit.
//
//   std::vector<Section> parts{{"", detail}, {"```\n", stack, "\n```"}};
//   std::string text = fit_sections(parts, 4096, Measure::code_points);  // later parts cut first
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "erralert/core/notification.hpp"

namespace erralert::core::rendering {

// ---- lengths as a platform counts them ------------------------------------------------------

/// How a platform counts characters: Discord code points, Slack (taken as) UTF-16 units.
enum class Measure { code_points, utf16 };

/// The length of valid UTF-8 `s` in `m`'s units.
std::size_t text_length(std::string_view s, Measure m);

/// At most `max` units of `s`, cut on a character boundary and ending in "…" when cut.
std::string cut(std::string_view s, std::size_t max, Measure m);

/// A piece of a composed text: `prefix` and `suffix` stay whole, only `body` is cut.
struct Section {
  std::string prefix;
  std::string body;
  std::string suffix;
  std::size_t min_body = 1;  ///< when `body` would be cut shorter than this, drop the section
};

/// The non-empty sections joined by `separator` within `max` units: the last sections are cut,
/// or dropped, first. May be empty when nothing fits.
std::string fit_sections(std::vector<Section> sections, std::size_t max, Measure m,
                         std::string_view separator = "\n\n");

/// As many of `lines` (most important first) as fit in `max` units, one per line, followed by
/// `more(shown)` when that is not empty (it says what was left out).
std::string fit_lines(const std::vector<std::string>& lines, std::size_t max, Measure m,
                      const std::function<std::string(std::size_t shown)>& more);

// ---- event text made safe -------------------------------------------------------------------

/// Event text without the invisible characters that make a message read other than it is:
/// direction controls (U+202A..U+202E, U+2066..U+2069, U+200E, U+200F, U+061C) become U+FFFD,
/// so a reader sees something was there; zero-width spaces, word joiners and BOMs (U+200B,
/// U+2060, U+FEFF, U+180E) are dropped. ZWJ and ZWNJ stay: emoji and several scripts need them.
std::string neutralise_invisible(std::string_view s);

/// "@everyone", "@here" and "@channel" with a zero-width space after '@', so they never ping;
/// neutralise_invisible() first, so the only zero-width spaces left are these.
std::string defuse_mentions(std::string_view s);

/// Event text for inside a ``` code block: no "```" can close it early, no mass mention.
std::string code_text(std::string_view s);

// ---- plain-text facts -----------------------------------------------------------------------

/// True when a notification is shown as a list of groups rather than one event.
bool is_digest(const Notification& n);

std::string_view severity_emoji(Severity s);
/// Discord's palette: critical 0x992D22, error 0xE74C3C, warning 0xF1C40F, info 0x3498DB,
/// debug 0x95A5A6.
std::uint32_t severity_colour(Severity s);
Severity highest_severity(const Notification& n);

/// "502 Bad Gateway · FEP-SEC-01001", "502 Bad Gateway", "FEP-SEC-01001" or "".
std::string status_and_code(const Event& e);
/// "POST /v1/users/{id}/embeddings" (the path when there is no route).
std::string request_line(const Request& r);
/// "/v1/users/48213/embeddings?page=3" when it says more than the route, else "".
std::string raw_target(const Request& r);
/// "payment-api: open AI 연동 오류 : /embeddings".
std::string headline(const Event& e);
/// "🔴 payment-api: …", with "523× " before the service when the group counts more than one;
/// "✅ Resolved · payment-api: …" for a resolved group.
std::string title_line(const Notification& n, const GroupEntry& g);
/// "feign.FeignException$BadGateway: [502 Bad Gateway] during …", or "".
std::string exception_line(const ExceptionInfo& x);
/// The first `max_lines` lines of a stack trace.
std::string stack_head(std::string_view stack, std::size_t max_lines = 12);
/// "model=text-embedding-ada-002" per member of `object` (strings bare, the rest compact JSON).
std::vector<std::string> key_value_lines(const nlohmann::json& object);
/// "name.last = \"\" — must not be empty" per entry.
std::vector<std::string> field_error_lines(const std::vector<EventFieldError>& errors);
/// What the group's notification says of its count and time, in one line (empty when nothing):
/// summary "×523 in the last 5 min · first 04:49:46 · last 04:54:46"; resolved "stopped: 4,213
/// times from 09:02 to 12:58, quiet since 12:58"; a reopened first "again: seen 1,204 times since
/// 2026-11-22T04:49:46Z"; the overflow group says what it holds; an event whose own timestamp was
/// more than 5 minutes off adds "app's time 2022-12-22T04:49:46.123Z".
std::string state_line(const Notification& n, const GroupEntry& g);
/// 4213 as "4,213".
std::string thousands(std::uint64_t n);
/// A window as people say it: "5 min", "1 h", "30 s", "1 day".
std::string span_text(std::int64_t ms);
/// Discord's colour for a notification: resolved green, else by severity.
std::uint32_t notification_colour(const Notification& n, Severity s);

/// "523 events" / "1 event".
std::string events_text(std::uint64_t count);
/// True when a group's count or span is worth its own fields (more than one event).
bool shows_count(const Notification& n, const GroupEntry& g);
/// The first 12 characters of a fingerprint and "…" ("9f2c1a2b3c4d…"), on character boundaries.
std::string short_fingerprint(std::string_view fp);
/// "erralert · route payments-5xx · fingerprint 9f2c1a2b3c4d…" ("· digest" for digests).
std::string footer_text(const Notification& n);
/// The time of the last event: the group's last_seen, else the event's timestamp.
std::int64_t last_seen(const GroupEntry& g);
/// Earliest first_seen and latest last_seen over all groups (0, 0 without groups).
std::pair<std::int64_t, std::int64_t> span(const Notification& n);

// ---- digests --------------------------------------------------------------------------------

/// The groups, largest count first (stable).
std::vector<const GroupEntry*> largest_groups(const Notification& n);
/// "Digest: 600 events in 12 groups".
std::string digest_title(const Notification& n);
/// "payment-api · POST /v1/users/{id}/embeddings · 502 Bad Gateway · FEP-SEC-01001 · message".
std::string digest_line(const GroupEntry& g);
/// "+11 more groups, 77 events" for what `sorted[shown..]` and `n.other_*` hold; "" if none.
std::string more_text(const Notification& n, const std::vector<const GroupEntry*>& sorted,
                      std::size_t shown);

}  // namespace erralert::core::rendering
