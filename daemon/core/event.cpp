// The event value: severity names, RFC 3339 parsing, its JSON shape and dotted field look-up.
#include "erralert/core/event.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <utility>

#include "erralert/core/text.hpp"
#include "erralert/core/timefmt.hpp"
#include "erralert/core/utf8.hpp"

namespace erralert::core {
namespace {

using json = nlohmann::json;

using Text = std::optional<std::string_view>;

/// Text of a JSON value for field_text: strings as they are, other scalars and containers as
/// compact JSON (written into `scratch`); null, "", {} and [] are absent.
Text text_of(const json& j, std::string& scratch) {
  if (j.is_null() || (j.is_structured() && j.empty())) return std::nullopt;
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    return s.empty() ? std::nullopt : Text(s);
  }
  scratch = j.dump(-1, ' ', false, json::error_handler_t::replace);
  return scratch;
}

Text text_of(const std::string& s) { return s.empty() ? std::nullopt : Text(s); }

/// The member of object `j` named `key`, exactly or (when `any_case`) ignoring letter case.
const json* member(const json& j, std::string_view key, bool any_case) {
  if (!j.is_object()) return nullptr;
  if (auto it = j.find(key); it != j.end()) return &*it;
  if (!any_case) return nullptr;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (iequals(it.key(), key)) return &*it;
  }
  return nullptr;
}

/// Follows a dotted `path` into `j`; a key that itself holds dots is tried whole first.
Text lookup(const json& j, std::string_view path, std::string& scratch, bool any_case = false) {
  if (path.empty()) return text_of(j, scratch);
  if (const json* whole = member(j, path, any_case)) return text_of(*whole, scratch);
  const std::size_t dot = path.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  if (const json* head = member(j, path.substr(0, dot), any_case)) {
    return lookup(*head, path.substr(dot + 1), scratch);
  }
  return std::nullopt;
}

Text request_field(const Request& r, std::string_view name, std::string& scratch) {
  if (name == "method") return text_of(r.method);
  if (name == "path") return text_of(r.path);
  if (name == "route") return text_of(r.route);
  if (name == "query") return text_of(r.query);
  if (name == "client_ip") return text_of(r.client_ip);
  if (name == "params") return text_of(r.params, scratch);
  if (name.starts_with("params.")) return lookup(r.params, name.substr(7), scratch);
  if (name == "headers") return text_of(r.headers, scratch);
  if (name.starts_with("headers.")) return lookup(r.headers, name.substr(8), scratch, true);
  return std::nullopt;
}

Text exception_field(const ExceptionInfo& x, std::string_view name) {
  if (name == "type") return text_of(x.type);
  if (name == "message") return text_of(x.message);
  if (name == "stacktrace") return text_of(x.stacktrace);
  return std::nullopt;
}

Text top_level_field(const Event& e, std::string_view name, std::string& scratch) {
  if (name == "service") return text_of(e.service);
  if (name == "environment") return text_of(e.environment);
  if (name == "host") return text_of(e.host);
  if (name == "timestamp") return scratch = format_rfc3339(e.timestamp_ms);
  if (name == "app_timestamp") {
    if (!e.app_timestamp_ms) return std::nullopt;
    return scratch = format_rfc3339(*e.app_timestamp_ms);
  }
  if (name == "severity") return to_string(e.severity);
  if (name == "code") return text_of(e.code);
  if (name == "status") {
    if (e.status == 0) return std::nullopt;
    return scratch = std::to_string(e.status);
  }
  if (name == "message") return text_of(e.message);
  if (name == "detail") return text_of(e.detail);
  if (name == "trace_id") return text_of(e.trace_id);
  return lookup(e.extra, name, scratch);
}

void put_if(json& j, const char* key, const std::string& value) {
  if (!value.empty()) j[key] = value;
}

void put_if(json& j, const char* key, const json& value) {
  if (!value.empty()) j[key] = value;
}

json request_json(const Request& r) {
  json j = json::object();
  put_if(j, "method", r.method);
  put_if(j, "path", r.path);
  put_if(j, "route", r.route);
  put_if(j, "query", r.query);
  put_if(j, "params", r.params);
  put_if(j, "headers", r.headers);
  put_if(j, "client_ip", r.client_ip);
  return j;
}

json errors_json(const std::vector<EventFieldError>& errors) {
  json j = json::array();
  for (const auto& fe : errors) j.push_back({{"field", fe.field}, {"value", fe.value}, {"reason", fe.reason}});
  return j;
}

json exception_json(const ExceptionInfo& x) {
  json j = json::object();
  put_if(j, "type", x.type);
  put_if(j, "message", x.message);
  put_if(j, "stacktrace", x.stacktrace);
  return j;
}

/// to_json's document written as text, member by member in the document's (sorted) order, each
/// as nlohmann's dump() writes it. `valid` turns false at a string that is not UTF-8, which
/// dump() repairs: the caller then lets dump() write the whole.
class JsonText {
 public:
  explicit JsonText(std::string& out) : out_(out) {}
  bool valid() const { return valid_; }

  void begin() {
    out_.push_back('{');
    first_ = true;
  }
  void end() {
    out_.push_back('}');
    first_ = false;
  }
  /// A member's name that needs no escape (the known ones).
  void key(std::string_view name) {
    out_.append(first_ ? std::string_view("\"") : std::string_view(",\"")).append(name).append("\":");
    first_ = false;
  }
  /// Any other name (an unknown field's).
  void any_key(std::string_view name) {
    if (!first_) out_.push_back(',');
    first_ = false;
    string(name);
    out_.push_back(':');
  }
  void member(std::string_view name, std::string_view value) {
    key(name);
    string(value);
  }
  void member_json(std::string_view name, const json& value) {
    key(name);
    json_value(value);
  }
  void json_value(const json& value) { out_ += value.dump(-1, ' ', false, json::error_handler_t::replace); }
  /// Text that is JSON already (brackets, a comma, a number).
  void raw(std::string_view text) { out_ += text; }
  /// A string as dump() writes it without ensure_ascii: quotes, backslashes and control
  /// characters escaped, everything else as it is.
  void string(std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    static constexpr auto kEscaped = [] {
      std::array<bool, 256> e{};
      for (int c = 0; c < 0x20; ++c) e[c] = true;
      e['"'] = e['\\'] = true;
      return e;
    }();
    out_.push_back('"');
    std::size_t copied = 0;
    unsigned char high = 0;  // any byte over 0x7f: then the text must be UTF-8
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      high |= c;
      if (!kEscaped[c]) continue;
      out_.append(s.substr(copied, i - copied));
      copied = i + 1;
      switch (c) {
        case '"': out_ += "\\\""; break;
        case '\\': out_ += "\\\\"; break;
        case '\b': out_ += "\\b"; break;
        case '\t': out_ += "\\t"; break;
        case '\n': out_ += "\\n"; break;
        case '\f': out_ += "\\f"; break;
        case '\r': out_ += "\\r"; break;
        default:
          out_ += "\\u00";
          out_.push_back(kHex[c >> 4]);
          out_.push_back(kHex[c & 0xf]);
      }
    }
    out_.append(s.substr(copied)).push_back('"');
    valid_ = valid_ && (high < 0x80 || is_valid_utf8(s));
  }

 private:
  std::string& out_;
  bool first_ = true;
  bool valid_ = true;
};

/// The top-level members of to_json, in the document's order (std::map's: by bytes).
enum class Member { app_timestamp, code, detail, environment, errors, exception, fingerprint, host, message,
                    request, service, severity, status, tags, timestamp, trace_id };
constexpr std::array<std::pair<std::string_view, Member>, 16> kMembers{{
    {"app_timestamp", Member::app_timestamp}, {"code", Member::code}, {"detail", Member::detail},
    {"environment", Member::environment}, {"errors", Member::errors}, {"exception", Member::exception},
    {"fingerprint", Member::fingerprint}, {"host", Member::host}, {"message", Member::message},
    {"request", Member::request}, {"service", Member::service}, {"severity", Member::severity},
    {"status", Member::status}, {"tags", Member::tags}, {"timestamp", Member::timestamp},
    {"trace_id", Member::trace_id},
}};

bool has_request(const Request& r) {
  return !r.method.empty() || !r.path.empty() || !r.route.empty() || !r.query.empty() || !r.params.empty() ||
         !r.headers.empty() || !r.client_ip.empty();
}

bool has_exception(const ExceptionInfo& x) {
  return !x.type.empty() || !x.message.empty() || !x.stacktrace.empty();
}

/// Whether to_json writes member `m` of `e` (what its put_if calls decide).
bool present(const Event& e, Member m) {
  switch (m) {
    case Member::app_timestamp: return e.app_timestamp_ms.has_value();
    case Member::code: return !e.code.empty();
    case Member::detail: return !e.detail.empty();
    case Member::environment: return !e.environment.empty();
    case Member::errors: return !e.errors.empty();
    case Member::exception: return has_exception(e.exception);
    case Member::fingerprint: return !e.fingerprint.empty();
    case Member::host: return !e.host.empty();
    case Member::message: return !e.message.empty();
    case Member::request: return has_request(e.request);
    case Member::service: return !e.service.empty();
    case Member::severity: return true;
    case Member::status: return e.status != 0;
    case Member::tags: return !e.tags.empty();
    case Member::timestamp: return true;
    case Member::trace_id: return !e.trace_id.empty();
  }
  return false;
}

void write_if(JsonText& w, std::string_view name, const std::string& value) {
  if (!value.empty()) w.member(name, value);
}

void write_if(JsonText& w, std::string_view name, const json& value) {
  if (!value.empty()) w.member_json(name, value);
}

/// An unknown field of the event, as a member.
void unknown(JsonText& w, const std::pair<const std::string, json>& field) {
  w.any_key(field.first);
  w.json_value(field.second);
}

void write(JsonText& w, const Event& e, Member m) {
  switch (m) {
    case Member::app_timestamp: return w.member("app_timestamp", format_rfc3339(*e.app_timestamp_ms));
    case Member::code: return w.member("code", e.code);
    case Member::detail: return w.member("detail", e.detail);
    case Member::environment: return w.member("environment", e.environment);
    case Member::errors:
      w.key("errors");
      w.raw("[");
      for (std::size_t i = 0; i < e.errors.size(); ++i) {
        if (i > 0) w.raw(",");
        w.begin();
        w.member("field", e.errors[i].field);
        w.member("reason", e.errors[i].reason);
        w.member_json("value", e.errors[i].value);
        w.end();
      }
      w.raw("]");
      return;
    case Member::exception:
      w.key("exception");
      w.begin();
      write_if(w, "message", e.exception.message);
      write_if(w, "stacktrace", e.exception.stacktrace);
      write_if(w, "type", e.exception.type);
      return w.end();
    case Member::fingerprint:
      w.key("fingerprint");
      w.raw("[");
      for (std::size_t i = 0; i < e.fingerprint.size(); ++i) {
        if (i > 0) w.raw(",");
        w.string(e.fingerprint[i]);
      }
      w.raw("]");
      return;
    case Member::host: return w.member("host", e.host);
    case Member::message: return w.member("message", e.message);
    case Member::request: {
      const Request& r = e.request;
      w.key("request");
      w.begin();
      write_if(w, "client_ip", r.client_ip);
      write_if(w, "headers", r.headers);
      write_if(w, "method", r.method);
      write_if(w, "params", r.params);
      write_if(w, "path", r.path);
      write_if(w, "query", r.query);
      write_if(w, "route", r.route);
      return w.end();
    }
    case Member::service: return w.member("service", e.service);
    case Member::severity: return w.member("severity", to_string(e.severity));
    case Member::status:
      w.key("status");
      w.raw(std::to_string(e.status));
      return;
    case Member::tags: return w.member_json("tags", e.tags);
    case Member::timestamp: return w.member("timestamp", format_rfc3339(e.timestamp_ms));
    case Member::trace_id: return w.member("trace_id", e.trace_id);
  }
}

}  // namespace

std::string_view to_string(Severity s) {
  switch (s) {
    case Severity::debug: return "debug";
    case Severity::info: return "info";
    case Severity::warning: return "warning";
    case Severity::error: return "error";
    case Severity::critical: return "critical";
  }
  return "error";
}

std::optional<Severity> parse_severity(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, Severity>, 10> kNames{{
      {"debug", Severity::debug},     {"info", Severity::info},         {"warning", Severity::warning},
      {"warn", Severity::warning},    {"error", Severity::error},       {"err", Severity::error},
      {"critical", Severity::critical}, {"crit", Severity::critical},  {"fatal", Severity::critical},
      {"trace", Severity::debug},
  }};
  for (const auto& [text, severity] : kNames) {
    if (iequals(name, text)) return severity;
  }
  return std::nullopt;
}

json to_json(const Event& e, bool include_extra) {
  json j = json::object();
  put_if(j, "service", e.service);
  put_if(j, "environment", e.environment);
  put_if(j, "host", e.host);
  j["timestamp"] = format_rfc3339(e.timestamp_ms);
  if (e.app_timestamp_ms) j["app_timestamp"] = format_rfc3339(*e.app_timestamp_ms);
  j["severity"] = to_string(e.severity);
  put_if(j, "code", e.code);
  if (e.status != 0) j["status"] = e.status;
  put_if(j, "message", e.message);
  put_if(j, "detail", e.detail);
  put_if(j, "request", request_json(e.request));
  if (!e.errors.empty()) j["errors"] = errors_json(e.errors);
  put_if(j, "exception", exception_json(e.exception));
  put_if(j, "trace_id", e.trace_id);
  put_if(j, "tags", e.tags);
  if (!e.fingerprint.empty()) j["fingerprint"] = e.fingerprint;
  if (include_extra && e.extra.is_object()) {
    for (auto it = e.extra.begin(); it != e.extra.end(); ++it) {
      if (!j.contains(it.key())) j[it.key()] = it.value();
    }
  }
  return j;
}

std::string to_json_text(const Event& e, bool include_extra) {
  std::string out;
  out.reserve(512);
  JsonText w(out);
  // The unknown fields go in among the known ones, in the document's order; a known field
  // that is written wins over an unknown one of the same name.
  const json::object_t* extra = include_extra ? e.extra.get_ptr<const json::object_t*>() : nullptr;
  auto x = extra ? extra->begin() : json::object_t::const_iterator{};
  const auto x_end = extra ? extra->end() : json::object_t::const_iterator{};
  w.begin();
  for (const auto& [name, m] : kMembers) {
    for (; x != x_end && std::string_view(x->first) < name; ++x) unknown(w, *x);
    const bool written = present(e, m);
    if (x != x_end && x->first == name) {
      if (!written) unknown(w, *x);
      ++x;
    }
    if (written) write(w, e, m);
  }
  for (; x != x_end; ++x) unknown(w, *x);
  w.end();
  if (!w.valid()) return to_json(e, include_extra).dump(-1, ' ', false, json::error_handler_t::replace);
  return out;
}

std::optional<std::string_view> field_text(const Event& e, std::string_view path, std::string& scratch) {
  if (path.empty()) return std::nullopt;
  const std::size_t dot = path.find('.');
  const std::string_view head = path.substr(0, dot);
  const std::string_view rest = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
  if (head == "request" && !rest.empty()) return request_field(e.request, rest, scratch);
  if (head == "exception" && !rest.empty()) return exception_field(e.exception, rest);
  if (head == "tags") return lookup(e.tags, rest, scratch);
  if (head == "extra") return lookup(e.extra, rest, scratch);
  return top_level_field(e, path, scratch);
}

std::optional<std::string> field_value(const Event& e, std::string_view path) {
  std::string scratch;
  const auto text = field_text(e, path, scratch);
  return text ? std::optional<std::string>(*text) : std::nullopt;
}

}  // namespace erralert::core
