// gzip and deflate bodies for tests, as the Sentry SDKs send them (zlib, header-only).
//
//   std::string body = gzip(envelope);         // Content-Encoding: gzip
//   std::string z = deflate(json, true);       // zlib-wrapped "deflate"; false: raw deflate
#pragma once

#include <zlib.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace erralert::testing {

/// `data` compressed with zlib's deflate in the wrapping `window_bits` says (31: gzip, 15: zlib,
/// -15: raw).
inline std::string zlib_compress(std::string_view data, int window_bits, int level = Z_DEFAULT_COMPRESSION) {
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2");
  }
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int ret = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (ret != Z_STREAM_END) throw std::runtime_error("deflate");
  return out;
}

inline std::string gzip(std::string_view data) { return zlib_compress(data, 31); }

/// HTTP's "deflate": the zlib format (RFC 1950), or with `zlib_wrapped` false the raw deflate
/// some clients send under that name.
inline std::string deflate(std::string_view data, bool zlib_wrapped = true) {
  return zlib_compress(data, zlib_wrapped ? 15 : -15);
}

}  // namespace erralert::testing
