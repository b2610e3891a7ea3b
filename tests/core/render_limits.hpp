// Platform limits checked on rendered bodies, counted independently of the renderers; shared by
// render_test.cpp and tests/fuzz/fuzz_render.cpp.
//
//   std::string why = erralert::testing::discord_violation(render_discord(n));  // "" when within limits
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace erralert::testing {

/// Unicode code points, as Discord (Python's len) counts them.
inline std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

/// UTF-16 code units: the stricter reading of Slack's "characters".
inline std::size_t utf16_units(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += ((c & 0xC0) != 0x80) + (c >= 0xF0);
  return n;
}

inline std::string text_at(const nlohmann::json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

/// The first Discord limit `body` breaks, or "" when it breaks none.
inline std::string discord_violation(const nlohmann::json& body) {
  if (code_points(text_at(body, "content")) > 2000) return "content over 2000";
  if (body.value("/allowed_mentions/parse"_json_pointer, nlohmann::json()) != nlohmann::json::array()) {
    return "allowed_mentions.parse is not []";
  }
  if (!body.contains("embeds") || body["embeds"].size() > 10 || body["embeds"].empty()) return "embeds";
  for (const auto& embed : body["embeds"]) {
    std::size_t total = 0;
    const auto check = [&](std::string_view what, const std::string& text, std::size_t max) -> std::string {
      const std::size_t n = code_points(text);
      total += n;
      return n > max ? std::string(what) + " has " + std::to_string(n) + " > " + std::to_string(max) : "";
    };
    if (auto v = check("title", text_at(embed, "title"), 256); !v.empty()) return v;
    if (auto v = check("description", text_at(embed, "description"), 4096); !v.empty()) return v;
    if (embed.contains("footer")) {
      if (auto v = check("footer", text_at(embed["footer"], "text"), 2048); !v.empty()) return v;
    }
    if (embed.contains("author")) {
      if (auto v = check("author", text_at(embed["author"], "name"), 256); !v.empty()) return v;
    }
    if (embed.contains("description") && text_at(embed, "description").empty()) return "empty description";
    const auto fields = embed.value("fields", nlohmann::json::array());
    if (fields.size() > 25) return "more than 25 fields";
    for (const auto& f : fields) {
      const std::string name = text_at(f, "name");
      const std::string value = text_at(f, "value");
      if (name.empty() || value.empty()) return "empty field name or value";
      if (auto v = check("field name", name, 256); !v.empty()) return v;
      if (auto v = check("field value " + name, value, 1024); !v.empty()) return v;
    }
    if (total > 6000) return "embed total " + std::to_string(total) + " > 6000";
  }
  return "";
}

/// The first Slack limit `body` breaks, or "" when it breaks none; also flags any '<' in mrkdwn
/// or `text` (erralert never sends a link or mention, so one there came from event text).
inline std::string slack_violation(const nlohmann::json& body) {
  const auto mrkdwn_ok = [](const nlohmann::json& t, std::size_t max) -> std::string {
    const std::string text = text_at(t, "text");
    if (text.empty()) return "empty text object";
    if (utf16_units(text) > max) return "text of " + std::to_string(utf16_units(text)) + " > " + std::to_string(max);
    if (t.value("type", "") == "mrkdwn" && text.find('<') != std::string::npos) return "raw '<' in mrkdwn";
    return "";
  };
  const std::string text = text_at(body, "text");
  if (text.empty() || utf16_units(text) > 3000) return "fallback text empty or over 3000";
  if (text.find('<') != std::string::npos) return "raw '<' in text";
  if (!body.contains("blocks") || body["blocks"].size() > 50) return "blocks missing or over 50";
  for (const auto& block : body["blocks"]) {
    const std::string type = block.value("type", "");
    std::string why;
    if (type == "header") {
      why = block["text"].value("type", "") == "plain_text" ? mrkdwn_ok(block["text"], 150) : "header not plain_text";
    } else if (type == "section") {
      if (block.contains("text")) why = mrkdwn_ok(block["text"], 3000);
      if (block.contains("fields")) {
        if (block["fields"].size() > 10 || block["fields"].empty()) return "section fields count";
        for (const auto& f : block["fields"]) {
          if (why.empty()) why = mrkdwn_ok(f, 2000);
        }
      }
      if (!block.contains("text") && !block.contains("fields")) why = "empty section";
    } else if (type == "context") {
      if (block["elements"].size() > 10 || block["elements"].empty()) return "context elements count";
      for (const auto& e : block["elements"]) {
        if (why.empty()) why = mrkdwn_ok(e, 3000);
      }
    } else {
      why = "unexpected block type " + type;
    }
    if (!why.empty()) return type + ": " + why;
  }
  return "";
}

}  // namespace erralert::testing
