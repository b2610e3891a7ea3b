// Writing a file whole: write(2) until done, fsync(2) when asked.
#include "files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace erralert::store {

namespace {

bool fail(std::string* error) {
  if (error) *error = std::strerror(errno);
  return false;
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


}  // namespace erralert::store
