// Notification readers: webhook JSON summed as it is; Discord embeds parsed from their text.
#include "support/notifications.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <sstream>

#include "support/http_client.hpp"

namespace erralert::testing {

namespace {

/// "12,345" -> 12345.
std::uint64_t number(const std::string& digits) {
  std::string plain;
  for (char c : digits) {
    if (c != ',') plain += c;
  }
  return plain.empty() ? 0 : std::stoull(plain);
}

const nlohmann::json* first_embed(const nlohmann::json& body) {
  if (!body.is_object() || !body.contains("embeds") || !body["embeds"].is_array() || body["embeds"].empty()) {
    return nullptr;
  }
  return &body["embeds"][0];
}

std::string text_of(const nlohmann::json& obj, const char* key) {
  return obj.is_object() && obj.contains(key) && obj[key].is_string() ? obj[key].get<std::string>() : std::string();
}

}  // namespace

std::uint64_t webhook_count(const nlohmann::json& body) {
  std::uint64_t n = 0;
  if (!body.is_object()) return 0;
  for (const auto& g : body.value("groups", nlohmann::json::array())) n += g.value("count", std::uint64_t{0});
  if (body.contains("others")) n += body["others"].value("count", std::uint64_t{0});
  return n;
}

std::optional<DiscordDigest> discord_digest(const nlohmann::json& body) {
  const nlohmann::json* embed = first_embed(body);
  if (!embed) return std::nullopt;
  static const std::regex title(R"(Digest: ([0-9,]+) events? in ([0-9,]+) groups?)");
  std::smatch m;
  const std::string t = text_of(*embed, "title");
  if (!std::regex_search(t, m, title)) return std::nullopt;
  DiscordDigest d;
  d.title_events = number(m[1].str());
  d.title_groups = number(m[2].str());
  static const std::regex line(R"(^\*\*(?:([0-9]+)\xC3\x97|resolved)\*\* )");
  static const std::regex more(R"(^\+([0-9,]+) more groups?, ([0-9,]+) events?)");
  std::istringstream lines(text_of(*embed, "description"));
  for (std::string l; std::getline(lines, l);) {
    if (std::regex_search(l, m, line)) {
      ++d.listed_groups;
      if (m[1].matched) d.listed_events += number(m[1].str());
    } else if (std::regex_search(l, m, more)) {
      d.more_groups += number(m[1].str());
      d.more_events += number(m[2].str());
    }
  }
  return d;
}

std::uint64_t discord_count(const nlohmann::json& body) {
  if (auto d = discord_digest(body)) return d->title_events;
  const nlohmann::json* embed = first_embed(body);
  if (!embed) return 0;
  if (text_of(*embed, "title").find("Resolved") != std::string::npos) return 0;
  static const std::regex events(R"(^([0-9,]+) events?$)");
  for (const auto& f : embed->value("fields", nlohmann::json::array())) {
    std::smatch m;
    const std::string value = text_of(f, "value");
    if (text_of(f, "name") == "Count" && std::regex_match(value, m, events)) return number(m[1].str());
  }
  return 1;
}

std::vector<FakePlatform::Request> delivered(const FakePlatform& fake) {
  std::vector<FakePlatform::Request> out;
  for (auto& r : fake.requests()) {
    if (r.status >= 200 && r.status < 300) out.push_back(std::move(r));
  }
  return out;
}

std::uint64_t post_ndjson(const DaemonProcess& d, const std::vector<nlohmann::json>& events) {
  std::uint64_t accepted = 0;
  for (std::size_t at = 0; at < events.size(); at += 500) {
    std::string body;
    for (std::size_t i = at; i < std::min(events.size(), at + 500); ++i) body += events[i].dump() + "\n";
    const HttpResult r = http_post(d.port(), "/v1/events", body, "application/x-ndjson");
    EXPECT_EQ(r.status, 202) << r.body;
    if (r.status == 202) accepted += r.json()["accepted"].get<std::uint64_t>();
  }
  return accepted;
}

std::size_t count_kind(const std::vector<FakePlatform::Request>& requests, const std::string& kind) {
  std::size_t n = 0;
  for (const auto& r : requests) n += r.json["kind"] == kind;
  return n;
}

std::uint64_t delivered_count(const FakePlatform& fake) {
  std::uint64_t n = 0;
  for (const auto& r : delivered(fake)) {
    n += fake.mode() == FakePlatform::Mode::discord ? discord_count(r.json) : webhook_count(r.json);
  }
  return n;
}

std::size_t stored_notifications(const DaemonProcess& d) {
  const auto status = http_get(d.port(), "/v1/status").json();
  return status["store"]["spool_notifications"].get<std::size_t>();
}

std::optional<double> metric_value(const std::string& metrics_text, const std::string& series) {
  std::istringstream lines(metrics_text);
  for (std::string l; std::getline(lines, l);) {
    if (l.size() > series.size() && l.compare(0, series.size(), series) == 0 && l[series.size()] == ' ') {
      return std::stod(l.substr(series.size() + 1));
    }
  }
  return std::nullopt;
}

}  // namespace erralert::testing
