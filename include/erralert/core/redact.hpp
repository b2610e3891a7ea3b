// Redaction: secret values taken out of an event before any of it leaves the host (CONTRACT.md
// section 5).
//
//   const Redactor redactor({"card_no"}, {R"(\b\d{6}-\d{7}\b)"});
//   redactor.redact(event);  // params.password == "[redacted]"; "Bearer abc" -> "Bearer [redacted]"
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "erralert/core/event.hpp"

namespace re2 {
class RE2;
}

namespace erralert::core {

/// What a secret value becomes.
inline constexpr std::string_view kRedacted = "[redacted]";

/// Precompiled redaction rules; cheap to copy (compiled patterns are shared, read-only and
/// thread-safe).
class Redactor {
 public:
  /// The built-in keys plus `extra_keys`; the built-in card-number pattern plus `patterns` (RE2
  /// syntax; the config loader has validated them — any that fail to compile are skipped).
  Redactor(const std::vector<std::string>& extra_keys, const std::vector<std::string>& patterns);
  /// The built-in rules only.
  Redactor();

  /// Replaces secret values in place: by key in params, headers, tags, errors and the query;
  /// credentials, card numbers, config patterns and values already found secret in all text.
  void redact(Event& e) const;

  /// True when `key` names a secret: compared in lower case with '-', '_', '.', ' ' and camel
  /// case humps alike, whole ("API-Key") or as a run of its words ("db_password", "X-Auth-Token").
  bool is_secret_key(std::string_view key) const;

  /// `text` with free-text credentials ("token=x", "Bearer x"), Luhn-valid card numbers and the
  /// config patterns replaced.
  std::string scrub(std::string_view text) const;

 private:
  class Pass;

  /// scrub() on `s` itself: text without a secret is left as it is, not copied.
  void scrub_in_place(std::string& s) const;

  std::unordered_set<std::string> keys_;  ///< normalised: lower case, words joined by '-'
  std::unordered_set<std::string> joined_keys_;  ///< the same without the '-': "apikey"
  std::size_t max_key_words_ = 1;
  std::shared_ptr<const re2::RE2> key_value_;  ///< "password=x", "\"token\": \"x\"" in free text
  std::shared_ptr<const re2::RE2> header_;     ///< "Authorization: x" lines in free text
  std::shared_ptr<const re2::RE2> bearer_;     ///< "Bearer x" anywhere
  std::shared_ptr<const re2::RE2> url_credential_;  ///< "scheme://user:SECRET@host"
  std::vector<std::shared_ptr<const re2::RE2>> patterns_;
  std::shared_ptr<const re2::RE2> any_;  ///< all of the above as one alternation, for a quick no
};

}  // namespace erralert::core
