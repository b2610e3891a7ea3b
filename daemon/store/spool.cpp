// Spool records: JSON text per waiting notification; the file spool of earlier releases.
#include "erralert/store/spool.hpp"

#include <fcntl.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <type_traits>
#include <utility>

#include "erralert/core/notification_json.hpp"
#include "files.hpp"

namespace erralert::store {

namespace fs = std::filesystem;

namespace {

/// Reads `key` of `j` into `out` when present: false when it is there but not `Value`.
template <class Value>
bool read_field(const nlohmann::json& j, const char* key, Value& out) {
  const auto it = j.find(key);
  if (it == j.end()) return true;  // absent: the default stands
  if constexpr (std::is_same_v<Value, std::string>) {
    if (!it->is_string()) return false;
    out = it->get<std::string>();
    return true;
  } else if (it->is_number_unsigned()) {
    const auto v = it->get<std::uint64_t>();
    if (!std::in_range<Value>(v)) return false;
    out = static_cast<Value>(v);
    return true;
  } else if (it->is_number_integer()) {
    const auto v = it->get<std::int64_t>();
    if (!std::in_range<Value>(v)) return false;
    out = static_cast<Value>(v);
    return true;
  }
  return false;  // a float, a string, ... where an integer belongs
}

}  // namespace

std::string encode_spool_item(const core::Outbox::Item& item) {
  nlohmann::json j = {{"kind", item.kind()},
                      {"count", item.count()},
                      {"created_ms", item.attempt.created_ms},
                      {"attempts", item.attempt.failures},
                      {"next_attempt_ms", item.attempt.next_attempt_ms}};
  if (item.notification) {
    j["route"] = item.notification->route;
    j["notification"] = core::notification_to_json(*item.notification);
  } else {
    j["route"] = item.rendered_route;
    j["body"] = item.rendered;
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<core::Outbox::Item> decode_spool_item(std::string_view text) {
  const auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (!j.is_object()) return std::nullopt;  // a parse error is "discarded", not an object
  core::Outbox::Item item;
  item.rendered_kind = "first";
  item.rendered_count = 1;
  if (!read_field(j, "kind", item.rendered_kind) || !read_field(j, "route", item.rendered_route) ||
      !read_field(j, "count", item.rendered_count) || !read_field(j, "created_ms", item.attempt.created_ms) ||
      !read_field(j, "attempts", item.attempt.failures) ||
      !read_field(j, "next_attempt_ms", item.attempt.next_attempt_ms)) {
    return std::nullopt;
  }
  const auto notification = j.find("notification");
  const auto body = j.find("body");
  if (notification != j.end()) {
    item.notification = core::notification_from_json(*notification);
    if (!item.notification) return std::nullopt;
    item.rendered_kind.clear();
    item.rendered_route.clear();
    item.rendered_count = 0;
  } else if (body != j.end() && body->is_string()) {
    item.rendered = body->get<std::string>();
  } else {
    return std::nullopt;
  }
  return item;
}

LegacySpool read_legacy_spool(const std::string& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& f : fs::directory_iterator(dir, ec)) {
    if (f.is_regular_file(ec) && f.path().extension() == ".json") files.push_back(f.path());
  }
  // Names are "<created_ms>-<seq>.json" with fixed widths, so name order is age order.
  std::sort(files.begin(), files.end());
  LegacySpool out;
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    const std::string text{std::istreambuf_iterator<char>(in), {}};
    if (auto item = decode_spool_item(text)) {
      out.items.push_back(std::move(*item));
    } else {
      out.unreadable.push_back(path.filename().string());
    }
  }
  return out;
}

bool append_dead_letter(const std::string& storage_dir, const nlohmann::json& record, std::string* error) {
  const std::string line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  return write_all(storage_dir + "/dead-letter.jsonl", line, O_WRONLY | O_CREAT | O_APPEND, false, error);
}

}  // namespace erralert::store
