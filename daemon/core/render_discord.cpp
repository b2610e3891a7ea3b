// Discord rendering: one embed per notification, within every limit of the execute-webhook API
// (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
#include <algorithm>
#include <functional>

#include "erralert/core/render.hpp"
#include "erralert/core/timefmt.hpp"
#include "render_common.hpp"

namespace erralert::core {
namespace {

using json = nlohmann::json;
using namespace rendering;
using Limits = DiscordLimits;

constexpr Measure kMeasure = Measure::code_points;  // Discord counts code points (Python len)

/// A text of the embed that can be laid out again, shorter: the description or a field value.
struct Part {
  std::string name;  ///< the field's name; empty for the description
  std::function<std::string(std::size_t max)> layout;
  int rank = 0;  ///< the lowest ranks are shortened, then dropped, first to meet the 6000 total
  bool inline_field = false;
  std::size_t max = Limits::field_value;
  std::size_t min = 1;  ///< cut shorter than this, the part is dropped instead
  std::string text;     ///< the current layout
};

/// Event text with Discord markdown backslash-escaped ('#' and '>' only where they start a
/// line, the only place they mean anything) and mass mentions defused.
std::string escape(std::string_view s) {
  constexpr std::string_view kAnywhere = "\\*_~`|[<";
  constexpr std::string_view kLineStart = "#>";
  const std::string defused = defuse_mentions(s);
  std::string out;
  out.reserve(defused.size() + 8);
  bool line_start = true;
  for (char c : defused) {
    if (kAnywhere.find(c) != std::string_view::npos || (line_start && kLineStart.find(c) != std::string_view::npos)) {
      out += '\\';
    }
    out += c;
    line_start = c == '\n' || (line_start && (c == ' ' || c == '\t'));
  }
  return out;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : "\n") + l;
  return out;
}

Section code_block(std::string_view text) { return {"```\n", code_text(text), "\n```", 16}; }

/// RFC 3339 plus Discord's relative-time markup, which each reader sees in their own zone.
std::string when(std::int64_t ms) {
  const std::int64_t seconds = ms >= 0 ? ms / 1000 : -((999 - ms) / 1000);
  return format_rfc3339(ms) + " (<t:" + std::to_string(seconds) + ":R>)";
}

Part sections_part(std::string name, std::vector<Section> sections, int rank, bool inline_field,
                   std::string separator = "\n") {
  Part p;
  p.name = std::move(name);
  p.rank = rank;
  p.inline_field = inline_field;
  p.layout = [sections = std::move(sections), separator = std::move(separator)](std::size_t max) {
    return fit_sections(sections, max, kMeasure, separator);
  };
  return p;
}

Part text_part(std::string name, std::string escaped_value, int rank, bool inline_field) {
  return sections_part(std::move(name), {{"", std::move(escaped_value), "", 1}}, rank, inline_field);
}

Part code_part(std::string name, const std::vector<std::string>& lines, int rank) {
  return sections_part(std::move(name), {code_block(joined(lines))}, rank, false);
}

Part description_part(const Notification& n, const GroupEntry& g, bool message_cut_from_title) {
  const Event& e = *g.event;
  std::vector<Section> sections;
  if (const std::string state = state_line(n, g); !state.empty()) sections.push_back({"**", state, "**", 8});
  if (message_cut_from_title) sections.push_back({"", escape(e.message), "", 32});
  sections.push_back({"", escape(e.detail), "", 32});
  if (const std::string x = exception_line(e.exception); x != e.detail) {
    sections.push_back({"", escape(x), "", 32});
  }
  if (!e.exception.stacktrace.empty()) sections.push_back(code_block(stack_head(e.exception.stacktrace)));
  Part p = sections_part("", std::move(sections), 40, false, "\n\n");
  p.max = Limits::description;
  p.min = 32;
  return p;
}

/// The fields of one group, in the order shown; ranks say what goes first when space is short.
std::vector<Part> event_parts(const Notification& n, const GroupEntry& g, bool message_cut_from_title) {
  const Event& e = *g.event;
  std::vector<Part> parts;
  parts.push_back(description_part(n, g, message_cut_from_title));
  parts.push_back(text_part("Environment", escape(e.environment), 90, true));
  parts.push_back(text_part("Status & code", escape(status_and_code(e)), 80, true));
  parts.push_back(text_part("Host", escape(e.host), 50, true));
  parts.push_back(sections_part(
      "Request", {{"", escape(request_line(e.request)), "", 1}, {"", escape(raw_target(e.request)), "", 1}},
      60, false));
  parts.push_back(code_part("Params", key_value_lines(e.request.params), 30));
  parts.push_back(code_part("Field errors", field_error_lines(e.errors), 20));
  parts.push_back(text_part("Trace id", escape(e.trace_id), 55, true));
  if (shows_count(n, g)) {
    parts.push_back(text_part("Count", events_text(g.count), 70, true));
    if (g.first_seen_ms != last_seen(g)) {
      parts.push_back(text_part("First seen", when(g.first_seen_ms), 45, true));
      parts.push_back(text_part("Last seen", when(last_seen(g)), 46, true));
    }
  }
  parts.push_back(code_part("Tags", key_value_lines(e.tags), 10));
  return parts;
}

std::vector<Part> digest_parts(const Notification& n) {
  const auto sorted = largest_groups(n);
  std::vector<std::string> lines;
  lines.reserve(sorted.size());
  for (const GroupEntry* g : sorted) {
    const std::string count = g->count == 0 ? "resolved" : std::to_string(g->count) + "\xC3\x97";
    lines.push_back("**" + count + "** " + escape(digest_line(*g)));
  }
  std::vector<Part> parts;
  Part description;
  description.rank = 40;
  description.layout = [&n, sorted, lines = std::move(lines)](std::size_t max) {
    return fit_lines(lines, max, kMeasure, [&](std::size_t shown) { return more_text(n, sorted, shown); });
  };
  description.max = Limits::description;
  description.min = 16;
  parts.push_back(std::move(description));
  parts.push_back(text_part("Events", events_text(n.total_count()), 90, true));
  if (const auto [first, last] = span(n); !n.groups.empty()) {
    parts.push_back(text_part("First seen", when(first), 45, true));
    parts.push_back(text_part("Last seen", when(last), 46, true));
  }
  return parts;
}

/// Lays every part out, then shortens or drops the lowest-ranked ones until the embed's total
/// (title, description, field names and values, footer) is within Discord's 6000.
void fit_embed(std::size_t fixed, std::vector<Part>& parts) {
  for (auto& p : parts) p.text = p.layout(p.max);
  const auto total = [&] {
    std::size_t sum = fixed;
    for (const auto& p : parts) {
      if (!p.text.empty()) sum += text_length(p.name, kMeasure) + text_length(p.text, kMeasure);
    }
    return sum;
  };
  std::vector<Part*> order;
  for (auto& p : parts) order.push_back(&p);
  std::stable_sort(order.begin(), order.end(), [](const Part* a, const Part* b) { return a->rank < b->rank; });
  for (Part* p : order) {
    const std::size_t size = total();
    if (size <= Limits::embed_total) break;
    if (p->text.empty()) continue;
    const std::size_t excess = size - Limits::embed_total;
    const std::size_t length = text_length(p->text, kMeasure);
    p->text = length > excess && length - excess >= p->min ? p->layout(length - excess) : std::string();
  }
}

json embed_json(const std::string& title, const std::string& footer, std::vector<Part>& parts,
                std::uint32_t colour, std::int64_t timestamp_ms) {
  fit_embed(text_length(title, kMeasure) + text_length(footer, kMeasure), parts);
  json embed = {{"title", title}, {"color", colour}};
  json fields = json::array();
  for (const auto& p : parts) {
    if (p.text.empty()) continue;
    if (p.name.empty()) {
      embed["description"] = p.text;
    } else if (fields.size() < Limits::fields) {
      fields.push_back({{"name", p.name}, {"value", p.text}, {"inline", p.inline_field}});
    }
  }
  if (!fields.empty()) embed["fields"] = std::move(fields);
  embed["footer"] = {{"text", footer}};
  embed["timestamp"] = format_rfc3339(timestamp_ms);
  return embed;
}

}  // namespace

json render_discord(const Notification& n) {
  const std::string footer = cut(footer_text(n), 512, kMeasure);
  json embed;
  if (is_digest(n)) {
    const Severity severity = highest_severity(n);
    const std::string title =
        cut(std::string(severity_emoji(severity)) + " " + digest_title(n), Limits::title, kMeasure);
    auto parts = digest_parts(n);
    embed = embed_json(title, footer, parts, notification_colour(n, severity), span(n).second);
  } else {
    const GroupEntry& g = n.groups.front();
    const std::string full_title = escape(title_line(n, g));
    const std::string title = cut(full_title, Limits::title, kMeasure);
    auto parts = event_parts(n, g, title != full_title);
    embed = embed_json(title, footer, parts, notification_colour(n, g.event->severity), last_seen(g));
  }
  return {{"embeds", json::array({std::move(embed)})}, {"allowed_mentions", {{"parse", json::array()}}}};
}

}  // namespace erralert::core
