// Writing files whole: write(2) until done, temp file and rename(2), fsync(2) where asked.
#include "files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace erralert::store {

namespace {

bool fail(std::string* error) {
  if (error) *error = std::strerror(errno);
  return false;
}

/// fsync()s the directory `path` is in, so that a rename into it survives a power cut.
bool sync_parent(const std::string& path, std::string* error) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fail(error);
  const bool ok = ::fsync(fd) == 0 || fail(error);
  ::close(fd);
  return ok;
}

}  // namespace

bool write_all(const std::string& path, std::string_view data, int flags, bool sync, std::string* error) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0600);
  if (fd < 0) return fail(error);
  std::size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      fail(error);
      ::close(fd);
      return false;
    }
    off += static_cast<std::size_t>(n);
  }
  if (sync && ::fsync(fd) != 0) {
    fail(error);
    ::close(fd);
    return false;
  }
  if (::close(fd) != 0) return fail(error);
  return true;
}

bool replace_file(const std::string& path, std::string_view data, Durability durability, std::string* error) {
  const bool synced = durability == Durability::synced;
  const std::string tmp_path = path + ".tmp";
  if (!write_all(tmp_path, data, O_WRONLY | O_CREAT | O_TRUNC, synced, error)) {
    ::unlink(tmp_path.c_str());
    return false;
  }
  if (::rename(tmp_path.c_str(), path.c_str()) != 0) {
    fail(error);
    ::unlink(tmp_path.c_str());
    return false;
  }
  return !synced || sync_parent(path, error);
}

}  // namespace erralert::store
