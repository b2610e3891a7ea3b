// Silences: compiled matchers with an end time, from the config (read-only) and the API.
#include "erralert/core/silence.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <utility>

#include "erralert/core/duration.hpp"
#include "erralert/core/pipeline.hpp"
#include "erralert/core/timefmt.hpp"

namespace erralert::core {
namespace {

constexpr std::array<std::string_view, 4> kRequestKeys{"match", "until", "for", "comment"};

/// splitmix64's finaliser: every input bit moves every output bit, so ids made a counter apart
/// look unrelated.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::vector<std::pair<std::string, std::string>> pairs_of(const std::vector<config::MatchTerm>& terms) {
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.reserve(terms.size());
  for (const auto& t : terms) pairs.emplace_back(t.key, t.value);
  return pairs;
}

/// The terms of a stored `match`: [[K, V], ...], at least one; nullopt for anything else.
std::optional<std::vector<config::MatchTerm>> stored_terms(const nlohmann::json& j) {
  if (!j.is_array() || j.empty()) return std::nullopt;
  std::vector<config::MatchTerm> terms;
  for (const auto& pair : j) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) return std::nullopt;
    terms.push_back({pair[0].get<std::string>(), pair[1].get<std::string>()});
  }
  return terms;
}

/// `j[key]` as an int64 when present; `fallback` when absent; nullopt when of another type.
std::optional<std::int64_t> stored_int(const nlohmann::json& j, const char* key, std::int64_t fallback) {
  const auto it = j.find(key);
  if (it == j.end()) return fallback;
  if (it->is_number_integer() && !it->is_number_unsigned()) return it->get<std::int64_t>();
  if (it->is_number_unsigned() && it->get<std::uint64_t>() <= static_cast<std::uint64_t>(kSilenceForever)) {
    return static_cast<std::int64_t>(it->get<std::uint64_t>());
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(SilenceSource s) { return s == SilenceSource::config ? "config" : "api"; }

Result<SilenceRequest> parse_silence_request(const nlohmann::json& body, std::int64_t now_ms) {
  if (!body.is_object()) return FieldError{"", "", "expected a JSON object"};
  SilenceRequest req;
  Errors errors;
  for (const auto& [key, value] : body.items()) {
    if (std::find(kRequestKeys.begin(), kRequestKeys.end(), key) == kRequestKeys.end()) {
      errors.push_back({key, "", "unknown key; expected match, until, for or comment"});
    }
  }
  if (const auto m = body.find("match"); m == body.end() || !m->is_object()) {
    errors.push_back({"match", "", "required: an object of field: pattern, e.g. {\"service\": \"legacy-*\"}"});
  } else {
    for (const auto& [key, value] : m->items()) {
      if (value.is_string()) {
        req.match.push_back({key, value.get<std::string>()});
      } else {
        errors.push_back({"match." + key, value.dump(), "expected a string"});
      }
    }
  }
  const auto until = body.find("until");
  const auto span = body.find("for");
  if (until != body.end() && span != body.end()) {
    errors.push_back({"for", "", "give until or for, not both"});
  } else if (until != body.end()) {
    const auto ms = until->is_string() ? parse_timestamp(until->get<std::string>()) : std::nullopt;
    if (ms) {
      req.until_ms = *ms;
    } else {
      errors.push_back({"until", until->is_string() ? until->get<std::string>() : until->dump(),
                        "expected an RFC 3339 time like 2026-12-01T00:00:00Z"});
    }
  } else if (span != body.end()) {
    const auto d = span->is_string() ? parse_duration(span->get<std::string>()) : std::nullopt;
    if (d && d->count() > 0 && d->count() < kSilenceForever - now_ms) {
      req.until_ms = now_ms + d->count();
    } else {
      errors.push_back({"for", span->is_string() ? span->get<std::string>() : span->dump(),
                        "expected a duration like 30m, 2h or 1d"});
    }
  } else {
    errors.push_back({"until", "", "required: until (RFC 3339) or for (a duration like 2h)"});
  }
  if (const auto c = body.find("comment"); c != body.end()) {
    if (c->is_string()) {
      req.comment = c->get<std::string>();
    } else {
      errors.push_back({"comment", c->dump(), "expected a string"});
    }
  }
  if (!errors.empty()) return errors;
  return req;
}

nlohmann::json to_api_json(const Silence& s) {
  auto match = nlohmann::json::object();
  for (const auto& t : s.match) match[t.key] = t.value;
  const auto time_or_null = [](std::int64_t ms, bool none) {
    return none ? nlohmann::json(nullptr) : nlohmann::json(format_rfc3339(ms));
  };
  return {{"id", s.id},
          {"match", std::move(match)},
          {"until", time_or_null(s.until_ms, s.until_ms == kSilenceForever)},
          {"comment", s.comment},
          {"source", to_string(s.source)},
          {"created", time_or_null(s.created_ms, s.source == SilenceSource::config)}};
}

SilenceSet::SilenceSet(const std::vector<config::Silence>& from_config) { set_config(from_config); }

void SilenceSet::set_config(const std::vector<config::Silence>& from_config) {
  config_.clear();
  for (std::size_t i = 0; i < from_config.size(); ++i) {
    const auto& s = from_config[i];
    Silence silence{"config-" + std::to_string(i + 1), s.match, s.until_ms.value_or(kSilenceForever),
                    s.comment, SilenceSource::config, 0};
    config_.push_back({std::move(silence), compile_terms(s.match)});
  }
}

const Silence* SilenceSet::matching(const Event& e, std::int64_t now_ms) const {
  for (const auto* entries : {&config_, &api_}) {
    for (const auto& s : *entries) {
      if (now_ms < s.silence.until_ms && s.matcher.matches(e)) return &s.silence;
    }
  }
  return nullptr;
}

bool SilenceSet::matches(const Event& e, std::int64_t now_ms) const { return matching(e, now_ms) != nullptr; }

bool SilenceSet::has_id(std::string_view id) const {
  const auto same = [&](const Entry& s) { return s.silence.id == id; };
  return std::any_of(config_.begin(), config_.end(), same) || std::any_of(api_.begin(), api_.end(), same);
}

std::string SilenceSet::new_id(std::int64_t now_ms) {
  char hex[17];
  do {
    const auto h = mix(static_cast<std::uint64_t>(now_ms) ^ mix(++seq_));
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  } while (has_id(hex));
  return hex;
}

Result<std::string> SilenceSet::add(std::vector<config::MatchTerm> match, std::int64_t until_ms,
                                    std::string comment, std::int64_t now_ms) {
  Errors errors;
  if (match.empty()) {
    errors.push_back({"match", "", "required: name at least one field (a silence of everything would hide every alert)"});
  }
  auto matcher = compile_matcher(pairs_of(match));
  if (!matcher) {
    for (auto e : matcher.errors()) {
      e.field = "match." + e.field;
      errors.push_back(std::move(e));
    }
  }
  if (until_ms <= now_ms) errors.push_back({"until", format_rfc3339(until_ms), "must be in the future"});
  if (!errors.empty()) return errors;
  Silence s{new_id(now_ms), std::move(match), until_ms, std::move(comment), SilenceSource::api, now_ms};
  std::string id = s.id;
  api_.push_back({std::move(s), std::move(matcher).value()});
  return id;
}

SilenceSet::ExpireOutcome SilenceSet::expire(std::string_view id, std::int64_t now_ms) {
  const auto same = [&](const Entry& s) { return s.silence.id == id; };
  if (std::any_of(config_.begin(), config_.end(), same)) return ExpireOutcome::read_only;
  const auto it = std::find_if(api_.begin(), api_.end(), same);
  if (it == api_.end() || it->silence.until_ms <= now_ms) return ExpireOutcome::unknown;
  api_.erase(it);
  return ExpireOutcome::expired;
}

std::vector<Silence> SilenceSet::list(std::int64_t now_ms) const {
  std::vector<Silence> out;
  for (const auto* entries : {&config_, &api_}) {
    for (const auto& s : *entries) {
      if (now_ms < s.silence.until_ms) out.push_back(s.silence);
    }
  }
  return out;
}

std::size_t SilenceSet::prune(std::int64_t now_ms) {
  const auto before = api_.size();
  std::erase_if(api_, [&](const Entry& s) { return s.silence.until_ms <= now_ms; });
  return before - api_.size();
}

nlohmann::json SilenceSet::to_json() const {
  auto out = nlohmann::json::array();
  for (const auto& [s, matcher] : api_) {
    auto match = nlohmann::json::array();
    for (const auto& t : s.match) match.push_back({t.key, t.value});
    out.push_back({{"id", s.id},
                   {"match", std::move(match)},
                   {"until_ms", s.until_ms},
                   {"comment", s.comment},
                   {"created_ms", s.created_ms}});
  }
  return out;
}

SilenceSet::Restored SilenceSet::restore(const nlohmann::json& entries) {
  Restored r;
  if (!entries.is_array()) return r;
  for (const auto& j : entries) {
    const auto id = j.is_object() ? j.find("id") : j.end();
    const auto terms = j.is_object() ? stored_terms(j.value("match", nlohmann::json())) : std::nullopt;
    const auto until_ms = j.is_object() ? stored_int(j, "until_ms", kSilenceForever) : std::nullopt;
    const auto created_ms = j.is_object() ? stored_int(j, "created_ms", 0) : std::nullopt;
    const auto comment = j.is_object() ? j.value("comment", nlohmann::json("")) : nlohmann::json();
    if (id == j.end() || !id->is_string() || id->get<std::string>().empty() || has_id(id->get<std::string>()) ||
        !terms || !until_ms || !created_ms || !comment.is_string()) {
      ++r.skipped;
      continue;
    }
    auto matcher = compile_matcher(pairs_of(*terms));
    if (!matcher) {  // a file from a version that knew a field this one does not
      ++r.skipped;
      continue;
    }
    Silence s{id->get<std::string>(), *terms, *until_ms, comment.get<std::string>(), SilenceSource::api, *created_ms};
    api_.push_back({std::move(s), std::move(matcher).value()});
    ++r.loaded;
  }
  return r;
}

}  // namespace erralert::core
