// `erralertd silence`: build the request, send it with http_call, print the answer for people.
#include "erralert/app/silence_cli.hpp"

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

#include "erralert/app/daemon.hpp"
#include "erralert/app/http_call.hpp"

namespace erralert::app {
namespace {

/// Sends and turns the answer into an exit code; on a refusal prints the daemon's reasons.
int exchange(const SilenceOptions& o, const std::string& method, const std::string& target,
             const std::string& body, HttpAnswer& answer, std::ostream& err) {
  const auto to = parse_daemon_url(o.to);
  if (!to) {
    err << "erralertd silence: --to must be http://HOST:PORT\n";
    return kExitUsage;
  }
  try {
    answer = http_call({method, *to, target, body, o.token});
  } catch (const std::exception& e) {
    err << "erralertd silence: cannot reach " << to->host << ":" << to->port << ": " << e.what() << "\n";
    return kExitRuntime;
  }
  if (answer.status >= 200 && answer.status < 300) return kExitOk;
  const auto j = nlohmann::json::parse(answer.body, nullptr, false);
  err << "erralertd silence: " << answer.status;
  if (j.is_object()) {
    err << " " << j.value("code", "") << ": " << j.value("message", "") << "\n";
    for (const auto& e : j.value("errors", nlohmann::json::array())) {
      if (!e.is_object()) continue;
      const std::string field = e.value("field", "");
      const std::string value = e.value("value", "");
      err << "  " << (field.empty() ? "body" : field) << ": " << e.value("reason", "")
          << (value.empty() ? "" : " (" + value + ")") << "\n";
    }
  } else {
    err << " " << answer.body << "\n";
  }
  return answer.status >= 500 ? kExitRuntime : kExitInvalid;
}

std::string text_of(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string match_text(const nlohmann::json& match) {
  std::string out;
  if (!match.is_object()) return out;
  for (const auto& [key, value] : match.items()) {
    if (!out.empty()) out += ' ';
    out += key + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
  }
  return out;
}

}  // namespace

int silence_add(const SilenceOptions& o, std::ostream& out, std::ostream& err) {
  if (o.match.empty() || o.until.has_value() == o.for_.has_value()) {
    err << "erralertd silence add: give --match K=V (at least one) and one of --until T or --for D\n";
    return kExitUsage;
  }
  nlohmann::json body = {{"match", nlohmann::json::object()}, {"comment", o.comment}};
  for (const auto& kv : o.match) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      err << "erralertd silence add: --match " << kv << ": expected KEY=VALUE\n";
      return kExitUsage;
    }
    body["match"][kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  if (o.until) body["until"] = *o.until;
  if (o.for_) body["for"] = *o.for_;
  HttpAnswer answer;
  const int rc = exchange(o, "POST", "/v1/silences", body.dump(), answer, err);
  if (rc == kExitOk) out << text_of(nlohmann::json::parse(answer.body, nullptr, false), "id") << "\n";
  return rc;
}

int silence_list(const SilenceOptions& o, std::ostream& out, std::ostream& err) {
  HttpAnswer answer;
  const int rc = exchange(o, "GET", "/v1/silences", "", answer, err);
  if (rc != kExitOk) return rc;
  if (o.json) {
    out << answer.body << "\n";
    return kExitOk;
  }
  const auto j = nlohmann::json::parse(answer.body, nullptr, false);
  std::vector<std::array<std::string, 5>> rows = {{"ID", "UNTIL", "MATCH", "COMMENT", "SOURCE"}};
  if (j.is_object() && j.contains("silences") && j["silences"].is_array()) {
    for (const auto& s : j["silences"]) {
      if (!s.is_object()) continue;
      const std::string until = text_of(s, "until");
      rows.push_back({text_of(s, "id"), until.empty() ? "-" : until, match_text(s.value("match", nlohmann::json())),
                      text_of(s, "comment"), text_of(s, "source")});
    }
  }
  std::array<std::size_t, 5> width{};
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(width[c] - row[c].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
  return kExitOk;
}

int silence_expire(const SilenceOptions& o, std::ostream& out, std::ostream& err) {
  if (o.id.empty() || o.id.find_first_of("/?#% ") != std::string::npos) {
    err << "erralertd silence expire: give the silence's ID (as silence list shows it)\n";
    return kExitUsage;
  }
  HttpAnswer answer;
  const int rc = exchange(o, "DELETE", "/v1/silences/" + o.id, "", answer, err);
  if (rc == kExitOk) out << "expired " << o.id << "\n";
  return rc;
}

}  // namespace erralert::app
