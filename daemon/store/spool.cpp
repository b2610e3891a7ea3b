// Spool: one JSON file per notification, written to a temp name and renamed into place.
#include "erralert/store/spool.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <type_traits>
#include <utility>

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

/// The sequence number in a spool file name ("<created_ms>-<seq>.json"); 0 when there is none.
std::uint64_t sequence_of(std::string_view id) {
  const auto dash = id.rfind('-');
  const auto dot = id.rfind('.');
  if (dash == std::string_view::npos || dot == std::string_view::npos || dot < dash) return 0;
  std::uint64_t seq = 0;
  std::from_chars(id.data() + dash + 1, id.data() + dot, seq);
  return seq;
}

/// A notification's file in a spool directory (not a *.tmp cut short or a *.bad set aside).
bool is_entry_file(const fs::directory_entry& f) {
  std::error_code ec;
  return f.is_regular_file(ec) && f.path().extension() == ".json";
}

}  // namespace

std::string encode_spool_entry(const SpoolEntry& e) {
  nlohmann::json j = {{"kind", e.kind},
                      {"route", e.route},
                      {"count", e.count},
                      {"created_ms", e.created_ms},
                      {"attempts", e.attempts},
                      {"next_attempt_ms", e.next_attempt_ms}};
  if (e.notification.is_null()) {
    j["body"] = e.body;
  } else {
    j["notification"] = e.notification;
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<SpoolEntry> decode_spool_entry(std::string_view text, std::string id) {
  const auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (!j.is_object()) return std::nullopt;  // a parse error is "discarded", not an object
  const auto notification = j.find("notification");
  const auto body = j.find("body");
  SpoolEntry e;
  if (notification != j.end()) {
    if (!notification->is_object()) return std::nullopt;
    e.notification = *notification;
  } else if (body != j.end() && body->is_string()) {
    e.body = body->get<std::string>();
  } else {
    return std::nullopt;
  }
  e.id = std::move(id);
  e.kind = "first";
  e.count = 1;
  if (!read_field(j, "kind", e.kind) || !read_field(j, "route", e.route) || !read_field(j, "count", e.count) ||
      !read_field(j, "created_ms", e.created_ms) || !read_field(j, "attempts", e.attempts) ||
      !read_field(j, "next_attempt_ms", e.next_attempt_ms)) {
    return std::nullopt;
  }
  e.persisted = true;
  return e;
}

std::string spool_dir_for(const std::string& storage_dir, const std::string& receiver_name) {
  std::string safe;
  for (char c : receiver_name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    safe += ok ? c : '_';
  }
  if (safe.empty() || safe == "." || safe == "..") safe = "_" + safe;
  return (fs::path(storage_dir) / "spool" / safe).string();
}

std::vector<UnclaimedSpool> unclaimed_spools(const std::string& storage_dir, const std::vector<std::string>& claimed) {
  std::vector<UnclaimedSpool> out;
  std::error_code ec;
  for (const auto& d : fs::directory_iterator(fs::path(storage_dir) / "spool", ec)) {
    if (!d.is_directory(ec) || std::find(claimed.begin(), claimed.end(), d.path().string()) != claimed.end()) continue;
    UnclaimedSpool u{d.path().string(), 0};
    for (const auto& f : fs::directory_iterator(d.path(), ec)) {
      u.notifications += is_entry_file(f) ? 1 : 0;
    }
    if (u.notifications > 0) out.push_back(std::move(u));
  }
  std::sort(out.begin(), out.end(), [](const UnclaimedSpool& a, const UnclaimedSpool& b) { return a.dir < b.dir; });
  return out;
}

Spool::Spool(std::string dir) : dir_(std::move(dir)) { fs::create_directories(dir_); }

std::vector<SpoolEntry> Spool::load(std::vector<std::string>* set_aside) {
  std::vector<SpoolEntry> out;
  std::error_code ec;
  for (const auto& f : fs::directory_iterator(dir_, ec)) {
    if (!is_entry_file(f)) continue;
    std::ifstream in(f.path(), std::ios::binary);
    const std::string text{std::istreambuf_iterator<char>(in), {}};
    auto entry = decode_spool_entry(text, f.path().filename().string());
    if (!entry) {
      fs::rename(f.path(), fs::path(f.path()).concat(".bad"), ec);
      if (set_aside) set_aside->push_back(f.path().filename().string());
      continue;
    }
    // Go on after the highest sequence on disk, so a new entry created in the same
    // millisecond as a loaded one (a clock set back) never takes its name.
    seq_ = std::max(seq_, sequence_of(entry->id));
    out.push_back(std::move(*entry));
  }
  // Names are "<created_ms>-<seq>.json" with fixed widths, so name order is age order.
  std::sort(out.begin(), out.end(), [](const SpoolEntry& a, const SpoolEntry& b) { return a.id < b.id; });
  size_ = out.size();
  return out;
}

bool Spool::write(const SpoolEntry& e, std::string* error) {
  return replace_file(dir_ + "/" + e.id, encode_spool_entry(e), Durability::renamed, error);
}

SpoolEntry Spool::add(SpoolEntry e, std::string* error) {
  char name[64];
  std::snprintf(name, sizeof name, "%015lld-%09llu.json", static_cast<long long>(e.created_ms),
                static_cast<unsigned long long>(++seq_ % 1000000000ULL));
  e.id = name;
  e.persisted = write(e, error);
  if (e.persisted) ++size_;
  return e;
}

void Spool::update(const SpoolEntry& e) {
  if (e.persisted) write(e, nullptr);
}

void Spool::set_aside(const SpoolEntry& e) {
  if (!e.persisted) return;
  const std::string path = dir_ + "/" + e.id;
  if (::rename(path.c_str(), (path + ".bad").c_str()) == 0 && size_ > 0) --size_;
}

void Spool::remove(const SpoolEntry& e) {
  if (!e.persisted) return;
  if (::unlink((dir_ + "/" + e.id).c_str()) == 0 && size_ > 0) --size_;
}

bool append_dead_letter(const std::string& storage_dir, const nlohmann::json& record, std::string* error) {
  const std::string line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  return write_all(storage_dir + "/dead-letter.jsonl", line, O_WRONLY | O_CREAT | O_APPEND, false, error);
}

}  // namespace erralert::store
