// Config scalars that are more than a number: listen addresses, file modes, sizes, times, URLs.
#include "values.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <limits>

#include "erralert/core/text.hpp"

namespace erralert::config {

using core::is_digit;

std::optional<HostPort> parse_listen(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (text.starts_with('[')) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return std::nullopt;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return std::nullopt;  // IPv6 needs [brackets]
  }
  const auto n = parse_uint(port);
  if (host.empty() || !n || *n > 65535) return std::nullopt;
  return HostPort{std::string(host), static_cast<std::uint16_t>(*n)};
}

std::optional<unsigned> parse_mode(std::string_view text) {
  if (text.starts_with("0o") || text.starts_with("0O")) text.remove_prefix(2);
  unsigned mode = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), mode, 8);
  if (text.empty() || !is_digit(text.front()) || ec != std::errc{} || end != text.data() + text.size())
    return std::nullopt;
  if (mode > 0777) return std::nullopt;
  return mode;
}

std::optional<std::uint64_t> parse_uint(std::string_view text) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || !is_digit(text.front()) || ec != std::errc{} || end != text.data() + text.size())
    return std::nullopt;
  return n;
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  struct Suffix {
    std::string_view name;
    std::uint64_t factor;
  };
  constexpr std::array<Suffix, 3> kSuffixes{{{"KiB", 1ULL << 10}, {"MiB", 1ULL << 20}, {"GiB", 1ULL << 30}}};
  std::uint64_t factor = 1;
  for (const Suffix& s : kSuffixes) {
    if (text.ends_with(s.name)) {
      text.remove_suffix(s.name.size());
      factor = s.factor;
      break;
    }
  }
  const auto n = parse_uint(text);
  if (!n || *n > std::numeric_limits<std::uint64_t>::max() / factor) return std::nullopt;
  return *n * factor;
}

std::optional<std::string> read_text_file(const std::string& path, std::size_t max_bytes, std::string& error) {
  const auto fail = [&](const std::string& why) {
    error = "cannot read '" + path + "': " + why;
    return std::nullopt;
  };
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, and a reload runs
  // on the I/O thread. Only a regular file is read, so no read can block either.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return fail(std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail(std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return fail("is a directory");
  if (!S_ISREG(st.st_mode)) return fail("not a regular file");
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    return fail("larger than " + std::to_string(max_bytes) + " bytes");
  }
  std::string content;
  std::array<char, 8192> chunk{};
  for (;;) {
    const ssize_t n = ::read(fd, chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(std::strerror(errno));
    if (n == 0) break;
    content.append(chunk.data(), static_cast<std::size_t>(n));
    if (content.size() > max_bytes) return fail("larger than " + std::to_string(max_bytes) + " bytes");
  }
  return content;
}

std::optional<std::string> name_error(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > 64) return "must be at most 64 characters";
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) return "may hold only letters, digits, '.', '_' and '-'";
  }
  return std::nullopt;
}

}  // namespace erralert::config
