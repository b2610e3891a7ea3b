// Spool records: a waiting notification as the state store keeps it (one JSON text per row),
// the reader of the file spool of releases before the store (imported once at start), and the
// dead-letter file.
//
//   std::string text = encode_spool_item(item);                 // a row of the spool table
//   std::optional<core::Outbox::Item> back = decode_spool_item(text);
//   for (auto& item : read_legacy_spool(dir, &bad)) ...         // storage.dir/spool/<receiver>/*.json
//   append_dead_letter(storage_dir, record_json);               // after a permanent refusal
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "erralert/core/outbox.hpp"

namespace erralert::store {

/// An outbox item as JSON text: the notification (core::notification_to_json), or the rendered
/// body of an earlier release, with its kind, route, count and retry state. Text that is not
/// UTF-8 is replaced, never thrown.
std::string encode_spool_item(const core::Outbox::Item& item);

/// The item `text` holds (store_id left 0); nullopt when it is not one: not a JSON object,
/// neither an object "notification" that reads back nor a string "body", or a field of the
/// wrong type or out of its range. Absent fields take their defaults. Never throws: what is
/// stored outlives releases and disks fail.
std::optional<core::Outbox::Item> decode_spool_item(std::string_view text);

/// A spool directory of a release before the state store, read for the import.
struct LegacySpool {
  std::vector<core::Outbox::Item> items;  ///< oldest first
  std::vector<std::string> unreadable;    ///< file names that hold no notification
};
/// Reads every `*.json` file of `dir` (oldest first by name); never throws, never changes `dir`.
LegacySpool read_legacy_spool(const std::string& dir);

/// Appends one JSON line to `storage_dir`/dead-letter.jsonl. Returns false (with `error`) when
/// the disk refuses.
bool append_dead_letter(const std::string& storage_dir, const nlohmann::json& record,
                        std::string* error = nullptr);

}  // namespace erralert::store
