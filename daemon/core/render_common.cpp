// Plain-text facts and length fitting shared by the renderers.
#include "render_common.hpp"

#include <algorithm>

#include "erralert/core/timefmt.hpp"
#include "erralert/core/utf8.hpp"

namespace erralert::core::rendering {
namespace {

using json = nlohmann::json;

constexpr std::string_view kEllipsis = "\xE2\x80\xA6";        // U+2026 "…"
constexpr std::string_view kZeroWidthSpace = "\xE2\x80\x8B";  // U+200B
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";     // U+FFFD, where a direction control was
constexpr std::string_view kDot = " \xC2\xB7 ";               // " · "
/// Longest line of params, field errors or a digest before it is cut on its own.
constexpr std::size_t kMaxLineChars = 240;
/// Longest message in a digest line.
constexpr std::size_t kMaxDigestMessageChars = 160;

/// Bytes in the UTF-8 sequence that `lead` starts (1 for anything unexpected).
std::size_t sequence_length(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

std::string cut_utf16(std::string_view s, std::size_t max) {
  if (text_length(s, Measure::utf16) <= max) return std::string(s);
  if (max == 0) return {};
  std::size_t units = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t len = std::min(sequence_length(static_cast<unsigned char>(s[i])), s.size() - i);
    const std::size_t width = len == 4 ? 2 : 1;
    if (units + width > max - 1) break;  // one unit stays for "…"
    units += width;
    i += len;
  }
  std::string out(s.substr(0, i));
  out += kEllipsis;
  return out;
}

/// Control characters as visible escapes, so one value stays on one line.
std::string one_line(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string compact(const json& j) {
  if (j.is_string()) return j.get<std::string>();
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const auto& p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += separator;
    out += p;
  }
  return out;
}

std::string_view status_reason(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 423: return "Locked";
    case 425: return "Too Early";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 451: return "Unavailable For Legal Reasons";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    case 507: return "Insufficient Storage";
    case 508: return "Loop Detected";
    case 511: return "Network Authentication Required";
    default: return "";
  }
}

}  // namespace

std::size_t text_length(std::string_view s, Measure m) {
  std::size_t n = count_chars(s);
  if (m == Measure::utf16) {
    for (char c : s) n += static_cast<unsigned char>(c) >= 0xF0 ? 1 : 0;
  }
  return n;
}

std::string cut(std::string_view s, std::size_t max, Measure m) {
  return m == Measure::utf16 ? cut_utf16(s, max) : truncate_chars(s, max);
}

std::string fit_sections(std::vector<Section> sections, std::size_t max, Measure m,
                         std::string_view separator) {
  std::erase_if(sections, [](const Section& s) { return s.body.empty(); });
  const auto total = [&] {
    std::size_t n = sections.empty() ? 0 : text_length(separator, m) * (sections.size() - 1);
    for (const auto& s : sections) n += text_length(s.prefix, m) + text_length(s.body, m) + text_length(s.suffix, m);
    return n;
  };
  for (std::size_t size = total(); size > max && !sections.empty(); size = total()) {
    Section& last = sections.back();
    const std::size_t excess = size - max;
    const std::size_t body = text_length(last.body, m);
    if (body > excess && body - excess >= std::max<std::size_t>(last.min_body, 1)) {
      last.body = cut(last.body, body - excess, m);
    } else {
      sections.pop_back();
    }
  }
  std::string out;
  for (const auto& s : sections) {
    if (!out.empty()) out += separator;
    out += s.prefix;
    out += s.body;
    out += s.suffix;
  }
  return out;
}

std::string fit_lines(const std::vector<std::string>& lines, std::size_t max, Measure m,
                      const std::function<std::string(std::size_t shown)>& more) {
  std::string out;
  std::size_t length = 0;
  std::size_t shown = 0;
  for (; shown < lines.size(); ++shown) {
    const std::size_t line = text_length(lines[shown], m) + (out.empty() ? 0 : 1);
    const std::string rest = more(shown + 1);
    const std::size_t rest_length = rest.empty() ? 0 : text_length(rest, m) + 1;
    if (length + line + rest_length > max) break;
    if (!out.empty()) out += '\n';
    out += lines[shown];
    length += line;
  }
  const std::string rest = more(shown);
  if (rest.empty()) return out;
  if (out.empty()) return cut(rest, max, m);
  return cut(out + "\n" + rest, max, m);
}

std::string neutralise_invisible(std::string_view s) {
  // Three-byte UTF-8 sequences only: every character here is in U+0600..U+FEFF.
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    if (i + 1 < s.size() && b(0) == 0xD8 && b(1) == 0x9C) {  // U+061C ARABIC LETTER MARK
      out += kReplacement;
      ++i;
      continue;
    }
    if (i + 2 >= s.size() || (b(0) != 0xE2 && b(0) != 0xEF && b(0) != 0xE1)) {
      out += s[i];
      continue;
    }
    const unsigned cp = ((b(0) & 0x0Fu) << 12) | ((b(1) & 0x3Fu) << 6) | (b(2) & 0x3Fu);
    const bool bidi = cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
    const bool zero_width = cp == 0x200B || cp == 0x2060 || cp == 0xFEFF || cp == 0x180E;
    if (bidi) {
      out += kReplacement;
    } else if (!zero_width) {
      out.append(s.substr(i, 3));
    }
    i += 2;
  }
  return out;
}

std::string defuse_mentions(std::string_view raw) {
  const std::string text = neutralise_invisible(raw);
  const std::string_view s = text;
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    out += s[i];
    if (s[i] != '@') continue;
    const std::string_view rest = s.substr(i + 1);
    if (rest.starts_with("everyone") || rest.starts_with("here") || rest.starts_with("channel")) {
      out += kZeroWidthSpace;
    }
  }
  return out;
}

std::string code_text(std::string_view s) {
  std::string out = defuse_mentions(s);
  for (std::size_t pos = out.find("``"); pos != std::string::npos; pos = out.find("``", pos)) {
    out.insert(pos + 1, kZeroWidthSpace);
  }
  return out;
}

bool is_digest(const Notification& n) {
  return n.kind == NotificationKind::digest || n.groups.size() != 1;
}

std::string_view severity_emoji(Severity s) {
  switch (s) {
    case Severity::critical: return "\xF0\x9F\x9A\xA8";  // 🚨
    case Severity::error: return "\xF0\x9F\x94\xB4";     // 🔴
    case Severity::warning: return "\xF0\x9F\x9F\xA0";   // 🟠
    case Severity::info: return "\xF0\x9F\x94\xB5";      // 🔵
    case Severity::debug: return "\xE2\x9A\xAA";         // ⚪
  }
  return "\xF0\x9F\x94\xB4";
}

std::uint32_t severity_colour(Severity s) {
  switch (s) {
    case Severity::critical: return 0x992D22;
    case Severity::error: return 0xE74C3C;
    case Severity::warning: return 0xF1C40F;
    case Severity::info: return 0x3498DB;
    case Severity::debug: return 0x95A5A6;
  }
  return 0xE74C3C;
}

Severity highest_severity(const Notification& n) {
  Severity top = n.groups.empty() ? Severity::error : Severity::debug;
  for (const auto& g : n.groups) top = std::max(top, g.event->severity);
  return top;
}

std::string status_and_code(const Event& e) {
  std::string status;
  if (e.status != 0) {
    status = std::to_string(e.status);
    if (const auto reason = status_reason(e.status); !reason.empty()) {
      status += ' ';
      status += reason;
    }
  }
  return join({status, e.code}, kDot);
}

std::string request_line(const Request& r) {
  return join({r.method, r.route.empty() ? r.path : r.route}, " ");
}

std::string raw_target(const Request& r) {
  std::string target = r.path;
  if (!r.query.empty()) target += "?" + r.query;
  return target == (r.route.empty() ? r.path : r.route) ? std::string() : target;
}

std::string headline(const Event& e) {
  const std::string message = e.message.empty() ? std::string("(no message)") : e.message;
  return e.service.empty() ? message : e.service + ": " + message;
}

std::string title_line(const Notification& n, const GroupEntry& g) {
  if (n.kind == NotificationKind::resolved) return "\xE2\x9C\x85 Resolved \xC2\xB7 " + headline(*g.event);  // ✅
  std::string out(severity_emoji(g.event->severity));
  out += ' ';
  if (g.count > 1) out += std::to_string(g.count) + "\xC3\x97 ";  // "×"
  out += headline(*g.event);
  return out;
}

std::string exception_line(const ExceptionInfo& x) {
  return join({x.type, x.message}, ": ");
}

std::string stack_head(std::string_view stack, std::size_t max_lines) {
  std::string out;
  std::size_t start = 0;
  for (std::size_t line = 0; line < max_lines && start < stack.size(); ++line) {
    const std::size_t end = std::min(stack.find('\n', start), stack.size());
    std::string_view text = stack.substr(start, end - start);
    if (text.ends_with('\r')) text.remove_suffix(1);
    if (!out.empty()) out += '\n';
    out += text;
    start = end + 1;
  }
  return out;
}

std::vector<std::string> key_value_lines(const json& object) {
  std::vector<std::string> lines;
  if (!object.is_object()) return lines;
  for (auto it = object.begin(); it != object.end(); ++it) {
    lines.push_back(truncate_chars(one_line(it.key() + "=" + compact(it.value())), kMaxLineChars));
  }
  return lines;
}

std::vector<std::string> field_error_lines(const std::vector<EventFieldError>& errors) {
  std::vector<std::string> lines;
  for (const auto& fe : errors) {
    std::string line = fe.field.empty() ? std::string() : fe.field + " = ";
    line += fe.value.is_null() ? std::string("null") : fe.value.dump(-1, ' ', false, json::error_handler_t::replace);
    if (!fe.reason.empty()) line += " \xE2\x80\x94 " + fe.reason;  // " — "
    lines.push_back(truncate_chars(one_line(line), kMaxLineChars));
  }
  return lines;
}

std::string events_text(std::uint64_t count) {
  return std::to_string(count) + (count == 1 ? " event" : " events");
}

bool shows_count(const Notification& n, const GroupEntry& g) {
  return g.count > 1 || n.kind == NotificationKind::summary;
}

std::string thousands(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string span_text(std::int64_t ms) {
  struct Unit {
    std::int64_t ms;
    const char* name;
  };
  for (const Unit u : {Unit{86'400'000, " day"}, Unit{3'600'000, " h"}, Unit{60'000, " min"}, Unit{1000, " s"}}) {
    if (ms >= u.ms && ms % u.ms == 0) {
      std::string out = std::to_string(ms / u.ms) + u.name;
      if (u.ms == 86'400'000 && ms / u.ms != 1) out += 's';
      return out;
    }
  }
  return ms >= 60'000 ? std::to_string(ms / 60'000) + " min" : std::to_string(ms) + " ms";
}

std::uint32_t notification_colour(const Notification& n, Severity s) {
  return n.kind == NotificationKind::resolved ? 0x2ECC71 : severity_colour(s);
}

std::string state_line(const Notification& n, const GroupEntry& g) {
  // Times of day in UTC, as the footer's timestamps are; Discord adds each reader's own.
  const auto clock = [](std::int64_t ms) { return format_rfc3339(ms).substr(11, 8); };
  std::string out;
  switch (n.kind) {
    case NotificationKind::summary:
      out = "\xC3\x97" + thousands(g.count);
      if (g.window_ms > 0) out += " in the last " + span_text(g.window_ms);
      out += std::string(kDot) + "first " + clock(g.first_seen_ms) + std::string(kDot) + "last " + clock(last_seen(g));
      break;
    case NotificationKind::resolved:
      out = "stopped: " + thousands(g.total) + (g.total == 1 ? " time" : " times") + " from " +
            clock(g.first_seen_ms) + " to " + clock(last_seen(g)) + ", quiet since " + clock(last_seen(g));
      break;
    default:
      if (g.seen_before != 0) {
        out = "again: seen " + thousands(g.seen_before) + (g.seen_before == 1 ? " time" : " times") + " since " +
              format_rfc3339(g.seen_before_since_ms);
      }
      break;
  }
  if (g.overflow) {
    out += std::string(out.empty() ? "" : std::string(kDot)) +
           "new errors past limits.max_open_groups, counted together; the latest is shown";
  }
  if (g.host_only) {
    out += std::string(out.empty() ? "" : std::string(kDot)) +
           "counted on this host only: the fleet's Redis was unreachable, other hosts may report this window too";
  }
  if (g.event->app_timestamp_ms) {  // the app's clock or a stale body: receipt time dates the alert
    out += std::string(out.empty() ? "" : std::string(kDot)) + "app's time " + format_rfc3339(*g.event->app_timestamp_ms);
  }
  return out;
}

std::string short_fingerprint(std::string_view fp) { return truncate_chars(fp, 13); }

std::string footer_text(const Notification& n) {
  std::string out = "erralert";
  if (n.kind != NotificationKind::first) out += std::string(kDot) + std::string(to_string(n.kind));
  if (!n.route.empty()) out += std::string(kDot) + "route " + n.route;
  if (!is_digest(n) && !n.groups.front().fingerprint.empty()) {
    out += std::string(kDot) + "fingerprint " + short_fingerprint(n.groups.front().fingerprint);
  }
  // A route's name may hold any character the config's author typed (or pasted): the footer is
  // kept as free of direction controls as every other line a platform shows.
  return neutralise_invisible(out);
}

std::int64_t last_seen(const GroupEntry& g) {
  return g.last_seen_ms != 0 ? g.last_seen_ms : g.event->timestamp_ms;
}

std::pair<std::int64_t, std::int64_t> span(const Notification& n) {
  if (n.groups.empty()) return {0, 0};
  std::int64_t first = n.groups.front().first_seen_ms;
  std::int64_t last = last_seen(n.groups.front());
  for (const auto& g : n.groups) {
    first = std::min(first, g.first_seen_ms);
    last = std::max(last, last_seen(g));
  }
  return {first, last};
}

std::vector<const GroupEntry*> largest_groups(const Notification& n) {
  std::vector<const GroupEntry*> sorted;
  sorted.reserve(n.groups.size());
  for (const auto& g : n.groups) sorted.push_back(&g);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const GroupEntry* a, const GroupEntry* b) { return a->count > b->count; });
  return sorted;
}

std::string digest_title(const Notification& n) {
  const std::uint64_t groups = n.groups.size() + n.other_groups;
  return "Digest: " + events_text(n.total_count()) + " in " + std::to_string(groups) +
         (groups == 1 ? " group" : " groups");
}

std::string digest_line(const GroupEntry& g) {
  const Event& e = *g.event;
  const std::string line = join({e.service, request_line(e.request), status_and_code(e),
                                 truncate_chars(e.message, kMaxDigestMessageChars)},
                                kDot);
  return truncate_chars(one_line(line), kMaxLineChars);
}

std::string more_text(const Notification& n, const std::vector<const GroupEntry*>& sorted,
                      std::size_t shown) {
  std::uint64_t groups = n.other_groups;
  std::uint64_t count = n.other_count;
  for (std::size_t i = shown; i < sorted.size(); ++i) {
    ++groups;
    count += sorted[i]->count;
  }
  if (groups == 0) return {};
  return "+" + thousands(groups) + " more " + (groups == 1 ? "group, " : "groups, ") + thousands(count) +
         (count == 1 ? " event" : " events");
}

}  // namespace erralert::core::rendering
