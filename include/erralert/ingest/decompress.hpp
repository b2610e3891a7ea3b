// Bounded decompression of request bodies (Content-Encoding gzip, deflate, br): a zip bomb
// stops at the bound instead of filling memory.
//
//   auto coding = parse_content_encoding(req["Content-Encoding"]);   // nullopt: answer 415
//   Decompressed d = decompress(body, *coding, 20 << 20);
//   if (d.error == Decompressed::Error::too_large) answer 413;
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace erralert::ingest {

enum class ContentCoding { identity, gzip, deflate, br };

/// The coding a Content-Encoding header names: "gzip" (or "x-gzip"), "deflate", "br",
/// "identity" or empty, in any letter case, with identity allowed around one other coding
/// ("gzip, identity"). nullopt for any other coding or for two codings stacked.
std::optional<ContentCoding> parse_content_encoding(std::string_view header);

/// "gzip", "deflate", "br" or "identity".
std::string_view to_string(ContentCoding coding);

struct Decompressed {
  enum class Error { none, corrupt, too_large };
  std::string data;            ///< the decoded bytes (empty on error)
  Error error = Error::none;
  std::string reason;          ///< for an error: what was wrong, for the 400 or 413 answer
};

/// `body` decoded from `coding`, at most `max_bytes` of output: past it, Error::too_large
/// with no more than about `max_bytes` ever held. `deflate` takes the zlib format RFC 9110
/// names and also raw deflate (what some clients send); `gzip` takes concatenated members.
/// A stream that ends early or has bytes after its end is Error::corrupt. `identity` copies
/// (and is too_large past the bound too).
Decompressed decompress(std::string_view body, ContentCoding coding, std::size_t max_bytes);

}  // namespace erralert::ingest
