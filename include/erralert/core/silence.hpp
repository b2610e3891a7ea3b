// Silences: which events are counted and dropped for a while, from the config and from the API.
//
//   SilenceSet s(cfg.silences);
//   if (s.matches(event, now_ms)) ++silenced;   // not routed, not notified
//   Result<std::string> id = s.add({{"service", "legacy-batch"}}, now_ms + 7'200'000, "migration", now_ms);
//   s.expire(*id, now_ms);
//
// Pure: time comes in as `now_ms`. The config's silences are read-only and replaced on reload;
// the API's are kept across reloads and, through to_json()/restore(), across restarts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "erralert/config/config.hpp"
#include "erralert/core/event.hpp"
#include "erralert/core/match.hpp"
#include "erralert/core/result.hpp"

namespace erralert::core {

/// A silence's `until_ms` when it holds until it is expired.
inline constexpr std::int64_t kSilenceForever = std::numeric_limits<std::int64_t>::max();

enum class SilenceSource { config, api };

/// "config" or "api".
std::string_view to_string(SilenceSource s);

struct Silence {
  std::string id;
  std::vector<config::MatchTerm> match;  ///< as written, in order
  std::int64_t until_ms = kSilenceForever;
  std::string comment;
  SilenceSource source = SilenceSource::api;
  std::int64_t created_ms = 0;  ///< 0 for config silences (they date from the file)
};

/// What a POST /v1/silences body asks for, checked: terms, end time and comment.
struct SilenceRequest {
  std::vector<config::MatchTerm> match;
  std::int64_t until_ms = kSilenceForever;
  std::string comment;
};

/// Reads `{"match": {K: V}, "until": RFC 3339 | "for": "2h", "comment": "..."}` at `now_ms`.
/// Errors name the field ("match.service", "until", "for", ...); the matcher and the time in
/// the future are checked by SilenceSet::add. Never throws.
Result<SilenceRequest> parse_silence_request(const nlohmann::json& body, std::int64_t now_ms);

/// A silence as the API shows it: {id, match, until (RFC 3339 or null), comment, source, created}.
nlohmann::json to_api_json(const Silence& s);

class SilenceSet {
 public:
  /// The config's silences (validated by load_config).
  explicit SilenceSet(const std::vector<config::Silence>& from_config = {});

  /// True when a silence in force at `now_ms` matches `e`.
  bool matches(const Event& e, std::int64_t now_ms) const;
  /// The first silence in force at `now_ms` that matches `e` (config ones first); nullptr: none.
  const Silence* matching(const Event& e, std::int64_t now_ms) const;

  /// Adds an API silence: at least one term, every term valid, `until_ms` after `now_ms`.
  /// Returns its id (16 hex digits, unique in the set).
  Result<std::string> add(std::vector<config::MatchTerm> match, std::int64_t until_ms, std::string comment,
                          std::int64_t now_ms);

  enum class ExpireOutcome { expired, unknown, read_only };
  /// Ends the API silence `id` now. `unknown`: no silence in force has that id; `read_only`: it
  /// comes from the config file, which is where it ends.
  ExpireOutcome expire(std::string_view id, std::int64_t now_ms);

  /// The silences in force at `now_ms`: the config's in file order, then the API's by creation.
  std::vector<Silence> list(std::int64_t now_ms) const;

  /// Replaces the config's silences (a reload); the API's stay.
  void set_config(const std::vector<config::Silence>& from_config);
  /// Drops the API silences that ended at or before `now_ms`; returns how many.
  std::size_t prune(std::int64_t now_ms);

  /// The API silences, for the silence file: [{id, match: [[K, V]...], until_ms, comment, created_ms}].
  nlohmann::json to_json() const;
  struct Restored {
    std::size_t loaded = 0;
    std::size_t skipped = 0;  ///< entries that were not a silence (or had an id already taken)
  };
  /// Adds the API silences of a to_json() array; bad entries are skipped. Never throws.
  Restored restore(const nlohmann::json& entries);

 private:
  struct Entry {
    Silence silence;
    Matcher matcher;
  };
  std::string new_id(std::int64_t now_ms);
  bool has_id(std::string_view id) const;

  std::vector<Entry> config_;
  std::vector<Entry> api_;
  std::uint64_t seq_ = 0;
};

}  // namespace erralert::core
