// Config scalars that are more than a number: listen addresses, file modes, sizes, times, URLs
// (and the small file reads that url_file and load_config need).
//
//   parse_listen("[::1]:9780")  // {host "::1", port 9780}
//   parse_size("64KiB")  // 65536
// (Times are core::parse_timestamp and URLs core::url_error: the runtime parses them too.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace erralert::config {

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};

/// "host:port" or "[v6]:port" with a port of 0..65535; nullopt otherwise.
std::optional<HostPort> parse_listen(std::string_view text);

/// Octal file mode as written: "0660", "660" or "0o660", at most 0777.
std::optional<unsigned> parse_mode(std::string_view text);

/// Bytes: "1048576", or a whole number with a KiB, MiB or GiB suffix; nullopt on overflow.
std::optional<std::uint64_t> parse_size(std::string_view text);

/// A whole number without sign, fitting in 64 bits.
std::optional<std::uint64_t> parse_uint(std::string_view text);

/// The whole content of a file of at most `max_bytes`, or nullopt with `error` saying why not
/// (naming the path, never the content).
std::optional<std::string> read_text_file(const std::string& path, std::size_t max_bytes, std::string& error);

/// Why `name` cannot name a receiver or route (letters, digits, '.', '_' and '-' only).
std::optional<std::string> name_error(std::string_view name);

}  // namespace erralert::config
