// libFuzzer target for redaction and rendering: any event, redacted and rendered for Discord,
// Slack and a webhook, stays within every platform limit and valid UTF-8, and on the console is
// one line of valid UTF-8 without control characters, and on Discord and Slack free of direction
// controls; redaction is idempotent, and its fast path finds the card numbers its full rules find.
//
//   ./fuzz_render -runs=20000   (no seed corpus needed; FuzzedDataProvider builds the event)
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "../core/render_limits.hpp"
#include "erralert/core/redact.hpp"
#include "erralert/core/render.hpp"
#include "erralert/core/render_console.hpp"
#include "erralert/core/utf8.hpp"

namespace {

using erralert::core::Event;
using erralert::core::Notification;
using json = nlohmann::json;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

/// Text as the parser would hand it over: repaired UTF-8.
std::string text(FuzzedDataProvider& in, std::size_t max = 4096) {
  return erralert::core::repair_utf8(in.ConsumeRandomLengthString(max));
}

json value(FuzzedDataProvider& in, int depth) {
  switch (depth > 3 ? 0 : in.ConsumeIntegralInRange(0, 4)) {
    case 0: return text(in, 512);
    case 1: return in.ConsumeIntegral<std::int64_t>();
    case 2: return in.ConsumeBool();
    case 3: {
      json a = json::array();
      for (int i = in.ConsumeIntegralInRange(0, 4); i > 0; --i) a.push_back(value(in, depth + 1));
      return a;
    }
    default: {
      json o = json::object();
      for (int i = in.ConsumeIntegralInRange(0, 4); i > 0; --i) o[text(in, 64)] = value(in, depth + 1);
      return o;
    }
  }
}

json object(FuzzedDataProvider& in) {
  json o = json::object();
  for (int i = in.ConsumeIntegralInRange(0, 40); i > 0 && in.remaining_bytes() > 0; --i) o[text(in, 64)] = value(in, 1);
  return o;
}

Event event(FuzzedDataProvider& in) {
  Event e;
  e.service = text(in, 256);
  e.environment = text(in, 256);
  e.host = text(in, 256);
  e.timestamp_ms = in.ConsumeIntegralInRange<std::int64_t>(0, 253402300799999);
  e.severity = static_cast<erralert::core::Severity>(in.ConsumeIntegralInRange(0, 4));
  e.code = text(in, 256);
  e.status = in.ConsumeIntegralInRange(0, 599);
  e.message = text(in);
  e.detail = text(in);
  e.request.method = text(in, 16);
  e.request.path = text(in, 1024);
  e.request.route = text(in, 1024);
  e.request.query = text(in, 1024);
  e.request.params = object(in);
  e.request.headers = object(in);
  for (int i = in.ConsumeIntegralInRange(0, 40); i > 0 && in.remaining_bytes() > 0; --i) {
    e.errors.push_back({text(in, 128), value(in, 1), text(in, 512)});
  }
  e.exception = {text(in, 256), text(in), text(in, 8192)};
  e.trace_id = text(in, 64);
  e.tags = object(in);
  return e;
}

/// Text that none of the built-in free-text rules can match: no ':', '=' or "bearer".
bool plain_text(std::string_view t) {
  std::string lower(t);
  for (auto& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return lower.find_first_of(":=") == std::string::npos && lower.find("bearer") == std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  static const erralert::core::Redactor redactor({"card_no"}, {R"(\b\d{6}-\d{7}\b)"});
  static const erralert::core::Redactor builtins_only;

  // Plain text takes redaction's fast path (a byte scan decides whether the card search runs);
  // behind "password=x " it takes the full rules (the card search always runs): same cards.
  if (const std::string t = text(in, 256); plain_text(t)) {
    check(builtins_only.scrub("password=x " + t) == "password=[redacted] " + builtins_only.scrub(t));
  }

  Notification n;
  n.kind = static_cast<erralert::core::NotificationKind>(
      in.ConsumeIntegralInRange<int>(0, erralert::core::kNotificationKinds - 1));
  n.route = text(in, 128);
  n.receiver = text(in, 64);
  for (int i = in.ConsumeIntegralInRange(1, 3); i > 0; --i) {
    Event e = event(in);
    redactor.redact(e);
    Event again = e;
    redactor.redact(again);
    check(erralert::core::to_json(again) == erralert::core::to_json(e));
    const auto first = in.ConsumeIntegralInRange<std::int64_t>(0, 253402300799999);
    auto& g = n.groups.emplace_back();
    g.fingerprint = text(in, 32);
    g.count = in.ConsumeIntegral<std::uint32_t>();
    g.first_seen_ms = first;
    g.last_seen_ms = first + in.ConsumeIntegral<std::uint16_t>();
    g.event = std::make_shared<const Event>(std::move(e));
    g.total = in.ConsumeIntegral<std::uint32_t>();
    g.window_ms = in.ConsumeIntegral<std::uint32_t>();
    if (in.ConsumeBool()) {
      g.seen_before = in.ConsumeIntegral<std::uint32_t>();
      g.seen_before_since_ms = in.ConsumeIntegralInRange<std::int64_t>(0, 253402300799999);
    }
    g.overflow = in.ConsumeBool();
    g.host_only = in.ConsumeBool();
  }
  if (in.ConsumeBool()) n.groups.resize(in.ConsumeIntegralInRange<std::size_t>(0, 1));
  n.other_groups = in.ConsumeIntegral<std::uint16_t>();
  n.other_count = in.ConsumeIntegral<std::uint32_t>();

  const json discord = erralert::core::render_discord(n);
  const json slack = erralert::core::render_slack(n);
  const json webhook = erralert::core::render_webhook(n);
  check(erralert::testing::discord_violation(discord).empty());
  check(erralert::testing::slack_violation(slack).empty());
  // dump() throws on invalid UTF-8: a cut inside a character would end the run here.
  check(erralert::core::is_valid_utf8(discord.dump()));
  check(erralert::core::is_valid_utf8(slack.dump()));
  check(erralert::core::is_valid_utf8(webhook.dump()));
  // No direction control or hidden zero-width character of the event reaches Discord or Slack,
  // where it could make a message read other than it is (the renderers' own U+200B after an '@'
  // of a mass mention is the one zero-width space allowed, so only the others are checked).
  for (const std::string& body : {discord.dump(), slack.dump()}) {
    for (std::string_view bad : {"\u202A", "\u202B", "\u202C", "\u202D", "\u202E", "\u2066", "\u2067",
                                 "\u2068", "\u2069", "\u200E", "\u200F", "\u061C", "\uFEFF", "\u2060"}) {
      check(body.find(bad) == std::string::npos);
    }
  }
  // The console line: valid UTF-8 without a control character, so no event can forge a line.
  const std::string line = erralert::core::render_console(n);
  check(erralert::core::is_valid_utf8(line));
  for (const char c : line) check(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
  return 0;
}
