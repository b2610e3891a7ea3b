// Slack rendering: Block Kit blocks and a `text` fallback for incoming webhooks, within Block
// Kit's limits (https://api.slack.com/reference/block-kit/blocks), event text escaped so that
// nothing in it can mention or link (https://api.slack.com/reference/surfaces/formatting#escaping).
#include "erralert/core/render.hpp"
#include "erralert/core/timefmt.hpp"
#include "render_common.hpp"

namespace erralert::core {
namespace {

using json = nlohmann::json;
using namespace rendering;
using Limits = SlackLimits;

constexpr Measure kMeasure = Measure::utf16;
/// A field holds a short fact; Slack allows 2000, which would make an unreadable card.
constexpr std::size_t kFieldChars = 500;
/// Each context element likewise.
constexpr std::size_t kContextChars = 300;

constexpr std::string_view kZeroWidthSpace = "\xE2\x80\x8B";

/// Event text for mrkdwn and `text`: '&', '<' and '>' as entities (so "<!channel>" is inert),
/// mass mentions defused.
std::string escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (char c : defuse_mentions(s)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

/// Event text for plain_text: Slack does not parse it, but "<!", "<@" and "<#" are broken up
/// anyway, so a change on Slack's side cannot make it ping.
std::string plain(std::string_view s) {
  const std::string defused = defuse_mentions(s);
  std::string out;
  out.reserve(defused.size() + 8);
  for (std::size_t i = 0; i < defused.size(); ++i) {
    out += defused[i];
    if (defused[i] == '<' && i + 1 < defused.size() && std::string_view("!@#").find(defused[i + 1]) != std::string_view::npos) {
      out += kZeroWidthSpace;
    }
  }
  return out;
}

json mrkdwn(std::string text) { return {{"type", "mrkdwn"}, {"text", std::move(text)}}; }

json header_block(const std::string& text) {
  return {{"type", "header"}, {"text", {{"type", "plain_text"}, {"text", text}, {"emoji", true}}}};
}

void add_section(json& blocks, std::string text) {
  if (!text.empty()) blocks.push_back({{"type", "section"}, {"text", mrkdwn(std::move(text))}});
}

void add_context(json& blocks, const std::vector<std::string>& escaped) {
  json elements = json::array();
  for (const auto& e : escaped) {
    if (!e.empty() && elements.size() < Limits::context_elements) {
      elements.push_back(mrkdwn(cut(e, kContextChars, kMeasure)));
    }
  }
  if (!elements.empty()) blocks.push_back({{"type", "context"}, {"elements", std::move(elements)}});
}

Section code_block(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& l : lines) text += (text.empty() ? "" : "\n") + l;
  return {"```\n", escape(code_text(text)), "\n```", 16};
}

/// "*Params*\n```…```", or "" when there are no lines.
std::string titled_code(std::string_view title, const std::vector<std::string>& lines) {
  Section s = code_block(lines);
  s.prefix = "*" + escape(title) + "*\n" + s.prefix;
  return fit_sections({std::move(s)}, Limits::section_text, kMeasure);
}

/// "*Environment*\nprod", or "" when the value is empty.
std::string field(std::string_view name, std::string escaped_value) {
  return fit_sections({{"*" + escape(name) + "*\n", std::move(escaped_value), "", 1}}, kFieldChars,
                      kMeasure);
}

void add_fields(json& blocks, const Notification& n, const GroupEntry& g) {
  const Event& e = *g.event;
  const std::string request = request_line(e.request);
  const std::string raw = raw_target(e.request);
  const std::string fields[] = {
      field("Environment", escape(e.environment)),
      field("Status & code", escape(status_and_code(e))),
      field("Request", escape(raw.empty() ? request : request + "\n" + raw)),
      field("Trace id", escape(e.trace_id)),
      shows_count(n, g) ? field("Count", events_text(g.count)) : std::string(),
  };
  json items = json::array();
  for (const auto& f : fields) {
    if (!f.empty() && items.size() < Limits::section_fields) items.push_back(mrkdwn(f));
  }
  if (!items.empty()) blocks.push_back({{"type", "section"}, {"fields", std::move(items)}});
}

std::string seen_text(const GroupEntry& g) {
  if (g.first_seen_ms == last_seen(g)) return "at " + format_rfc3339(last_seen(g));
  return "first seen " + format_rfc3339(g.first_seen_ms) + ", last seen " + format_rfc3339(last_seen(g));
}

json event_blocks(const Notification& n, const GroupEntry& g, std::string& fallback) {
  const Event& e = *g.event;
  const std::string full_header = plain(title_line(n, g));
  const std::string header = cut(full_header, Limits::header, kMeasure);
  json blocks = json::array({header_block(header)});

  std::vector<Section> body;
  if (const std::string state = state_line(n, g); !state.empty()) body.push_back({"*", state, "*", 8});
  if (header != full_header) body.push_back({"", escape(e.message), "", 32});
  body.push_back({"", escape(e.detail), "", 32});
  if (const std::string x = exception_line(e.exception); x != e.detail) body.push_back({"", escape(x), "", 32});
  if (!e.exception.stacktrace.empty()) body.push_back(code_block({stack_head(e.exception.stacktrace)}));
  add_section(blocks, fit_sections(std::move(body), Limits::section_text, kMeasure));

  add_fields(blocks, n, g);
  add_section(blocks, titled_code("Params", key_value_lines(e.request.params)));
  add_section(blocks, titled_code("Field errors", field_error_lines(e.errors)));
  add_section(blocks, titled_code("Tags", key_value_lines(e.tags)));
  add_context(blocks, {e.host.empty() ? std::string() : "host " + escape(e.host), seen_text(g),
                       escape(footer_text(n))});
  fallback = escape(n.kind == NotificationKind::resolved ? "Resolved: " + headline(e) : headline(e));
  return blocks;
}

json digest_blocks(const Notification& n, std::string& fallback) {
  const std::string title = digest_title(n);
  json blocks = json::array(
      {header_block(cut(std::string(severity_emoji(highest_severity(n))) + " " + title, Limits::header, kMeasure))});
  const auto sorted = largest_groups(n);
  std::vector<std::string> lines;
  lines.reserve(sorted.size());
  for (const GroupEntry* g : sorted) {
    const std::string count = g->count == 0 ? "resolved" : std::to_string(g->count) + "\xC3\x97";
    lines.push_back("*" + count + "* " + escape(digest_line(*g)));
  }
  add_section(blocks, fit_lines(lines, Limits::section_text, kMeasure,
                                [&](std::size_t shown) { return more_text(n, sorted, shown); }));
  const auto [first, last] = span(n);
  add_context(blocks, {n.groups.empty() ? std::string()
                                        : "first seen " + format_rfc3339(first) + ", last seen " + format_rfc3339(last),
                       escape(footer_text(n))});
  fallback = title;
  return blocks;
}

}  // namespace

json render_slack(const Notification& n) {
  std::string fallback;
  json blocks = is_digest(n) ? digest_blocks(n, fallback) : event_blocks(n, n.groups.front(), fallback);
  return {{"text", cut(fallback, Limits::fallback_text, kMeasure)}, {"blocks", std::move(blocks)}};
}

}  // namespace erralert::core
