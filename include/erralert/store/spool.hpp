// Spool: notifications on disk from before their first attempt until a 2xx, so a crash or a
// restart loses none; and the dead-letter file for what a platform refused for good.
//
//   Spool spool(storage_dir + "/spool/ops-discord");
//   for (auto& e : spool.load()) queue.push_back(e);        // after a restart
//   SpoolEntry e = spool.add(payload, now);                  // before the first attempt
//   spool.remove(e);                                         // after a 2xx
//   append_dead_letter(storage_dir, record_json);            // after a permanent refusal
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace erralert::store {

struct SpoolEntry {
  std::string id;            ///< file name within the spool directory
  std::string kind;          ///< first | summary | digest | resolved
  std::string route;
  std::uint64_t count = 0;   ///< events the notification accounts for
  /// The notification itself (core::notification_to_json), rendered when it is sent; null in
  /// files written by releases before grouping, which hold `body` instead.
  nlohmann::json notification;
  std::string body;          ///< the rendered request body (older files)
  std::int64_t created_ms = 0;
  unsigned attempts = 0;     ///< failed attempts so far
  std::int64_t next_attempt_ms = 0;
  bool persisted = false;    ///< false when the disk refused it (it is still delivered from memory)
};

class Spool {
 public:
  /// Creates `dir` when missing. Throws std::filesystem::filesystem_error when it cannot.
  explicit Spool(std::string dir);

  /// Every notification left by an earlier run, oldest first. Files that hold no entry are
  /// renamed to *.bad, named in `set_aside`, and skipped; the others load. New entries are
  /// named after the loaded ones.
  std::vector<SpoolEntry> load(std::vector<std::string>* set_aside = nullptr);
  /// Writes a new entry (atomically: temp file, then rename). On a write error the entry comes
  /// back with persisted = false and `error` says why.
  SpoolEntry add(SpoolEntry entry, std::string* error = nullptr);
  /// Writes the entry again over its file: a merged notification, or attempts and
  /// next_attempt_ms so a restart resumes the backoff.
  void update(const SpoolEntry& entry);
  /// Renames the entry's file to *.bad: it holds nothing this release can deliver.
  void set_aside(const SpoolEntry& entry);
  void remove(const SpoolEntry& entry);
  /// Notifications on disk now.
  std::size_t size() const { return size_; }
  const std::string& dir() const { return dir_; }

 private:
  bool write(const SpoolEntry& entry, std::string* error);

  std::string dir_;
  std::uint64_t seq_ = 0;
  std::size_t size_ = 0;
};

/// A spool file's text for `entry` (JSON; text that is not UTF-8 is replaced, never thrown).
std::string encode_spool_entry(const SpoolEntry& entry);

/// The entry a spool file's text holds, named `id`; nullopt when the text is not one: not a
/// JSON object, neither an object "notification" nor a string "body", or a field of the wrong
/// type or out of its range. Absent fields take their defaults. Never throws: spool files
/// outlive versions and disks fail.
std::optional<SpoolEntry> decode_spool_entry(std::string_view text, std::string id);

/// Appends one JSON line to `storage_dir`/dead-letter.jsonl. Returns false (with `error`) when
/// the disk refuses.
bool append_dead_letter(const std::string& storage_dir, const nlohmann::json& record,
                        std::string* error = nullptr);

/// A directory-safe form of a receiver name.
std::string spool_dir_for(const std::string& storage_dir, const std::string& receiver_name);

/// A spool directory that no receiver reads, and the notifications waiting in it.
struct UnclaimedSpool {
  std::string dir;
  std::size_t notifications = 0;
  bool operator==(const UnclaimedSpool&) const = default;
};

/// The directories under `storage_dir`/spool that hold notifications and are none of
/// `claimed` (the receivers' spool directories): left by a receiver renamed or removed from the
/// config. In name order; never throws (an unreadable directory is not listed).
std::vector<UnclaimedSpool> unclaimed_spools(const std::string& storage_dir, const std::vector<std::string>& claimed);

}  // namespace erralert::store
