// Writing files whole, for the spool and the silence file (private to daemon/store/).
//
//   std::string why;
//   if (!replace_file(dir + "/silences.json", text, Durability::synced, &why)) report(why);
#pragma once

#include <string>
#include <string_view>

namespace erralert::store {

/// Writes `data` to `path` (opened with `flags | O_CLOEXEC`, mode 0600) fully; with `sync`,
/// fsync()s it before closing. False, with `error`, when the disk refuses.
bool write_all(const std::string& path, std::string_view data, int flags, bool sync, std::string* error);

enum class Durability {
  renamed,  ///< temp file then rename: never half a file, but a power cut may lose the newest
  synced,   ///< also fsync the file before the rename and the directory after: survives a power cut
};

/// Replaces `path` with `data` atomically: readers see the old file or the new one, never a
/// part. The temp file is `path` + ".tmp", removed on failure. False, with `error`, when the
/// disk refuses; the old file is then unchanged.
bool replace_file(const std::string& path, std::string_view data, Durability durability, std::string* error);

}  // namespace erralert::store
