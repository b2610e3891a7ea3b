// Redaction: secret keys in structured fields, credentials and card numbers in free text.
#include "erralert/core/redact.hpp"

#include <re2/re2.h>
#include <boost/container/small_vector.hpp>

#include <algorithm>
#include <array>
#include <cassert>

#include "erralert/core/text.hpp"

namespace erralert::core {
namespace {

using json = nlohmann::json;

/// Deeper JSON than this is replaced whole rather than walked (the parser bounds depth already;
/// this keeps the walk's stack bounded whatever the caller hands us, and fails closed).
constexpr int kMaxDepth = 64;
/// A secret value shorter than this is not hunted down in other text (too likely to be a word).
constexpr std::size_t kMinLiteralSecret = 6;
/// At most this many secret values are hunted down in other text.
constexpr std::size_t kMaxLiteralSecrets = 64;

constexpr const char* kBuiltinKeys[] = {
    "password",      "passwd",        "pwd",        "secret",     "client_secret", "token",
    "access_token",  "refresh_token", "id_token",   "api_key",    "apikey",        "x-api-key",
    "auth",          "authorization", "proxy-authorization",      "credentials",   "cookie",
    "set-cookie",    "session",       "sessionid",  "private_key", "bearer",       "passphrase",
    "x-auth-token",  "x-access-token", "client-key", "secret-key", "access-key",
    // Short secrets that forms and payment APIs name plainly.
    "pass",          "pin",           "cvv",        "cvc",        "ssn",           "otp",
    "jwt",
};

/// Header names whose whole value, to the end of the line, is a secret in "Name: value" text.
constexpr const char* kHeaderKeys[] = {
    "authorization", "proxy-authorization", "cookie",         "set-cookie",
    "x-api-key",     "x-auth-token",        "x-access-token", "api-key",
};

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_separator(char c) {
  return c == '-' || c == '_' || c == '.' || c == ' ' || c == '[' || c == ']';
}

/// "X-API-Key", "x_api_key", "xApiKey", "XApiKey" -> "x-api-key"; "user[password]" ->
/// "user-password".
std::string normalise_key(std::string_view key) {
  std::string out;
  out.reserve(key.size() + 4);
  for (std::size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    if (is_separator(c)) {
      if (!out.empty() && out.back() != '-') out += '-';
      continue;
    }
    const char prev = i > 0 ? key[i - 1] : '\0';
    const bool hump = is_upper(c) && (is_lower(prev) || is_digit(prev) ||
                                      (is_upper(prev) && i + 1 < key.size() && is_lower(key[i + 1])));
    if (hump && !out.empty() && out.back() != '-') out += '-';
    out += is_upper(c) ? static_cast<char>(c + 32) : c;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

/// A normalised key with its word breaks taken out: "pass-word" -> "password", so that a camel
/// hump inside one word ("PassWord") cannot hide it.
std::string joined(std::string_view normalised) {
  std::string out;
  for (char c : normalised) {
    if (c != '-') out += c;
  }
  return out;
}

std::vector<std::string_view> split_words(std::string_view normalised) {
  std::vector<std::string_view> words;
  std::size_t start = 0;
  while (start <= normalised.size()) {
    const std::size_t dash = std::min(normalised.find('-', start), normalised.size());
    if (dash > start) words.push_back(normalised.substr(start, dash - start));
    start = dash + 1;
  }
  return words;
}

/// A normalised key as an RE2 fragment that takes any of '-', '_', '.' or nothing between words.
std::string key_regex(std::string_view normalised) {
  std::string out;
  for (const auto word : split_words(normalised)) {
    if (!out.empty()) out += "[-_.]?";
    out += RE2::QuoteMeta(word);
  }
  return out;
}

std::string alternation(const std::vector<std::string>& normalised_keys) {
  std::vector<std::string> sorted = normalised_keys;
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.size() > b.size(); });
  std::string out;
  for (const auto& k : sorted) {
    if (k.empty()) continue;
    if (!out.empty()) out += '|';
    out += key_regex(k);
  }
  return out;
}

std::shared_ptr<const RE2> compile(const std::string& pattern) {
  RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_shared<const RE2>(pattern, options);
  return re->ok() ? re : nullptr;
}

/// Optional auth scheme kept visible before a redacted credential: "Bearer [redacted]".
constexpr std::string_view kScheme = R"(((?:bearer|basic|digest|token)\s+)?)";

/// "password=x", "api_key = x", "\"token\": \"x y\"", "'secret':'x'" — any secret key, with words
/// before or after it ("db_password=x"); bare keys only with '=' so that validation text such
/// as "password: must not be blank" keeps its meaning.
std::string key_value_pattern(const std::string& keys) {
  const std::string word_run =
      "(?:[A-Za-z0-9]+[-_.])*(?:" + keys + ")(?:[-_.][A-Za-z0-9]+)*";
  return "(?i)((?:^|[^A-Za-z0-9])(?:[\"']" + word_run + "[\"']\\s*[:=]|" + word_run +
         "\\s*=)\\s*)" + std::string(kScheme) + R"(("[^"]*"|'[^']*'|[^\s"'&,;<>]+))";
}

/// "Authorization: Bearer x", "Cookie: a=1; b=2": header lines in free text, to the line's end.
std::string header_pattern() {
  std::vector<std::string> keys(std::begin(kHeaderKeys), std::end(kHeaderKeys));
  return "(?i)((?:^|[^A-Za-z0-9_-])(?:" + alternation(keys) + ")\\s*:\\s*)" + std::string(kScheme) +
         R"(([^\s][^\r\n]*))";
}

/// The password of a URL's user info, "postgres://app:SECRET@db", "https://u:p@host" (the user
/// stays visible).
constexpr const char* kUrlCredentialPattern = R"(([A-Za-z][A-Za-z0-9+.-]*://[^\s/?#@:]*:)([^\s/?#@]+)(@))";

/// A bearer token alone: letters only when at least 16 of them, so "bearer token" stays prose.
constexpr const char* kBearerPattern =
    R"((?i)\b(bearer\s+)([A-Za-z]*[0-9._~+/=-][A-Za-z0-9._~+/-]*=*|[A-Za-z]{16,}))";

/// Characters people and systems write between a card number's digit groups.
constexpr bool is_card_separator(char c) { return c == ' ' || c == '-' || c == '.' || c == '/' || c == '_'; }
/// At most this many of them in a row inside one number ("4111  1111").
constexpr std::size_t kMaxCardSeparators = 2;

/// The digit at s[i], ASCII or full-width (U+FF10..U+FF19, as East Asian input methods type
/// them), with its length in bytes in `len`; -1 when there is none.
int digit_at(std::string_view s, std::size_t i, std::size_t& len) {
  if (i < s.size() && is_digit(s[i])) {
    len = 1;
    return s[i] - '0';
  }
  if (i + 2 < s.size() && s[i] == '\xEF' && s[i + 1] == '\xBC' && s[i + 2] >= '\x90' && s[i + 2] <= '\x99') {
    len = 3;
    return s[i + 2] - '\x90';
  }
  return -1;
}

/// Whether a digit ends just before s[i].
bool digit_before(std::string_view s, std::size_t i) {
  std::size_t len = 0;
  return (i >= 1 && is_digit(s[i - 1])) || (i >= 3 && digit_at(s, i - 3, len) >= 0 && len == 3);
}

/// What one byte scan tells about a text before any rule runs on it.
struct Hints {
  /// Some built-in free-text rule might match: each needs a ':' or '=' (header lines,
  /// key=value, URL user info) or the word "bearer" (bearer tokens).
  bool credential = false;
  /// A run of at least 13 digits (ASCII or full-width), up to two card separators allowed
  /// between them: the least a card number needs.
  bool card = false;
};

/// One pass over `s` that spares most strings (paths, ids, prose) the regular expression scan
/// and the card search. It may say yes where no rule matches, never the reverse.
Hints scan(std::string_view s) {
  enum : unsigned char { kOther, kDigit, kCardSeparator, kKeyMark, kB, kWide };
  static constexpr auto kClass = [] {
    std::array<unsigned char, 256> c{};
    for (int d = '0'; d <= '9'; ++d) c[d] = kDigit;
    c[' '] = c['-'] = c['.'] = c['/'] = c['_'] = kCardSeparator;
    c[':'] = c['='] = kKeyMark;
    c['b'] = c['B'] = kB;
    c[0xEF] = kWide;
    return c;
  }();
  Hints h;
  std::size_t digits = 0;      // in the current run
  std::size_t separators = 0;  // in a row, inside the current run
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char k = kClass[static_cast<unsigned char>(s[i])];
    std::size_t len = 1;
    if (k == kWide) {
      if (digit_at(s, i, len) < 0) {
        digits = 0;
        continue;
      }
      k = kDigit;
      i += len - 1;
    }
    if (k == kOther) {  // most bytes
      digits = 0;
      continue;
    }
    if (k == kDigit) {
      separators = 0;
      if (++digits >= 13) h.card = true;
    } else if (k == kCardSeparator) {
      if (digits == 0 || ++separators > kMaxCardSeparators) digits = 0;
    } else {
      digits = 0;
      if (k == kKeyMark) {
        h.credential = true;
      } else if (i + 6 <= s.size()) {  // 'b' or 'B'
        const std::string_view rest = s.substr(i + 1, 5);
        h.credential |= std::equal(rest.begin(), rest.end(), "earer",
                                   [](char a, char b) { return (a | 0x20) == b; });
      }
    }
  }
  return h;
}

bool luhn_ok(std::string_view digits) {
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

/// 13..19 digits, Luhn-valid, and a leading digit of a card network (2..6): that last condition
/// keeps epoch-millisecond timestamps ("17953...") and most order ids out.
bool card_like(std::string_view digits) {
  return digits.size() >= 13 && digits.size() <= 19 && digits[0] >= '2' && digits[0] <= '6' &&
         luhn_ok(digits);
}

/// The end (exclusive) of the longest card number starting at the digit run `s[begin, end)`,
/// or 0 when none: the whole run, else the run cut before one of its separators.
std::size_t card_end(std::string_view s, std::size_t begin, std::size_t end) {
  std::string digits;
  std::vector<std::pair<std::size_t, std::size_t>> cuts;  // (byte end, digit count) at separators
  for (std::size_t i = begin; i < end;) {
    std::size_t len = 1;
    if (const int d = digit_at(s, i, len); d >= 0) {
      digits += static_cast<char>('0' + d);
    } else if (cuts.empty() || cuts.back().second != digits.size()) {
      cuts.emplace_back(i, digits.size());
    }
    i += len;
  }
  if (card_like(digits)) return end;
  for (auto it = cuts.rbegin(); it != cuts.rend(); ++it) {
    if (card_like(std::string_view(digits).substr(0, it->second))) return it->first;
  }
  return 0;
}

/// Replaces card numbers: runs of digits (ASCII or full-width) with up to two separators
/// (' ', '-', '.', '/', '_') between digits.
void redact_cards(std::string& s) {
  std::string out;
  std::size_t copied = 0;
  std::size_t i = 0;
  std::size_t len = 0;
  while (i < s.size()) {
    if (digit_at(s, i, len) < 0 || digit_before(s, i)) {
      ++i;
      continue;
    }
    std::size_t j = i;
    std::size_t count = 0;
    for (;;) {
      if (digit_at(s, j, len) >= 0) {
        j += len;
        ++count;
        continue;
      }
      std::size_t k = j;
      while (k < s.size() && k - j < kMaxCardSeparators && is_card_separator(s[k])) ++k;
      if (k == j || digit_at(s, k, len) < 0) break;
      j = k;
    }
    if (const std::size_t cut = count >= 13 ? card_end(s, i, j) : 0; cut != 0) {
      out.append(s, copied, i - copied);
      out += kRedacted;
      copied = cut;
      i = cut;  // the rest of the run, after the separator, may hold another card
      continue;
    }
    i = j;
  }
  if (copied == 0) return;
  out.append(s, copied, std::string::npos);
  s = std::move(out);
}

/// A JSON number that is a card number written as one: an integer, or a float with no fraction.
bool card_number(const json& j) {
  if (j.is_number_integer()) {
    return card_like(j.is_number_unsigned() ? std::to_string(j.get<std::uint64_t>()) : std::to_string(j.get<std::int64_t>()));
  }
  if (!j.is_number_float()) return false;
  const double v = j.get<double>();
  if (!(v >= 1e12 && v < 1e19) || v != static_cast<double>(static_cast<std::uint64_t>(v))) return false;
  return card_like(std::to_string(static_cast<std::uint64_t>(v)));
}

void replace_all(std::string& s, std::string_view needle, std::string_view with) {
  for (std::size_t pos = s.find(needle); pos != std::string::npos; pos = s.find(needle, pos + with.size())) {
    s.replace(pos, needle.size(), with);
  }
}

}  // namespace

/// One redaction of one event: first the structured secrets (remembering their values), then
/// every outgoing string scrubbed, those values included.
class Redactor::Pass {
 public:
  explicit Pass(const Redactor& r) : r_(r) {}

  void run(Event& e) {
    redact_keys(e.request.params, 0);
    redact_keys(e.request.headers, 0);
    redact_keys(e.tags, 0);
    for (auto& fe : e.errors) {
      if (r_.is_secret_key(fe.field)) {
        hide(fe.value);
      } else {
        redact_keys(fe.value, 0);
      }
    }
    e.request.query = redact_query(e.request.query);
    std::sort(secrets_.begin(), secrets_.end(),
              [](const auto& a, const auto& b) { return a.size() > b.size(); });
    secrets_.erase(std::unique(secrets_.begin(), secrets_.end()), secrets_.end());

    // Every string that leaves the host (CONTRACT section 5), ids and names included: an app
    // can put anything in a code or a trace id.
    for (std::string* s : text_fields(e)) scrub(*s);
    for (auto& part : e.fingerprint) scrub(part);
    scrub_tree(e.request.params, 0);
    scrub_tree(e.request.headers, 0);
    scrub_tree(e.tags, 0);
    for (auto& fe : e.errors) {
      scrub(fe.field);
      scrub_tree(fe.value, 0);
      scrub(fe.reason);
    }
  }

 private:
  /// Remembers the strings inside `j` as secrets, then replaces `j` with "[redacted]".
  void hide(json& j) {
    collect(j, 0);
    if (j.is_string()) {
      j.get_ref<std::string&>() = kRedacted;  // into the string it has: no new allocation
    } else {
      j = kRedacted;
    }
  }

  void collect(const json& j, int depth) {
    if (j.is_string()) {
      remember(j.get_ref<const std::string&>());
    } else if (j.is_structured() && depth < kMaxDepth) {
      for (const auto& item : j) collect(item, depth + 1);
    }
  }

  void remember(std::string_view value) {
    if (value.size() >= kMinLiteralSecret && value != kRedacted && secrets_.size() < kMaxLiteralSecrets) {
      secrets_.emplace_back(value);
    }
  }

  void redact_keys(json& j, int depth) {
    if (!j.is_structured()) return;
    if (depth >= kMaxDepth) {
      j = kRedacted;
      return;
    }
    if (j.is_object()) {
      for (auto it = j.begin(); it != j.end(); ++it) {
        if (r_.is_secret_key(it.key())) {
          hide(it.value());
        } else {
          redact_keys(it.value(), depth + 1);
        }
      }
    } else {
      for (auto& item : j) redact_keys(item, depth + 1);
    }
  }

  /// "a=1&password=x" -> "a=1&password=[redacted]" (keys compared percent-decoded).
  std::string redact_query(std::string_view query) {
    std::string out;
    out.reserve(query.size());
    std::size_t start = 0;
    while (start <= query.size()) {
      const std::size_t amp = std::min(query.find('&', start), query.size());
      const std::string_view part = query.substr(start, amp - start);
      const std::size_t eq = part.find('=');
      if (eq != std::string_view::npos && r_.is_secret_key(percent_decode(part.substr(0, eq), true))) {
        remember(part.substr(eq + 1));
        remember(percent_decode(part.substr(eq + 1), true));
        out.append(part.substr(0, eq + 1));
        out += kRedacted;
      } else {
        out.append(part);
      }
      if (amp < query.size()) out += '&';
      start = amp + 1;
    }
    return out;
  }

  void scrub(std::string& s) const {
    for (const auto& secret : secrets_) replace_all(s, secret, kRedacted);
    r_.scrub_in_place(s);
  }

  void scrub_tree(json& j, int depth) const {
    if (j.is_string()) {
      scrub(j.get_ref<std::string&>());
    } else if (j.is_number()) {
      if (card_number(j)) j = kRedacted;
    } else if (j.is_structured()) {
      if (depth >= kMaxDepth) {
        j = kRedacted;
        return;
      }
      for (auto& item : j) scrub_tree(item, depth + 1);
    }
  }

  const Redactor& r_;
  boost::container::small_vector<std::string, 4> secrets_;  ///< a few per event, if any: no allocation
};

Redactor::Redactor() : Redactor({}, {}) {}

Redactor::Redactor(const std::vector<std::string>& extra_keys, const std::vector<std::string>& patterns) {
  std::vector<std::string> all(std::begin(kBuiltinKeys), std::end(kBuiltinKeys));
  all.insert(all.end(), extra_keys.begin(), extra_keys.end());
  std::vector<std::string> normalised;
  for (const auto& k : all) {
    std::string n = normalise_key(k);
    if (n.empty() || !keys_.insert(n).second) continue;
    max_key_words_ = std::max(max_key_words_, split_words(n).size());
    joined_keys_.insert(joined(n));
    normalised.push_back(std::move(n));
  }
  key_value_ = compile(key_value_pattern(alternation(normalised)));
  header_ = compile(header_pattern());
  bearer_ = compile(kBearerPattern);
  url_credential_ = compile(kUrlCredentialPattern);
  assert(key_value_ && header_ && bearer_ && url_credential_ && "the built-in patterns compile");
  std::string any = "(?:" + header_->pattern() + ")|(?:" + key_value_->pattern() + ")|(?:" + bearer_->pattern() +
                    ")|(?:" + url_credential_->pattern() + ")";
  for (const auto& p : patterns) {
    if (auto re = compile(p)) {
      patterns_.push_back(std::move(re));
      any += "|(?:" + p + ")";
    }
  }
  any_ = compile(any);  // null if the union is too big for RE2: then every rule runs
}

bool Redactor::is_secret_key(std::string_view key) const {
  const std::string n = normalise_key(key);
  if (n.empty()) return false;
  if (keys_.contains(n)) return true;
  if (n.find('-') == std::string::npos) return false;  // one word, and not a key
  const auto words = split_words(n);
  if (words.size() < 2) return false;
  // Runs of words, as written ("db-password") and joined ("pass-word" from "PassWord"). A
  // joined run may span a word more than the longest key has, for the hump inside it.
  std::string run;
  std::string glued;
  for (std::size_t i = 0; i < words.size(); ++i) {
    run.assign(words[i]);
    glued.assign(words[i]);
    for (std::size_t len = 1; len <= max_key_words_ + 1 && i + len <= words.size(); ++len) {
      if (len > 1) {
        run += '-';
        run += words[i + len - 1];
        glued += words[i + len - 1];
      }
      if (keys_.contains(run) || joined_keys_.contains(glued)) return true;
    }
  }
  return false;
}

std::string Redactor::scrub(std::string_view text) const {
  std::string s(text);
  scrub_in_place(s);
  return s;
}

void Redactor::scrub_in_place(std::string& s) const {
  if (s.empty()) return;
  // Most text holds no secret: a byte scan, then one RE2 scan for all the rules, decide
  // whether each rule must run.
  const Hints hints = scan(s);
  if ((patterns_.empty() && !hints.credential) || (any_ && !RE2::PartialMatch(s, *any_))) {
    if (hints.card) redact_cards(s);
    return;
  }
  // One rule's replacement can expose what another rule looks for (a config pattern that takes
  // the front of a digit run leaves a card number standing alone), so the rules run again until
  // the text stops changing: redacting twice must give what redacting once gave. Bounded, as a
  // config pattern that matches "[redacted]" itself would never settle.
  for (int round = 0; round < 4; ++round) {
    const std::string before = s;
    RE2::GlobalReplace(&s, *header_, R"(\1\2[redacted])");
    RE2::GlobalReplace(&s, *key_value_, R"(\1\2[redacted])");
    RE2::GlobalReplace(&s, *bearer_, R"(\1[redacted])");
    RE2::GlobalReplace(&s, *url_credential_, R"(\1[redacted]\3)");
    redact_cards(s);
    for (const auto& p : patterns_) RE2::GlobalReplace(&s, *p, kRedacted);
    if (s == before) break;
  }
}

void Redactor::redact(Event& e) const { Pass(*this).run(e); }

}  // namespace erralert::core
