// Parse and validate untrusted event bodies into Events; every failure becomes a FieldError.
//
// Event text is parsed once by Boost.JSON into an arena on the stack (no allocation for a
// typical event), and the Event is built by taking fields out of that document; only what stays
// JSON in the Event (params, headers, errors[].value, extra) is converted to nlohmann::json.
// nlohmann's parser runs only to say where a refused text went wrong.
#include "erralert/core/parse.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <initializer_list>
#include <utility>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <nlohmann/json.hpp>

#include "erralert/core/json_convert.hpp"
#include "erralert/core/ndjson.hpp"
#include "erralert/core/normalize.hpp"
#include "erralert/core/utf8.hpp"

namespace erralert::core {
namespace {

namespace bj = boost::json;
using json = nlohmann::json;

constexpr std::size_t kMaxDepth = kMaxEventDepth;
constexpr std::size_t kMaxServiceChars = 128;
constexpr std::size_t kMaxMethodBytes = 32;
constexpr std::size_t kMaxValueChars = 64;
constexpr std::size_t kMaxSyntaxMessageChars = 120;
constexpr std::int64_t kMaxEpochMs = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z
/// Stack space for one event's document; a typical 0.5 KiB event needs about a third of it.
constexpr std::size_t kArenaBytes = 4096;

constexpr std::string_view kNotAnObject = "an event must be a JSON object";
constexpr std::string_view kServiceRequired =
    "service is required (or X-Erralert-Service header, ?service=, defaults.service)";

// ---------------------------------------------------------------------------------------------
// Small helpers

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

/// Compact JSON text of a value, written as everywhere else in erralert (nlohmann's format).
std::string dump(const bj::value& v) { return dump(to_nlohmann(v)); }

std::string_view view(const bj::string& s) { return {s.data(), s.size()}; }

/// The offending value for a FieldError: strings as sent, others as JSON, at most 64 characters.
std::string shorten(const bj::value& v) {
  if (v.is_string()) return truncate_chars(view(v.get_string()), kMaxValueChars);
  return truncate_chars(dump(v), kMaxValueChars);
}

std::string join_path(std::string_view prefix, std::string_view key) {
  std::string out(prefix);
  if (!out.empty()) out.push_back('.');
  out.append(key);
  return out;
}

std::string indexed(std::string_view field, std::size_t i) {
  return std::string(field) + "[" + std::to_string(i) + "]";
}

bool has_control(std::string_view s) {
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7F) return true;
  }
  return false;
}

bool is_tchar(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::optional<std::int64_t> to_int(std::string_view digits) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return v;
}

/// Integral JSON numbers as int64; nullopt for anything else (Boost.JSON reads every integer
/// that fits as int64, so a uint64 is always out of range).
std::optional<std::int64_t> integer_of(const bj::value& v) {
  if (v.is_int64()) return v.get_int64();
  return std::nullopt;
}

/// Text of a scalar for fields that take "a string or a number" (codes, tags): nullopt otherwise.
std::optional<std::string> scalar_text(const bj::value& v) {
  if (v.is_string()) return std::string(view(v.get_string()));
  if (v.is_number() || v.is_bool()) return dump(v);
  return std::nullopt;
}

/// Nest's class-validator sends `message` as an array of strings; joined with "; ".
std::optional<std::string> joined_strings(const bj::array& items, std::string_view separator) {
  std::string out;
  for (const bj::value& item : items) {
    if (!item.is_string()) return std::nullopt;
    if (!out.empty()) out.append(separator);
    out.append(view(item.get_string()));
  }
  return out;
}

/// A non-empty array of strings: one field's messages in a DRF field map.
bool is_string_list(const bj::value& v) {
  if (!v.is_array() || v.get_array().empty()) return false;
  const bj::array& items = v.get_array();
  return std::all_of(items.begin(), items.end(), [](const bj::value& i) { return i.is_string(); });
}

/// DRF's `{"name": ["This field may not be blank."], ...}`: every member a list of messages.
bool is_field_map(const bj::object& obj) {
  return !obj.empty() && std::all_of(obj.begin(), obj.end(), [](const bj::key_value_pair& m) {
           return is_string_list(m.value()) || m.value().is_string();
         });
}

// ---------------------------------------------------------------------------------------------
// JSON decoding with a depth bound and a located syntax error

/// One pass over JSON text: the offset where nesting first exceeds `max_depth` (outside
/// strings), or nullopt. When `sizes` is given and the text is an array, also records the byte
/// size of each top-level element (whitespace around it not counted).
std::optional<std::size_t> scan_nesting(std::string_view s, std::size_t max_depth,
                                        std::vector<std::size_t>* sizes) {
  std::size_t depth = 0;
  std::size_t element_start = 0;
  auto record = [&](std::size_t end) {
    const std::string_view element = s.substr(element_start, end - element_start);
    const std::size_t first = element.find_first_not_of(" \t\r\n");
    const std::size_t last = element.find_last_not_of(" \t\r\n");
    sizes->push_back(first == std::string_view::npos ? 0 : last - first + 1);
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    switch (s[i]) {
      case '"':
        for (++i; i < s.size() && s[i] != '"'; ++i) i += s[i] == '\\';
        break;
      case '[':
      case '{':
        if (++depth > max_depth) return i;
        if (depth == 1) element_start = i + 1;
        break;
      case ']':
      case '}':
        if (depth == 1 && sizes) record(i);
        depth -= depth > 0;
        break;
      case ',':
        if (depth == 1 && sizes) {
          record(i);
          element_start = i + 1;
        }
        break;
      default:
        break;
    }
  }
  return std::nullopt;
}

/// Keeps the useful tail of nlohmann's message: "unexpected '}'; expected string literal".
std::string short_parse_message(std::string_view what) {
  if (const std::size_t dash = what.find(" - "); dash != std::string_view::npos) {
    what.remove_prefix(dash + 3);
  } else if (const std::size_t colon = what.find(": "); colon != std::string_view::npos) {
    what.remove_prefix(colon + 2);
  }
  return truncate_chars(what, kMaxSyntaxMessageChars);
}

/// A SAX handler that builds nothing and only remembers where and why parsing failed.
struct SyntaxErrorLocator final : json::json_sax_t {
  bool failed = false;
  std::size_t position = 0;
  std::string message;

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t pos, const std::string&, const nlohmann::detail::exception& ex) override {
    failed = true;
    position = pos;
    message = short_parse_message(ex.what());
    return false;
  }
};

/// "syntax error at byte N: ..." for text that Boost.JSON refused, located by a second, rare
/// pass of nlohmann's parser, whose messages name what was expected. Should the two parsers
/// ever disagree, Boost.JSON's reason is given without a position.
std::string locate_syntax_error(std::string_view text, const bj::error_code& ec) {
  SyntaxErrorLocator locator;
  try {
    json::sax_parse(text, &locator);
  } catch (const std::exception&) {  // not expected: the handler never asks to throw
  }
  if (!locator.failed) return "syntax error: " + ec.message();
  const std::size_t byte = locator.position > 0 ? locator.position - 1 : 0;
  return "syntax error at byte " + std::to_string(byte) + ": " + locator.message;
}

std::string too_deep_message(std::size_t byte) {
  return "nested deeper than " + std::to_string(kMaxDepth) + " levels at byte " + std::to_string(byte);
}

/// A JSON document parsed into memory from `arena`; `error` says why there is none (depth or
/// syntax, located).
struct Decoded {
  bj::value value;
  std::optional<std::string> error;
};

/// Decodes `text` (valid UTF-8), nesting at most `max_depth` levels.
Decoded decode(std::string_view text, std::size_t max_depth, bj::monotonic_resource& arena) {
  bj::parse_options options;
  options.max_depth = max_depth;
  bj::error_code ec;
  Decoded out{bj::parse(bj::string_view(text.data(), text.size()), ec, &arena, options), std::nullopt};
  if (ec == bj::error::too_deep) {
    out.error = too_deep_message(scan_nesting(text, max_depth, nullptr).value_or(0));
  } else if (ec) {
    out.error = locate_syntax_error(text, ec);
  }
  return out;
}

/// Text as parsed: `raw` when it is valid UTF-8 (no copy), else a repaired copy.
class Utf8Text {
 public:
  explicit Utf8Text(std::string_view raw) : view_(raw) {
    if (!is_valid_utf8(raw)) {
      repaired_ = repair_utf8(raw);
      view_ = repaired_;
    }
  }
  Utf8Text(const Utf8Text&) = delete;
  Utf8Text& operator=(const Utf8Text&) = delete;
  std::string_view view() const { return view_; }

 private:
  std::string repaired_;
  std::string_view view_;
};

FieldError too_large_error(std::size_t bytes, std::size_t limit) {
  return {"", "", "event is " + std::to_string(bytes) + " bytes, over the limit of " + std::to_string(limit) +
                      " (limits.max_event_bytes)"};
}

// ---------------------------------------------------------------------------------------------
// parse_event(json&): JSON values that came from elsewhere may be deep or hold invalid UTF-8

/// True when `j` nests deeper than `limit` levels; recursion stops at the limit.
bool deeper_than(const json& j, std::size_t limit) {
  if (!j.is_structured()) return false;
  if (limit == 0) return true;
  for (const auto& child : j) {
    if (deeper_than(child, limit - 1)) return true;
  }
  return false;
}

bool strings_valid(const json& j) {
  if (j.is_string()) return is_valid_utf8(j.get_ref<const std::string&>());
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!is_valid_utf8(it.key()) || !strings_valid(it.value())) return false;
    }
  }
  if (j.is_array()) {
    for (const auto& child : j) {
      if (!strings_valid(child)) return false;
    }
  }
  return true;
}

/// A copy of `j` with every key and string repaired to valid UTF-8.
json repaired_copy(const json& j) {
  if (j.is_string()) return repair_utf8(j.get_ref<const std::string&>());
  if (j.is_object()) {
    json out = json::object();
    for (auto it = j.begin(); it != j.end(); ++it) out[repair_utf8(it.key())] = repaired_copy(it.value());
    return out;
  }
  if (j.is_array()) {
    json out = json::array();
    for (const auto& child : j) out.push_back(repaired_copy(child));
    return out;
  }
  return j;
}

// ---------------------------------------------------------------------------------------------
// The event builder: takes fields out of a decoded object; what is left is `extra`

/// A field taken out of an object: its value and the name it was sent under (for errors).
struct Taken {
  bj::value value;
  std::string_view key;
};

/// Moves the first non-null member named by `keys` (canonical name first, then aliases) out of
/// `obj`. Nulls met on the way are dropped: many serialisers write null for an absent field.
std::optional<Taken> take(bj::object& obj, std::initializer_list<std::string_view> keys) {
  for (std::string_view key : keys) {
    auto it = obj.find(bj::string_view(key.data(), key.size()));
    if (it == obj.end()) continue;
    if (it->value().is_null()) {
      obj.erase(it);
      continue;
    }
    Taken taken{std::move(it->value()), key};
    obj.erase(it);
    return taken;
  }
  return std::nullopt;
}

class EventBuilder {
 public:
  explicit EventBuilder(const ParseContext& ctx) : ctx_(ctx) {}

  Result<Event> build(bj::value& v) {
    if (!v.is_object()) return FieldError{"", shorten(v), std::string(kNotAnObject)};
    bj::object& obj = v.get_object();
    read_service(obj);
    read_envelope(obj);
    read_message(obj);
    read_severity(obj);
    read_status(obj);
    read_code(obj);
    read_timestamp(obj);
    e_.host = optional_string(obj, {"host"}, "").value_or(ctx_.host);
    e_.environment = optional_string(obj, {"environment"}, "").value_or(ctx_.default_environment);
    read_request(obj);
    read_errors(obj);
    read_exception(obj);
    read_detail(obj);
    read_problem(obj);
    if (auto id = optional_string(obj, {"trace_id", "traceId"}, "")) e_.trace_id = std::move(*id);
    read_tags(obj);
    read_fingerprint(obj);
    finish_message(obj);
    apply_envelope();
    if (!severity_given_ && e_.status >= 400) e_.severity = e_.status >= 500 ? Severity::error : Severity::warning;
    if (!obj.empty()) e_.extra = to_nlohmann(v);
    if (!errors_.empty()) return std::move(errors_);
    return std::move(e_);
  }

 private:
  void fail(std::string field, const bj::value& value, std::string_view reason) {
    errors_.push_back({std::move(field), shorten(value), std::string(reason)});
  }

  void fail_text(std::string field, std::string_view value, std::string_view reason) {
    errors_.push_back({std::move(field), truncate_chars(value, kMaxValueChars), std::string(reason)});
  }

  /// A non-empty string member, or nullopt when absent or "" (so that defaults apply); a
  /// non-string is an error (reported, nullopt).
  std::optional<std::string> optional_string(bj::object& obj, std::initializer_list<std::string_view> keys,
                                             std::string_view prefix) {
    auto t = take(obj, keys);
    if (!t) return std::nullopt;
    if (!t->value.is_string()) {
      fail(join_path(prefix, t->key), t->value, "expected a string");
      return std::nullopt;
    }
    const bj::string& s = t->value.get_string();
    return s.empty() ? std::nullopt : std::optional<std::string>(view(s));
  }

  /// An object member or nullopt when absent; anything else is an error (reported, nullopt).
  std::optional<bj::object> optional_object(bj::object& obj, std::string_view key, std::string_view prefix) {
    auto t = take(obj, {key});
    if (!t) return std::nullopt;
    if (!t->value.is_object()) {
      fail(join_path(prefix, key), t->value, "expected an object");
      return std::nullopt;
    }
    return std::move(t->value.get_object());
  }

  void read_service(bj::object& obj) {
    std::string service;
    if (auto t = take(obj, {"service"})) {
      if (!t->value.is_string()) return fail("service", t->value, "expected a string");
      service = view(t->value.get_string());
    } else if (!ctx_.transport_service.empty()) {
      service = ctx_.transport_service;
    } else if (!ctx_.default_service.empty()) {
      service = ctx_.default_service;
      e_.service_defaulted = true;
    } else {
      fail_text("service", "", kServiceRequired);
      return;
    }
    if (service.empty() || count_chars(service) > kMaxServiceChars || has_control(service)) {
      fail_text("service", service, "must be 1..128 characters without control characters");
      return;
    }
    e_.service = std::move(service);
  }

  /// `message`, else `reason`, else an `error` string (Spring's default body) or the envelope's
  /// `error.message`; the first non-empty wins. With none, finish_message() looks further.
  /// Nest's message arrays are joined for `message` and also become errors[] entries.
  void read_message(bj::object& obj) {
    for (std::string_view key : {"message", "reason"}) {
      auto t = take(obj, {key});
      if (!t) continue;
      std::optional<std::string> joined;
      std::string_view text;
      if (t->value.is_string()) {
        text = view(t->value.get_string());
      } else if (t->value.is_array() && (joined = joined_strings(t->value.get_array(), "; "))) {
        for (const bj::value& item : t->value.get_array()) message_items_.emplace_back(view(item.get_string()));
        text = *joined;
      } else {
        message_failed_ = true;
        return fail(std::string(key), t->value, "expected a string or an array of strings");
      }
      if (!text.empty()) return set_message(text);
      message_empty_ = true;
    }
    if (auto it = obj.find("error"); it != obj.end() && it->value().is_string() && !it->value().get_string().empty()) {
      set_message(view(it->value().get_string()));
      obj.erase(it);
      return;
    }
    if (!envelope_message_.empty()) set_message(envelope_message_);
  }

  /// The last fallbacks once every known field is read: RFC 9457's `title`, then `detail`
  /// (which then is not kept twice), then a DRF field map at the top level
  /// (`{"name": ["This field may not be blank."]}`), whose first entry says what went wrong.
  void finish_message(bj::object& obj) {
    if (message_failed_) return;
    if (e_.message.empty() && !problem_title_.empty()) set_message(problem_title_);
    if (e_.message.empty() && !e_.detail.empty() && detail_is_text_) {
      set_message(e_.detail);
      e_.detail.clear();
    }
    if (e_.message.empty() && e_.errors.empty()) read_top_level_field_map(obj);
    if (e_.message.empty() && !e_.errors.empty()) {
      const EventFieldError& first = e_.errors.front();
      set_message(first.field.empty() ? first.reason : first.field + ": " + first.reason);
    }
    if (!message_items_.empty() && e_.errors.empty()) {
      for (std::string& item : message_items_) e_.errors.push_back({"", nullptr, std::move(item)});
    }
    if (e_.message.empty()) fail_text("message", "", message_empty_ ? "must not be empty" : "message is required");
  }

  /// Members whose value is a non-empty array of strings, as DRF's ValidationError body holds
  /// them (`non_field_errors` for the object as a whole); taken out of `extra` into errors[].
  void read_top_level_field_map(bj::object& obj) {
    std::vector<std::string> keys;
    for (const bj::key_value_pair& member : obj) {
      if (is_string_list(member.value())) keys.emplace_back(member.key());
    }
    std::sort(keys.begin(), keys.end());
    for (const std::string& key : keys) {
      auto it = obj.find(bj::string_view(key.data(), key.size()));
      const std::string field = key == "non_field_errors" ? "" : key;
      for (const bj::value& reason : it->value().get_array()) {
        e_.errors.push_back({field, nullptr, std::string(view(reason.get_string()))});
      }
      obj.erase(it);
    }
  }

  /// `{"error": {"message", "type", "code", ...}}` (OpenAI, Google and many REST APIs): its
  /// message, code and type stand in for absent top-level ones; the object stays in `extra`.
  void read_envelope(const bj::object& obj) {
    auto it = obj.find("error");
    if (it == obj.end() || !it->value().is_object()) return;
    const bj::object& envelope = it->value().get_object();
    auto text = [&](std::string_view key) -> std::string {
      auto m = envelope.find(bj::string_view(key.data(), key.size()));
      if (m == envelope.end() || m->value().is_null() || m->value().is_bool()) return {};
      return scalar_text(m->value()).value_or("");
    };
    envelope_message_ = text("message");
    envelope_code_ = text("code");
    envelope_type_ = text("type");
    if (envelope_code_.empty()) envelope_code_ = text("status");  // Google: "status": "NOT_FOUND"
  }

  void apply_envelope() {
    if (e_.code.empty() && !has_error_for("code")) e_.code = std::move(envelope_code_);
    if (e_.exception.type.empty()) e_.exception.type = std::move(envelope_type_);
  }

  /// RFC 9457 problem details: `title` is a message fallback; `instance` (the request's URI in
  /// Spring's ProblemDetail) stands in for an absent request.path. `type` stays in `extra`.
  void read_problem(bj::object& obj) {
    if (auto it = obj.find("title"); it != obj.end() && it->value().is_string()) {
      problem_title_ = view(it->value().get_string());
      if (e_.message.empty() && !problem_title_.empty()) obj.erase(it);
    }
    if (e_.request.path.empty()) {
      if (auto it = obj.find("instance"); it != obj.end() && it->value().is_string() &&
                                          it->value().get_string().starts_with("/")) {
        set_path(std::string(view(it->value().get_string())));
        e_.request.route = normalize_route(e_.request.path);
        obj.erase(it);
      }
    }
  }

  void set_message(std::string_view text) { e_.message = truncate_bytes(text, kMaxMessageBytes); }

  void read_severity(bj::object& obj) {
    auto t = take(obj, {"severity"});
    if (!t) return;
    std::optional<Severity> s;
    if (t->value.is_string()) s = parse_severity(view(t->value.get_string()));
    if (!s) return fail("severity", t->value, "expected one of debug, info, warning, error, critical");
    e_.severity = *s;
    severity_given_ = true;
  }

  void read_status(bj::object& obj) {
    auto t = take(obj, {"status", "statusCode"});
    if (!t) return;
    std::optional<std::int64_t> n = integer_of(t->value);
    if (t->value.is_string() && all_digits(view(t->value.get_string()))) n = to_int(view(t->value.get_string()));
    if (!n || *n < 100 || *n > 599) return fail(std::string(t->key), t->value, "expected an integer 100..599");
    e_.status = static_cast<int>(*n);
  }

  void read_code(bj::object& obj) {
    auto t = take(obj, {"code"});
    if (!t) return;
    auto text = scalar_text(t->value);
    if (!text || t->value.is_bool()) return fail("code", t->value, "expected a string or a number");
    e_.code = std::move(*text);
  }

  void read_timestamp(bj::object& obj) {
    e_.timestamp_ms = ctx_.now_ms;
    auto t = take(obj, {"timestamp"});
    if (!t) return;
    std::optional<std::int64_t> ms = integer_of(t->value);
    if (t->value.is_double()) {
      const double d = t->value.get_double();
      if (std::isfinite(d) && d >= 0 && d <= static_cast<double>(kMaxEpochMs)) ms = static_cast<std::int64_t>(d);
    }
    if (t->value.is_string()) {
      const std::string_view s = view(t->value.get_string());
      ms = all_digits(s) ? to_int(s) : parse_timestamp(s);
    }
    if (!ms || *ms < 0 || *ms > kMaxEpochMs) {
      return fail("timestamp", t->value, "expected RFC 3339 or epoch milliseconds");
    }
    e_.timestamp_ms = *ms;
    // An app's clock off by more than 5 minutes (or a body forwarded long after) must not date
    // the alert: the receipt time does, and the app's time is kept to be shown beside it. An
    // event that already says so (read back from the spool) keeps its times as they are.
    if (auto app = take(obj, {"app_timestamp"}); app && app->value.is_string()) {
      if (auto app_ms = parse_timestamp(view(app->value.get_string()))) {
        e_.app_timestamp_ms = app_ms;
        return;
      }
    }
    if (ctx_.max_clock_skew_ms > 0 && std::abs(*ms - ctx_.now_ms) > ctx_.max_clock_skew_ms) {
      e_.app_timestamp_ms = *ms;
      e_.timestamp_ms = ctx_.now_ms;
    }
  }

  void read_request(bj::object& obj) {
    if (auto request = optional_object(obj, "request", "")) {
      read_request_fields(*request);
      if (!request->empty()) obj["request"] = std::move(*request);  // unknown request fields
    }
    Request& r = e_.request;
    if (r.method.empty() && !has_error_for("request.method")) {
      if (auto m = optional_string(obj, {"method"}, "")) set_method(std::move(*m), "method");
    }
    if (r.path.empty() && !has_error_for("request.path")) {
      if (auto p = optional_string(obj, {"path"}, "")) set_path(std::move(*p));
    }
    r.route = normalize_route(r.path);
  }

  void read_request_fields(bj::object& req) {
    Request& r = e_.request;
    if (auto q = take(req, {"query"})) set_query(q->value);
    if (auto m = optional_string(req, {"method"}, "request")) set_method(std::move(*m), "request.method");
    if (auto p = optional_string(req, {"path"}, "request")) set_path(std::move(*p));
    if (auto params = optional_object(req, "params", "request")) r.params = to_nlohmann(*params);
    if (auto headers = optional_object(req, "headers", "request")) r.headers = to_nlohmann(*headers);
    if (auto ip = optional_string(req, {"client_ip"}, "request")) r.client_ip = std::move(*ip);
    take(req, {"route"});  // derived from path, never taken from the sender (to_json writes it)
  }

  bool has_error_for(std::string_view field) const {
    for (const auto& err : errors_) {
      if (err.field == field) return true;
    }
    return false;
  }

  void set_method(std::string method, std::string_view field) {
    const bool token = !method.empty() && method.size() <= kMaxMethodBytes &&
                       std::all_of(method.begin(), method.end(), is_tchar);
    if (!token) return fail_text(std::string(field), method, "expected an HTTP method token");
    for (char& c : method) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    }
    e_.request.method = std::move(method);
  }

  /// The path as sent, with a query string ("?a=1") moved to `query` unless one was given.
  void set_path(std::string path) {
    if (const std::size_t q = path.find('?'); q != std::string::npos) {
      if (e_.request.query.empty()) e_.request.query = path.substr(q + 1);
      path.resize(q);
    }
    e_.request.path = std::move(path);
  }

  /// A raw query string, or an object of parameters (Express's req.query) as "k=v&k2=v2".
  void set_query(const bj::value& value) {
    if (value.is_string()) {
      e_.request.query = view(value.get_string());
      return;
    }
    if (!value.is_object()) return fail("request.query", value, "expected a string or an object");
    // In the order nlohmann keeps keys (sorted), as before Boost.JSON parsed events.
    const json params = to_nlohmann(value);
    std::string query;
    for (auto it = params.begin(); it != params.end(); ++it) {
      if (!query.empty()) query.push_back('&');
      query.append(it.key()).push_back('=');
      query.append(it.value().is_string() ? it.value().get_ref<const std::string&>() : dump(it.value()));
    }
    e_.request.query = std::move(query);
  }

  void read_errors(bj::object& obj) {
    auto t = take(obj, {"errors"});
    if (!t) return;
    if (t->value.is_array()) {
      bj::array& entries = t->value.get_array();
      for (std::size_t i = 0; i < entries.size(); ++i) read_error_entry(entries[i], indexed("errors", i));
    } else if (t->value.is_object()) {
      read_error_map(t->value);
    } else {
      fail("errors", t->value, "expected an array of {field, value, reason}");
    }
  }

  /// One `errors[]` entry: Spring's {field, value, reason}, also `message` / `defaultMessage`
  /// for reason and `rejectedValue` for value (Spring's BindingResult); a bare string is a reason.
  void read_error_entry(bj::value& entry, const std::string& where) {
    if (entry.is_string()) {
      e_.errors.push_back({"", nullptr, std::string(view(entry.get_string()))});
      return;
    }
    if (!entry.is_object()) return fail(where, entry, "expected an object {field, value, reason}");
    bj::object& fields = entry.get_object();
    EventFieldError fe;
    if (auto f = take(fields, {"field"})) {
      auto text = scalar_text(f->value);
      if (!text) return fail(where + ".field", f->value, "expected a string");
      fe.field = std::move(*text);
    }
    if (auto v = take(fields, {"value", "rejectedValue"})) fe.value = to_nlohmann(v->value);
    if (auto r = take(fields, {"reason", "message", "defaultMessage"})) {
      if (!r->value.is_string()) return fail(where + "." + std::string(r->key), r->value, "expected a string");
      fe.reason = view(r->value.get_string());
    }
    e_.errors.push_back(std::move(fe));
  }

  /// DRF's and Rails' `{"email": ["Enter a valid email."]}`: one entry per message, fields in
  /// nlohmann's (sorted) order.
  void read_error_map(const bj::value& map) {
    const json fields = to_nlohmann(map);
    auto text = [](const json& v) { return v.is_string() ? v.get<std::string>() : dump(v); };
    for (auto it = fields.begin(); it != fields.end(); ++it) {
      if (!it.value().is_array()) {
        e_.errors.push_back({it.key(), nullptr, text(it.value())});
        continue;
      }
      for (const auto& reason : it.value()) e_.errors.push_back({it.key(), nullptr, text(reason)});
    }
  }

  void read_exception(bj::object& obj) {
    auto x = optional_object(obj, "exception", "");
    if (!x) return;
    ExceptionInfo& info = e_.exception;
    if (auto type = optional_string(*x, {"type"}, "exception")) info.type = std::move(*type);
    if (auto message = optional_string(*x, {"message"}, "exception")) info.message = std::move(*message);
    auto trace = take(*x, {"stacktrace", "stack"});
    if (!trace) return;
    std::optional<std::string> text;
    if (trace->value.is_string()) text = std::string(view(trace->value.get_string()));
    if (trace->value.is_array()) text = joined_strings(trace->value.get_array(), "\n");
    if (!text) {
      return fail("exception." + std::string(trace->key), trace->value, "expected a string or an array of strings");
    }
    info.stacktrace = truncate_bytes(*text, kMaxStacktraceBytes);
  }

  /// DRF's `detail` may be a string or any JSON (an object of field errors); kept as text.
  void read_detail(bj::object& obj) {
    auto t = take(obj, {"detail"});
    if (!t) return;
    if (t->value.is_object() && e_.errors.empty() && is_field_map(t->value.get_object())) read_error_map(t->value);
    detail_is_text_ = t->value.is_string();
    e_.detail = t->value.is_string() ? truncate_bytes(view(t->value.get_string()), kMaxDetailBytes)
                                     : truncate_bytes(dump(t->value), kMaxDetailBytes);
  }

  void read_tags(bj::object& obj) {
    auto tags = optional_object(obj, "tags", "");
    if (!tags) return;
    for (const bj::key_value_pair& tag : *tags) {
      if (tag.value().is_null()) continue;
      e_.tags[std::string(tag.key())] = tag.value().is_string() ? std::string(view(tag.value().get_string()))
                                                                : dump(tag.value());
    }
  }

  void read_fingerprint(bj::object& obj) {
    auto t = take(obj, {"fingerprint"});
    if (!t) return;
    if (!t->value.is_array() || t->value.get_array().size() > kMaxFingerprintItems) {
      return fail("fingerprint", t->value, "expected an array of at most 16 strings");
    }
    const bj::array& items = t->value.get_array();
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (!items[i].is_string()) return fail(indexed("fingerprint", i), items[i], "expected a string");
      e_.fingerprint.emplace_back(view(items[i].get_string()));
    }
  }

  const ParseContext& ctx_;
  Event e_;
  Errors errors_;
  bool severity_given_ = false;
  bool message_failed_ = false;  ///< message or reason had a wrong type (already reported)
  bool message_empty_ = false;   ///< message or reason was sent as ""
  bool detail_is_text_ = false;  ///< detail was a string (a structured one is no message)
  std::vector<std::string> message_items_;  ///< Nest's message array, for errors[]
  std::string envelope_message_;
  std::string envelope_code_;
  std::string envelope_type_;
  std::string problem_title_;
};

Result<Event> build_event(bj::value& v, const ParseContext& ctx) { return EventBuilder(ctx).build(v); }

/// One event's text, already valid UTF-8 and within the size limit.
Result<Event> parse_valid_text(std::string_view text, const ParseContext& ctx) {
  unsigned char buffer[kArenaBytes];
  bj::monotonic_resource arena(buffer, sizeof buffer);
  Decoded d = decode(text, kMaxDepth, arena);
  if (d.error) return FieldError{"", "", std::move(*d.error)};
  return build_event(d.value, ctx);
}

void add(BodyResult& body, std::size_t index, Result<Event>&& r, bool too_large = false) {
  if (r) {
    body.events.push_back(std::move(r).value());
  } else {
    body.rejected.push_back({index, r.errors(), too_large});
  }
}

void add_too_large(BodyResult& body, std::size_t index, std::size_t bytes, std::size_t limit) {
  body.rejected.push_back({index, {too_large_error(bytes, limit)}, true});
}

BodyResult parse_ndjson(std::string_view text, const ParseContext& ctx) {
  BodyResult body;
  std::size_t index = 0;
  LineFramer framer(ctx.max_event_bytes);
  const LineFramer::OnLine on_line = [&](std::string_view line, bool too_long) {
    if (too_long) {
      add(body, index++, FieldError{"", "", "line over the limit of " + std::to_string(ctx.max_event_bytes) +
                                                " bytes (limits.max_event_bytes)"},
          true);
    } else {
      add(body, index++, parse_valid_text(line, ctx));
    }
  };
  framer.feed(text, on_line);
  framer.finish(on_line);
  return body;
}

BodyResult parse_json_body(std::string_view text, const ParseContext& ctx) {
  BodyResult body;
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    body.syntax_error = "syntax error at byte 0: the body is empty";
    return body;
  }
  const bool is_array = text[first] == '[';
  if (!is_array && text.size() > ctx.max_event_bytes) {
    add_too_large(body, 0, text.size(), ctx.max_event_bytes);
    return body;
  }
  unsigned char buffer[kArenaBytes];
  bj::monotonic_resource arena(buffer, sizeof buffer);
  // An array's elements get the same nesting allowance as a lone event.
  Decoded d = decode(text, kMaxDepth + (is_array ? 1 : 0), arena);
  if (d.error) {
    body.syntax_error = std::move(*d.error);
    return body;
  }
  if (!d.value.is_array()) {
    add(body, 0, build_event(d.value, ctx));
    return body;
  }
  // Element sizes are only needed when the body as a whole is over the per-event limit.
  std::vector<std::size_t> sizes;
  if (text.size() > ctx.max_event_bytes) scan_nesting(text, kMaxDepth + 1, &sizes);
  bj::array& items = d.value.get_array();
  body.events.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i < sizes.size() && sizes[i] > ctx.max_event_bytes) {
      add_too_large(body, i, sizes[i], ctx.max_event_bytes);
    } else {
      add(body, i, build_event(items[i], ctx));
    }
  }
  return body;
}

}  // namespace

Result<Event> parse_event(const nlohmann::json& j, const ParseContext& ctx) {
  if (deeper_than(j, kMaxDepth)) return FieldError{"", "", "nested deeper than " + std::to_string(kMaxDepth) + " levels"};
  unsigned char buffer[kArenaBytes];
  bj::monotonic_resource arena(buffer, sizeof buffer);
  bj::value v = to_boost(strings_valid(j) ? j : repaired_copy(j), &arena);
  return build_event(v, ctx);
}

Result<Event> parse_event_text(std::string_view text, const ParseContext& ctx) {
  if (text.size() > ctx.max_event_bytes) return too_large_error(text.size(), ctx.max_event_bytes);
  const Utf8Text valid(text);
  return parse_valid_text(valid.view(), ctx);
}

BodyResult parse_body(std::string_view body, BodyFormat format, const ParseContext& ctx) {
  const Utf8Text valid(body);
  return format == BodyFormat::ndjson ? parse_ndjson(valid.view(), ctx) : parse_json_body(valid.view(), ctx);
}

}  // namespace erralert::core
