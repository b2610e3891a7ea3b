// Console rendering: fields an operator scans for, in a fixed order, one line per group.
#include "erralert/core/render_console.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "erralert/core/timefmt.hpp"
#include "erralert/core/utf8.hpp"

namespace erralert::core {
namespace {

constexpr std::size_t kMaxMessageChars = 300;

bool needs_escape(unsigned char c) { return c == '"' || c == '\\' || c < 0x20 || c == 0x7f; }

/// Quotes `s`, escaping '"', '\\' and control characters so the line stays one line. Runs of
/// ordinary bytes are copied whole.
void append_quoted(std::string& out, std::string_view s) {
  out += '"';
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (!needs_escape(c)) continue;
    out.append(s.substr(run, i - run));
    run = i + 1;
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  out.append(s.substr(run));
  out += '"';
}

/// Appends `value`, quoted when it holds spaces, quotes or control characters.
void append_value(std::string& out, std::string_view value) {
  const bool plain = std::all_of(value.begin(), value.end(), [](unsigned char c) {
    return c > 0x20 && c < 0x7f && c != '"' && c != '\\';
  });
  if (plain) {
    out += value;
  } else {
    append_quoted(out, value);
  }
}

/// Appends " key=value" unless `value` is empty.
void append_field(std::string& out, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  out += ' ';
  out += key;
  out += '=';
  append_value(out, value);
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

void append_group(std::string& out, const Notification& n, const GroupEntry& g) {
  const Event& e = *g.event;
  append_rfc3339(out, e.timestamp_ms);
  out += ' ';
  out += upper(to_string(e.severity));
  out += ' ';
  append_value(out, e.service);
  append_field(out, "env", e.environment);
  append_field(out, "method", e.request.method);
  append_field(out, "route", e.request.route);
  if (e.status != 0) append_field(out, "status", std::to_string(e.status));
  append_field(out, "code", e.code);
  out += " message=";
  if (e.message.size() <= kMaxMessageChars) {  // bytes bound characters: nothing to cut
    append_quoted(out, e.message);
  } else {
    append_quoted(out, truncate_chars(e.message, kMaxMessageChars));
  }
  append_field(out, "count", std::to_string(g.count));
  append_field(out, "kind", to_string(n.kind));
  if (n.kind == NotificationKind::summary || n.kind == NotificationKind::resolved) {
    append_field(out, "total", std::to_string(g.total));
    append_field(out, "first_seen", g.first_seen_ms == 0 ? std::string() : format_rfc3339(g.first_seen_ms));
    append_field(out, "last_seen", g.last_seen_ms == 0 ? std::string() : format_rfc3339(g.last_seen_ms));
  }
  if (g.seen_before != 0) {
    append_field(out, "seen_before", std::to_string(g.seen_before));
    append_field(out, "seen_before_since", format_rfc3339(g.seen_before_since_ms));
  }
  if (g.overflow) append_field(out, "overflow", "true");
  if (g.host_only) append_field(out, "host_only", "true");
  if (e.app_timestamp_ms) append_field(out, "app_time", format_rfc3339(*e.app_timestamp_ms));
  append_field(out, "trace", e.trace_id);
  append_field(out, "host", e.host);
  append_field(out, "fingerprint", g.fingerprint);
}

}  // namespace

std::string render_console(const Notification& n) {
  std::string out;
  out.reserve(256);
  render_console(n, out);
  return out;
}

void render_console(const Notification& n, std::string& out) {
  if (n.groups.empty()) {
    out += "digest";
  } else {
    append_group(out, n, n.groups.front());
  }
  if (n.groups.size() > 1 || n.other_groups != 0) {
    const std::uint64_t more_groups = n.groups.size() - (n.groups.empty() ? 0 : 1) + n.other_groups;
    append_field(out, "more_groups", std::to_string(more_groups));
    append_field(out, "total", std::to_string(n.total_count()));
  }
}

}  // namespace erralert::core
