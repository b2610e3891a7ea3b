// Sentry event → erralert event. The Sentry payload is parsed by Boost.JSON (depth-bounded),
// the fields erralert has a place for are taken into a contract-shaped nlohmann document, and
// core::parse_event validates that as it validates every event.
//
// Field sources: develop.sentry.dev/sdk/data-model/event-payloads/ and what sentry-python 1.9
// and @sentry/node 11 put there.
#include "erralert/ingest/sentry_event.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <nlohmann/json.hpp>

#include "erralert/core/fingerprint.hpp"
#include "erralert/core/json_convert.hpp"
#include "erralert/core/text.hpp"
#include "erralert/core/timefmt.hpp"
#include "erralert/core/utf8.hpp"
#include "erralert/ingest/query.hpp"

namespace erralert::ingest {
namespace {

namespace bj = boost::json;
using json = nlohmann::json;

using core::kMaxDetailBytes;
using core::kMaxFingerprintItems;
using core::kMaxMessageBytes;
using core::kMaxStacktraceBytes;

constexpr std::size_t kMaxDepth = core::kMaxEventDepth;
/// The innermost frames kept as the stack trace.
constexpr std::size_t kMaxFrames = 50;
constexpr std::size_t kMaxBodyTextBytes = 4 * 1024;  ///< a request body kept as text
constexpr std::int64_t kMaxEpochSeconds = 253'402'300'799;  // 9999-12-31T23:59:59Z
constexpr std::size_t kArenaBytes = 16 * 1024;

// ---------------------------------------------------------------------------------------------
// Reading the Sentry document

std::string_view view(const bj::string& s) { return {s.data(), s.size()}; }

const bj::value* member(const bj::value* v, std::string_view key) {
  if (!v || !v->is_object()) return nullptr;
  return v->get_object().if_contains(bj::string_view(key.data(), key.size()));
}

const bj::value* member(const bj::value* v, std::initializer_list<std::string_view> path) {
  for (std::string_view key : path) v = member(v, key);
  return v;
}

/// A string member's text; "" for anything else.
std::string string_of(const bj::value* v) { return v && v->is_string() ? std::string(view(v->get_string())) : ""; }

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

/// Text of a scalar (strings as they are, numbers and booleans as JSON); nullopt for null,
/// objects and arrays.
std::optional<std::string> scalar_text(const bj::value* v) {
  if (!v || v->is_null() || v->is_object() || v->is_array()) return std::nullopt;
  if (v->is_string()) return std::string(view(v->get_string()));
  return dump(core::to_nlohmann(*v));
}

/// Text of any value: scalars as scalar_text(), objects and arrays as compact JSON.
std::string any_text(const bj::value& v) {
  if (auto s = scalar_text(&v)) return *s;
  return dump(core::to_nlohmann(v));
}

std::optional<std::int64_t> integer_of(const bj::value* v) {
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_double() && std::isfinite(v->get_double()) && std::abs(v->get_double()) < 1e15) {
    return static_cast<std::int64_t>(v->get_double());
  }
  return std::nullopt;
}

/// A list that Sentry writes as {"values": [...]} or as the bare array.
const bj::array* values_of(const bj::value* v) {
  if (v && v->is_object()) v = member(v, "values");
  return v && v->is_array() ? &v->get_array() : nullptr;
}

/// `{k: v}` or `[[k, v], ...]` (Relay's normalised form) as name/value pairs of text.
std::vector<std::pair<std::string, std::string>> pairs_of(const bj::value* v) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!v) return out;
  if (v->is_object()) {
    for (const auto& m : v->get_object()) {
      if (m.value().is_null()) continue;
      out.emplace_back(std::string(view(m.key())), any_text(m.value()));
    }
  } else if (v->is_array()) {
    for (const auto& item : v->get_array()) {
      if (!item.is_array() || item.get_array().size() != 2 || !item.get_array()[0].is_string()) continue;
      if (item.get_array()[1].is_null()) continue;
      out.emplace_back(std::string(view(item.get_array()[0].get_string())), any_text(item.get_array()[1]));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Timestamps, levels, messages

/// Sentry's `timestamp`: epoch seconds (a float) or RFC 3339; a time without a zone is UTC, as
/// Relay reads it. nullopt when it does not read (the event is then dated at receipt).
std::optional<std::int64_t> timestamp_ms(const bj::value* v) {
  if (!v) return std::nullopt;
  double seconds = NAN;
  if (v->is_int64()) seconds = static_cast<double>(v->get_int64());
  if (v->is_double()) seconds = v->get_double();
  if (v->is_string()) {
    const std::string s(view(v->get_string()));
    if (auto ms = core::parse_timestamp(s)) return ms;
    if (auto ms = core::parse_timestamp(s + "Z")) return ms;
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size()) seconds = d;
  }
  if (!std::isfinite(seconds) || seconds < 0 || seconds > static_cast<double>(kMaxEpochSeconds)) return std::nullopt;
  return static_cast<std::int64_t>(std::floor(seconds * 1000.0));
}

/// Sentry's levels (fatal, error, warning, info, debug; "log" and "warn" from older SDKs).
std::string severity_of(std::string_view level) {
  if (core::iequals(level, "log")) return "info";
  if (auto s = core::parse_severity(level)) return std::string(core::to_string(*s));
  return "error";
}

bool is_conversion(char c) { return std::string_view("sdifFeEgGxXorcaub").find(c) != std::string_view::npos; }

/// A logentry's `message` with its `params` put in: printf-style %s (%d, %r, ...) taking the
/// positional params in turn, %(name)s the named ones, %% a percent sign. Placeholders without
/// a param stay as written.
std::string format_message(std::string_view tmpl, const bj::value* params) {
  const bool positional = params && params->is_array() && !params->get_array().empty();
  const bool named = params && params->is_object() && !params->get_object().empty();
  if (!positional && !named) return std::string(tmpl);
  std::string out;
  std::size_t next = 0;
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '%' || i + 1 >= tmpl.size()) {
      out += tmpl[i];
      continue;
    }
    if (tmpl[i + 1] == '%') {
      out += '%';
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    const bj::value* param = nullptr;
    if (tmpl[j] == '(' && named) {
      const std::size_t close = tmpl.find(')', j);
      if (close == std::string_view::npos) {
        out += tmpl[i];
        continue;
      }
      const std::string_view name = tmpl.substr(j + 1, close - j - 1);
      param = params->get_object().if_contains(bj::string_view(name.data(), name.size()));
      j = close + 1;
    } else if (positional && next < params->get_array().size()) {
      param = &params->get_array()[next];
    }
    while (j < tmpl.size() && std::string_view("-+ #0123456789.").find(tmpl[j]) != std::string_view::npos) ++j;
    if (!param || j >= tmpl.size() || !is_conversion(tmpl[j])) {
      out += tmpl[i];
      continue;
    }
    if (tmpl[i + 1] != '(') ++next;
    out += any_text(*param);
    i = j;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Exceptions and stack traces

const bj::array* frames_of(const bj::value* stacktrace) {
  const bj::value* frames = member(stacktrace, "frames");
  return frames && frames->is_array() ? &frames->get_array() : nullptr;
}

/// The frames of the error: the last exception's, else the event's own `stacktrace`, else the
/// crashed (or current) thread's.
const bj::array* error_frames(const bj::value& ev, const bj::object* last) {
  if (last) {
    if (const bj::array* f = frames_of(last->if_contains("stacktrace"))) return f;
  }
  if (const bj::array* f = frames_of(member(&ev, "stacktrace"))) return f;
  const bj::array* threads = values_of(member(&ev, "threads"));
  if (!threads) return nullptr;
  for (std::string_view flag : {"crashed", "current"}) {
    for (const auto& t : *threads) {
      const bj::value* set = member(&t, flag);
      if (set && set->is_bool() && set->get_bool()) {
        if (const bj::array* f = frames_of(member(&t, "stacktrace"))) return f;
      }
    }
  }
  return nullptr;
}

/// Paths of installed packages, never the app's own code: sentry-python 1.9 takes Debian's
/// dist-packages for the app's (it knows only site-packages), and Sentry's server applies
/// rules of this kind before it shows a stack.
bool in_package(const bj::object& frame) {
  for (std::string_view key : {"abs_path", "filename"}) {
    const std::string path = string_of(frame.if_contains(bj::string_view(key.data(), key.size())));
    for (std::string_view dir : {"/site-packages/", "/dist-packages/", "/node_modules/"}) {
      if (path.find(dir) != std::string::npos || path.starts_with(dir.substr(1))) return true;
    }
    if (path.starts_with("node:")) return true;  // Node.js's own modules
  }
  return false;
}

/// A frame of the app's own code: the SDK says in_app, and it is not in an installed package.
bool in_app(const bj::object& frame) {
  const bj::value* v = frame.if_contains("in_app");
  return v && v->is_bool() && v->get_bool() && !in_package(frame);
}

/// The frames the stack trace shows, innermost first: the in-app ones when any frame is, else
/// all of them. Sentry lists frames caller first.
std::vector<const bj::object*> shown_frames(const bj::array* frames) {
  std::vector<const bj::object*> out;
  if (!frames) return out;
  const bool any_in_app = std::any_of(frames->begin(), frames->end(),
                                      [](const bj::value& f) { return f.is_object() && in_app(f.get_object()); });
  for (auto it = frames->rbegin(); it != frames->rend() && out.size() < kMaxFrames; ++it) {
    if (!it->is_object() || (any_in_app && !in_app(it->get_object()))) continue;
    out.push_back(&it->get_object());
  }
  return out;
}

/// "at divide (app/views.py:12)", "at com.example.Orders.place (Orders.java:42)",
/// "at handler (/srv/app/main.js:10:5)".
std::string frame_line(const bj::object& f, bool qualify_function) {
  std::string function = string_of(f.if_contains("function"));
  const std::string module = string_of(f.if_contains("module"));
  if (qualify_function && !module.empty() && !function.empty()) function = module + "." + function;
  std::string where = string_of(f.if_contains("filename"));
  if (where.empty()) where = string_of(f.if_contains("abs_path"));
  if (where.empty()) where = module;
  if (auto line = integer_of(f.if_contains("lineno")); line && !where.empty()) {
    where += ":" + std::to_string(*line);
    if (auto col = integer_of(f.if_contains("colno"))) where += ":" + std::to_string(*col);
  }
  if (function.empty()) return "at " + (where.empty() ? std::string("?") : where);
  return "at " + function + (where.empty() ? "" : " (" + where + ")");
}

/// The exception type as erralert shows it: qualified by its module ("myapp.errors.PaymentError",
/// "java.lang.IllegalStateException"), except Python's builtins, as Python's own traceback does.
std::string qualified_type(const bj::object& x) {
  const std::string type = string_of(x.if_contains("type"));
  const std::string module = string_of(x.if_contains("module"));
  if (type.empty() || module.empty() || module == "builtins" || module == "__builtin__" || module == "exceptions" ||
      type.find('.') != std::string::npos) {
    return type;
  }
  return module + "." + type;
}

/// "ValueError: bad input"; the type alone without a value, the value alone without a type.
std::string type_and_value(const bj::object& x) {
  const std::string type = string_of(x.if_contains("type"));
  const std::string value = string_of(x.if_contains("value"));
  if (type.empty()) return value;
  if (value.empty()) return type;
  return type + ": " + value;
}

// ---------------------------------------------------------------------------------------------
// Request

/// Adds name=value to `params`; a name seen before becomes a list of its values.
void add_param(json& params, const std::string& name, json value) {
  if (!params.contains(name)) {
    params[name] = std::move(value);
    return;
  }
  json& slot = params[name];
  if (!slot.is_array()) slot = json::array({slot});
  slot.push_back(std::move(value));
}

/// A request body as Sentry sends it: an object (form or JSON fields), or text, which is read
/// as JSON or as a form when it is one, and otherwise kept (shortened) as params.data.
void add_body(json& params, const bj::value& data) {
  if (data.is_object()) {
    for (const auto& m : data.get_object()) params[std::string(view(m.key()))] = core::to_nlohmann(m.value());
    return;
  }
  if (data.is_null()) return;
  if (!data.is_string()) {
    params["data"] = core::to_nlohmann(data);
    return;
  }
  const std::string_view text = core::trim(view(data.get_string()));
  if (text.empty()) return;
  if (text.front() == '{' || text.front() == '[') {
    bj::parse_options options;
    options.max_depth = kMaxDepth;
    bj::error_code ec;
    bj::value parsed = bj::parse(bj::string_view(text.data(), text.size()), ec, {}, options);
    if (!ec) return add_body(params, parsed.is_string() ? bj::value(nullptr) : parsed);
  }
  const bool form = text.find('=') != std::string_view::npos &&
                    text.find_first_of(" \t\r\n") == std::string_view::npos;
  if (form) {
    for (auto& [name, value] : parse_query(text)) add_param(params, name, std::move(value));
    return;
  }
  params["data"] = core::truncate_bytes(text, kMaxBodyTextBytes);
}

/// The path of a URL ("http://host/v1/x?y#z" -> "/v1/x"), and its query in `*query`.
std::string url_path(std::string_view url, std::string* query) {
  url = url.substr(0, url.find('#'));
  if (const std::size_t q = url.find('?'); q != std::string_view::npos) {
    *query = std::string(url.substr(q + 1));
    url = url.substr(0, q);
  }
  if (const std::size_t scheme = url.find("://"); scheme != std::string_view::npos) {
    const std::size_t slash = url.find('/', scheme + 3);
    return slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  }
  return url.starts_with('/') ? std::string(url) : std::string();
}

/// `query_string` as a raw query: a string (a leading '?' dropped), or pairs joined with '&'.
std::string query_of(const bj::value* q) {
  if (!q) return {};
  if (q->is_string()) {
    std::string_view s = view(q->get_string());
    if (s.starts_with('?')) s.remove_prefix(1);
    return std::string(s);
  }
  std::string out;
  for (const auto& [name, value] : pairs_of(q)) {
    if (!out.empty()) out += '&';
    out += name + "=" + value;
  }
  return out;
}

json map_request(const bj::value* req) {
  json r = json::object();
  if (!req || !req->is_object()) return r;
  std::string url_query;
  const std::string path = url_path(string_of(member(req, "url")), &url_query);
  if (!path.empty()) r["path"] = path;
  if (auto method = string_of(member(req, "method")); !method.empty()) r["method"] = method;
  std::string query = query_of(member(req, "query_string"));
  if (query.empty()) query = url_query;
  if (!query.empty()) r["query"] = query;
  json params = json::object();
  for (auto& [name, value] : parse_query(query)) add_param(params, name, std::move(value));
  if (const bj::value* data = member(req, "data")) add_body(params, *data);
  if (!params.empty()) r["params"] = std::move(params);
  json headers = json::object();
  for (auto& [name, value] : pairs_of(member(req, "headers"))) headers[name] = std::move(value);
  // Cookies are headers to erralert: redaction hides the Cookie header's value by its name.
  const bj::value* cookies = member(req, "cookies");
  std::string cookie_text = cookies && cookies->is_string() ? std::string(view(cookies->get_string())) : "";
  for (const auto& [name, value] : pairs_of(cookies)) {
    cookie_text += (cookie_text.empty() ? "" : "; ") + name + "=" + value;
  }
  bool has_cookie_header = false;
  for (auto it = headers.begin(); it != headers.end(); ++it) has_cookie_header |= core::iequals(it.key(), "cookie");
  if (!cookie_text.empty() && !has_cookie_header) headers["Cookie"] = cookie_text;
  if (!headers.empty()) r["headers"] = std::move(headers);
  if (auto ip = string_of(member(req, {"env", "REMOTE_ADDR"})); !ip.empty()) r["client_ip"] = ip;
  return r;
}

// ---------------------------------------------------------------------------------------------
// Fingerprint

/// "{{default}}", "{{ Default }}" -> "default": the variable a fingerprint part names, or "".
std::string variable_of(std::string_view part) {
  part = core::trim(part);
  if (!part.starts_with("{{") || !part.ends_with("}}") || part.size() < 4) return {};
  std::string name(core::trim(part.substr(2, part.size() - 4)));
  for (char& c : name) c = core::ascii_lower(c);
  return name;
}

/// What the fingerprint's variables stand for (Sentry's fingerprint variables); `{{ default }}`
/// stays as it is for core::fingerprint, where it means the route's group_by.
struct Variables {
  std::string type, value, transaction, level, logger, message, function, module;
  const json* tags = nullptr;

  std::optional<std::string> operator()(const std::string& name) const {
    if (name == "type" || name == "error.type") return type;
    if (name == "value" || name == "error.value") return value;
    if (name == "transaction") return transaction;
    if (name == "level") return level;
    if (name == "logger") return logger;
    if (name == "message") return message;
    if (name == "function" || name == "stack.function") return function;
    if (name == "module" || name == "stack.module") return module;
    if (name.starts_with("tags.") && tags && tags->is_object()) {
      const auto it = tags->find(name.substr(5));
      return it == tags->end() ? std::string() : it->get<std::string>();
    }
    return std::nullopt;
  }
};

json map_fingerprint(const bj::value* fp, const Variables& vars) {
  json out = json::array();
  if (!fp || !fp->is_array()) return out;
  for (const auto& item : fp->get_array()) {
    if (out.size() >= kMaxFingerprintItems) break;
    auto text = scalar_text(&item);
    if (!text) continue;
    const std::string var = variable_of(*text);
    if (core::is_default_part(*text)) {
      out.push_back(*text);  // core::fingerprint puts the route's group_by values there
    } else if (auto value = var.empty() ? std::nullopt : vars(var)) {
      out.push_back(*value);
    } else {
      out.push_back(*text);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The event

struct Mapped {
  json event;
  std::string event_id;
};

Mapped map_event(const bj::value& ev) {
  Mapped m;
  json& e = m.event;
  json sentry = json::object();
  m.event_id = normalize_event_id(string_of(member(&ev, "event_id")));
  if (!m.event_id.empty()) sentry["event_id"] = m.event_id;

  json tags = json::object();
  for (auto& [name, value] : pairs_of(member(&ev, "tags"))) tags[name] = std::move(value);
  const std::string release = string_of(member(&ev, "release"));
  if (!release.empty() && !tags.contains("release")) tags["release"] = release;
  if (auto it = tags.find("service"); it != tags.end() && !it->get<std::string>().empty()) e["service"] = *it;

  if (auto env = string_of(member(&ev, "environment")); !env.empty()) e["environment"] = env;
  if (auto host = string_of(member(&ev, "server_name")); !host.empty()) e["host"] = host;
  if (auto ms = timestamp_ms(member(&ev, "timestamp"))) e["timestamp"] = *ms;
  const std::string level = string_of(member(&ev, "level"));
  e["severity"] = severity_of(level);
  if (auto status = integer_of(member(&ev, {"contexts", "response", "status_code"}));
      status && *status >= 100 && *status <= 599) {
    e["status"] = *status;
  }

  // The log message: logentry (or the older `message` object or string), params put in.
  const bj::value* logentry = member(&ev, "logentry");
  if (!logentry || !logentry->is_object()) logentry = member(&ev, "message");
  std::string log_message, log_template;
  if (logentry && logentry->is_string()) {
    log_message = string_of(logentry);
  } else if (logentry && logentry->is_object()) {
    log_template = string_of(member(logentry, "message"));
    log_message = string_of(member(logentry, "formatted"));
    if (log_message.empty()) log_message = format_message(log_template, member(logentry, "params"));
  }

  // The error: the last exception is the one raised; those before it are its causes.
  std::vector<const bj::object*> exceptions;
  if (const bj::array* values = values_of(member(&ev, "exception"))) {
    for (const auto& x : *values) {
      if (x.is_object()) exceptions.push_back(&x.get_object());
    }
  }
  const bj::object* last = exceptions.empty() ? nullptr : exceptions.back();
  const std::string platform = string_of(member(&ev, "platform"));
  const auto frames = shown_frames(error_frames(ev, last));
  std::string stack;
  for (const bj::object* f : frames) {
    if (!stack.empty()) stack += '\n';
    stack += frame_line(*f, platform == "java");
  }
  json exception = json::object();
  std::string message;
  std::vector<std::string> detail;
  if (last) {
    if (auto type = qualified_type(*last); !type.empty()) exception["type"] = type;
    if (auto value = string_of(last->if_contains("value")); !value.empty()) {
      exception["message"] = core::truncate_bytes(value, kMaxMessageBytes);
    }
    message = type_and_value(*last);
    if (message.empty()) message = log_message;  // an exception that says nothing
    if (!log_message.empty() && log_message != message) detail.push_back(log_message);
    for (auto it = exceptions.rbegin() + 1; it != exceptions.rend(); ++it) {
      detail.push_back("caused by " + type_and_value(**it));
    }
    if (const bj::value* mech = last->if_contains("mechanism")) {
      if (auto type = string_of(member(mech, "type")); !type.empty()) sentry["mechanism"] = type;
      if (const bj::value* handled = member(mech, "handled"); handled && handled->is_bool()) {
        sentry["handled"] = handled->get_bool();
      }
    }
  } else {
    message = log_message;
  }
  if (message.empty()) message = string_of(member(&ev, "transaction"));
  if (message.empty()) message = "Sentry event without a message";
  e["message"] = core::truncate_bytes(message, kMaxMessageBytes);
  if (!detail.empty()) {
    std::string text;
    for (const auto& line : detail) text += (text.empty() ? "" : "\n") + line;
    e["detail"] = core::truncate_bytes(text, kMaxDetailBytes);
  }
  if (!stack.empty()) exception["stacktrace"] = core::truncate_bytes(stack, kMaxStacktraceBytes);
  if (!exception.empty()) e["exception"] = std::move(exception);

  if (json request = map_request(member(&ev, "request")); !request.empty()) e["request"] = std::move(request);
  if (auto trace = string_of(member(&ev, {"contexts", "trace", "trace_id"})); !trace.empty()) e["trace_id"] = trace;

  Variables vars;
  vars.type = last ? string_of(last->if_contains("type")) : "";
  vars.value = last ? string_of(last->if_contains("value")) : "";
  vars.transaction = string_of(member(&ev, "transaction"));
  vars.level = level;
  vars.logger = string_of(member(&ev, "logger"));
  vars.message = log_template.empty() ? log_message : log_template;
  vars.function = frames.empty() ? "" : string_of(frames.front()->if_contains("function"));
  vars.module = frames.empty() ? "" : string_of(frames.front()->if_contains("module"));
  vars.tags = &tags;
  if (json fp = map_fingerprint(member(&ev, "fingerprint"), vars); !fp.empty()) e["fingerprint"] = std::move(fp);
  if (!tags.empty()) e["tags"] = std::move(tags);

  // What has no field of its own in erralert's event: kept under `sentry` (shown nowhere;
  // routes and group_by reach it as sentry.transaction, sentry.release, ...).
  for (std::string_view key : {"platform", "logger", "transaction", "release", "dist"}) {
    if (auto text = string_of(member(&ev, key)); !text.empty()) sentry[std::string(key)] = text;
  }
  if (!level.empty()) sentry["level"] = level;
  if (!log_template.empty()) sentry["message_template"] = log_template;
  if (auto name = string_of(member(&ev, {"sdk", "name"})); !name.empty()) {
    const std::string version = string_of(member(&ev, {"sdk", "version"}));
    sentry["sdk"] = version.empty() ? name : name + "/" + version;
  }
  if (const bj::value* extra = member(&ev, "extra"); extra && extra->is_object() && !extra->get_object().empty()) {
    sentry["extra"] = core::to_nlohmann(*extra);
  }
  e["sentry"] = std::move(sentry);
  return m;
}

std::size_t size_of(const json& e) { return dump(e).size(); }

/// Sheds the optional parts, least useful to an alert first, until the event fits in
/// `max_bytes`; each shed part is named in sentry.dropped. False when even the rest is over.
bool fit(json& e, std::size_t max_bytes) {
  if (size_of(e) <= max_bytes) return true;
  json& sentry = e["sentry"];
  json dropped = json::array();
  const auto shed = [&](json& parent, const char* key, const char* name) {
    if (!parent.is_object() || !parent.contains(key)) return false;
    parent.erase(key);
    dropped.push_back(name);
    sentry["dropped"] = dropped;
    return size_of(e) <= max_bytes;
  };
  json none = nullptr;
  json& request = e.contains("request") ? e["request"] : none;
  if (shed(sentry, "extra", "sentry.extra") || shed(request, "params", "request.params") ||
      shed(request, "headers", "request.headers") || shed(e, "tags", "tags") || shed(e, "detail", "detail")) {
    return true;
  }
  if (e.contains("exception") && shed(e["exception"], "stacktrace", "exception.stacktrace")) return true;
  e.erase("sentry");
  return size_of(e) <= max_bytes;
}

/// Takes `field` ("request.method", "fingerprint[3]", "service") out of `e`.
void remove_field(json& e, std::string_view field) {
  field = field.substr(0, field.find('['));
  json* parent = &e;
  while (true) {
    const std::size_t dot = field.find('.');
    const std::string key(field.substr(0, dot));
    if (!parent->is_object() || !parent->contains(key)) return;
    if (dot == std::string_view::npos) {
      parent->erase(key);
      return;
    }
    parent = &(*parent)[key];
    field.remove_prefix(dot + 1);
  }
}

}  // namespace

std::string normalize_event_id(std::string_view id) {
  std::string out;
  for (char c : id) {
    if (c == '-') continue;
    const char lower = core::ascii_lower(c);
    if (!core::is_digit(lower) && (lower < 'a' || lower > 'f')) return {};
    out += lower;
  }
  return out.size() == 32 ? out : std::string();
}

SentryEvent read_sentry_event(std::string_view payload, const core::ParseContext& ctx) {
  SentryEvent out;
  if (payload.size() > kMaxSentryEventBytes) {
    out.too_large = true;
    out.errors.push_back({"", "", "the event item is " + std::to_string(payload.size()) + " bytes, over Sentry's limit of " +
                                      std::to_string(kMaxSentryEventBytes)});
    return out;
  }
  std::string repaired;
  if (!core::is_valid_utf8(payload)) {
    repaired = core::repair_utf8(payload);
    payload = repaired;
  }
  json e;
  {
    unsigned char buffer[kArenaBytes];
    bj::monotonic_resource arena(buffer, sizeof buffer);
    bj::parse_options options;
    options.max_depth = kMaxDepth;
    bj::error_code ec;
    const bj::value ev = bj::parse(bj::string_view(payload.data(), payload.size()), ec, &arena, options);
    if (ec || !ev.is_object()) {
      out.errors.push_back({"", "", ec ? "the event is not JSON: " + ec.message() : "the event is not a JSON object"});
      return out;
    }
    Mapped m = map_event(ev);
    e = std::move(m.event);
    out.event_id = std::move(m.event_id);
  }
  if (!fit(e, ctx.max_event_bytes)) {
    out.too_large = true;
    out.errors.push_back({"", "", "the event is over limits.max_event_bytes (" + std::to_string(ctx.max_event_bytes) +
                                      ") even without its optional parts"});
    return out;
  }
  // A field the contract refuses is dropped, and the event tried once more without it.
  auto r = core::parse_event(e, ctx);
  if (!r) {
    json invalid = json::array();
    for (const auto& err : r.errors()) {
      if (err.field.empty()) continue;
      remove_field(e, err.field);
      invalid.push_back(err.field + ": " + err.reason);
    }
    if (!invalid.empty()) {
      if (e.contains("sentry")) e["sentry"]["invalid"] = invalid;
      r = core::parse_event(e, ctx);
    }
  }
  if (!r) {
    out.errors = r.errors();
    return out;
  }
  out.event = std::move(r).value();
  return out;
}

}  // namespace erralert::ingest
