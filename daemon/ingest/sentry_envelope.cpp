// Sentry envelope framing: header line, then item header lines and payloads, as views.
#include "erralert/ingest/sentry_envelope.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

#include "erralert/core/text.hpp"

namespace erralert::ingest {
namespace {

namespace bj = boost::json;

/// Headers are small objects; nothing in them nests.
constexpr std::size_t kMaxHeaderDepth = 16;
constexpr std::size_t kArenaBytes = 2048;

/// One line of `body` from `at`: its text without "\n" or "\r\n", and where the next starts.
struct Line {
  std::string_view text;
  std::size_t next = 0;
};

Line line_at(std::string_view body, std::size_t at) {
  const std::size_t nl = body.find('\n', at);
  Line line{body.substr(at, nl == std::string_view::npos ? std::string_view::npos : nl - at),
            nl == std::string_view::npos ? body.size() : nl + 1};
  if (line.text.ends_with('\r')) line.text.remove_suffix(1);
  return line;
}

core::FieldError error(std::string field, std::string reason) { return {std::move(field), "", std::move(reason)}; }

std::string item_name(std::size_t index) { return "items[" + std::to_string(index) + "]"; }

/// A header line as a JSON object, or nullopt with `why` set.
std::optional<bj::object> parse_header(std::string_view text, std::size_t at, const EnvelopeLimits& limits,
                                       bj::monotonic_resource& arena, std::string& why) {
  if (text.size() > limits.max_header_bytes) {
    why = "the header line at byte " + std::to_string(at) + " is longer than " +
          std::to_string(limits.max_header_bytes) + " bytes";
    return std::nullopt;
  }
  bj::parse_options options;
  options.max_depth = kMaxHeaderDepth;
  bj::error_code ec;
  bj::value v = bj::parse(bj::string_view(text.data(), text.size()), ec, &arena, options);
  if (ec || !v.is_object()) {
    why = "the header line at byte " + std::to_string(at) + " is not a JSON object" +
          (ec ? " (" + ec.message() + ")" : "");
    return std::nullopt;
  }
  return std::move(v.get_object());
}

std::string string_member(const bj::object& obj, std::string_view key) {
  const bj::value* v = obj.if_contains(bj::string_view(key.data(), key.size()));
  if (!v || !v->is_string()) return {};
  return std::string(v->get_string().data(), v->get_string().size());
}

/// The item header's `length`: nullopt when absent or null; -1 when it is not a byte count.
std::optional<std::int64_t> length_member(const bj::object& obj) {
  const bj::value* v = obj.if_contains("length");
  if (!v || v->is_null()) return std::nullopt;
  if (v->is_int64() && v->get_int64() >= 0) return v->get_int64();
  return -1;
}

}  // namespace

core::Result<Envelope> parse_envelope(std::string_view body, const EnvelopeLimits& limits) {
  if (core::trim(body).empty()) return error("envelope header", "the body is empty");
  Envelope env;
  std::string why;
  const Line head = line_at(body, 0);
  {
    unsigned char buffer[kArenaBytes];
    bj::monotonic_resource arena(buffer, sizeof buffer);
    const auto header = parse_header(head.text, 0, limits, arena, why);
    if (!header) return error("envelope header", why);
    env.event_id = string_member(*header, "event_id");
    env.dsn = string_member(*header, "dsn");
  }
  std::size_t at = head.next;
  while (at < body.size()) {
    const Line line = line_at(body, at);
    if (core::trim(line.text).empty()) {  // blank lines between items
      at = line.next;
      continue;
    }
    const std::size_t index = env.items.size();
    if (index >= limits.max_items) {
      return error(item_name(index), "more than " + std::to_string(limits.max_items) + " items");
    }
    EnvelopeItem item;
    item.offset = at;
    std::optional<std::int64_t> length;
    {
      unsigned char buffer[kArenaBytes];
      bj::monotonic_resource arena(buffer, sizeof buffer);
      const auto header = parse_header(line.text, at, limits, arena, why);
      if (!header) return error(item_name(index), why);
      item.type = string_member(*header, "type");
      if (item.type.empty()) {
        return error(item_name(index), "the item header at byte " + std::to_string(at) + " has no \"type\"");
      }
      length = length_member(*header);
      if (length && *length < 0) {
        return error(item_name(index), "the " + item.type + " item's \"length\" is not a whole number of bytes");
      }
    }
    at = line.next;
    if (length) {
      const auto n = static_cast<std::uint64_t>(*length);
      if (n > body.size() - at) {
        return error(item_name(index), "the " + item.type + " item's length is " + std::to_string(n) +
                                           " bytes, but the body ends " + std::to_string(body.size() - at) +
                                           " bytes after its header (truncated)");
      }
      item.payload = body.substr(at, n);
      at += n;
      if (body.substr(at).starts_with("\r\n")) {
        at += 2;
      } else if (body.substr(at).starts_with("\n")) {
        at += 1;
      } else if (at < body.size()) {
        return error(item_name(index), "the " + item.type + " item's " + std::to_string(n) +
                                           " bytes of payload are not followed by a newline (a wrong length?)");
      }
    } else {
      const Line payload = line_at(body, at);
      item.payload = payload.text;
      at = payload.next;
    }
    env.items.push_back(std::move(item));
  }
  return env;
}

}  // namespace erralert::ingest
