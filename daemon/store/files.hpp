// Writing a file (private to daemon/store/).
//
//   std::string why;
//   if (!write_all(dir + "/dead-letter.jsonl", line, O_WRONLY | O_CREAT | O_APPEND, false, &why)) report(why);
#pragma once

#include <string>
#include <string_view>

namespace erralert::store {

/// Writes `data` to `path` (opened with `flags | O_CLOEXEC`, mode 0600) fully; with `sync`,
/// fsync()s it before closing. False, with `error`, when the disk refuses.
bool write_all(const std::string& path, std::string_view data, int flags, bool sync, std::string* error);

}  // namespace erralert::store
