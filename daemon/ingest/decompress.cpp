// Bounded decompression: zlib for gzip and deflate, Debian's libbrotli for br; the output
// buffer grows in steps and never past the bound plus one byte (which tells "over" apart).
#include "erralert/ingest/decompress.hpp"

#include <brotli/decode.h>
#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <memory>

#include "erralert/core/text.hpp"

namespace erralert::ingest {
namespace {

constexpr std::size_t kFirstStep = 64 * 1024;

/// The output buffer: its size is what the decoder may write into; `used` what it wrote.
class Output {
 public:
  explicit Output(std::size_t max_bytes, std::size_t hint) : max_(max_bytes) {
    buf_.resize(std::min(max_ + 1, std::max(kFirstStep, hint)));
  }
  /// Room for more; false when the bound has been passed.
  bool grow() {
    if (used_ > max_) return false;
    if (used_ == buf_.size()) buf_.resize(std::min(max_ + 1, buf_.size() * 2));
    return true;
  }
  char* next() { return buf_.data() + used_; }
  std::size_t room() const { return buf_.size() - used_; }
  void wrote(std::size_t n) { used_ += n; }
  bool over() const { return used_ > max_; }
  std::string take() {
    buf_.resize(used_);
    return std::move(buf_);
  }

 private:
  std::size_t max_;
  std::size_t used_ = 0;
  std::string buf_;
};

Decompressed corrupt(std::string_view coding, std::string reason) {
  return {{}, Decompressed::Error::corrupt, "the " + std::string(coding) + " body is corrupt: " + reason};
}

Decompressed too_large(std::size_t max_bytes) {
  return {{}, Decompressed::Error::too_large,
          "the body decompresses to more than " + std::to_string(max_bytes) + " bytes"};
}

/// zlib's inflate with `window_bits` (31: gzip, 15: zlib, -15: raw deflate).
Decompressed inflate_body(std::string_view body, int window_bits, std::size_t max_bytes, std::string_view coding) {
  if (body.size() > UINT_MAX) return too_large(max_bytes);
  z_stream zs{};
  if (inflateInit2(&zs, window_bits) != Z_OK) return corrupt(coding, "zlib could not start");
  const std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, inflateEnd);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  zs.avail_in = static_cast<uInt>(body.size());
  Output out(max_bytes, body.size() * 4);
  for (;;) {
    if (!out.grow()) return too_large(max_bytes);
    const std::size_t room = std::min<std::size_t>(out.room(), UINT_MAX);
    zs.next_out = reinterpret_cast<Bytef*>(out.next());
    zs.avail_out = static_cast<uInt>(room);
    const int ret = inflate(&zs, Z_NO_FLUSH);
    out.wrote(room - zs.avail_out);
    if (out.over()) return too_large(max_bytes);
    if (ret == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      // gzip allows members one after another (RFC 1952 section 2.2); other bytes after the
      // end of a stream are not part of it.
      if (window_bits != 31) return corrupt(coding, "bytes after the end of the stream");
      if (inflateReset(&zs) != Z_OK) return corrupt(coding, "zlib could not go on");
      continue;
    }
    if (ret == Z_OK || ret == Z_BUF_ERROR) {
      if (zs.avail_in == 0 && zs.avail_out > 0) return corrupt(coding, "the stream ends early");
      continue;
    }
    return corrupt(coding, zs.msg ? zs.msg : "zlib error " + std::to_string(ret));
  }
  return {out.take(), Decompressed::Error::none, {}};
}

/// RFC 1950's header: CM 8 and a check value that makes the first two bytes a multiple of 31.
bool has_zlib_header(std::string_view body) {
  if (body.size() < 2) return false;
  const auto b0 = static_cast<unsigned char>(body[0]);
  const auto b1 = static_cast<unsigned char>(body[1]);
  return (b0 & 0x0f) == 8 && (b0 >> 4) <= 7 && ((b0 << 8) | b1) % 31 == 0;
}

Decompressed brotli_body(std::string_view body, std::size_t max_bytes) {
  const std::unique_ptr<BrotliDecoderState, void (*)(BrotliDecoderState*)> state(
      BrotliDecoderCreateInstance(nullptr, nullptr, nullptr), BrotliDecoderDestroyInstance);
  if (!state) return corrupt("br", "the decoder could not start");
  std::size_t avail_in = body.size();
  const auto* next_in = reinterpret_cast<const std::uint8_t*>(body.data());
  Output out(max_bytes, body.size() * 4);
  for (;;) {
    if (!out.grow()) return too_large(max_bytes);
    std::size_t avail_out = out.room();
    const std::size_t room = avail_out;
    auto* next_out = reinterpret_cast<std::uint8_t*>(out.next());
    const BrotliDecoderResult r =
        BrotliDecoderDecompressStream(state.get(), &avail_in, &next_in, &avail_out, &next_out, nullptr);
    out.wrote(room - avail_out);
    if (out.over()) return too_large(max_bytes);
    switch (r) {
      case BROTLI_DECODER_RESULT_SUCCESS:
        if (avail_in != 0) return corrupt("br", "bytes after the end of the stream");
        return {out.take(), Decompressed::Error::none, {}};
      case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT: continue;
      case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT: return corrupt("br", "the stream ends early");
      case BROTLI_DECODER_RESULT_ERROR:
      default:
        return corrupt("br", BrotliDecoderErrorString(BrotliDecoderGetErrorCode(state.get())));
    }
  }
}

}  // namespace

std::optional<ContentCoding> parse_content_encoding(std::string_view header) {
  std::optional<ContentCoding> found;
  while (true) {
    const std::size_t comma = header.find(',');
    const std::string_view name = core::trim(header.substr(0, comma));
    std::optional<ContentCoding> coding;
    if (name.empty() || core::iequals(name, "identity")) {
      coding = ContentCoding::identity;
    } else if (core::iequals(name, "gzip") || core::iequals(name, "x-gzip")) {
      coding = ContentCoding::gzip;
    } else if (core::iequals(name, "deflate")) {
      coding = ContentCoding::deflate;
    } else if (core::iequals(name, "br")) {
      coding = ContentCoding::br;
    } else {
      return std::nullopt;
    }
    if (*coding != ContentCoding::identity) {
      if (found) return std::nullopt;  // two codings stacked: not what any SDK sends
      found = coding;
    }
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return found.value_or(ContentCoding::identity);
}

std::string_view to_string(ContentCoding coding) {
  switch (coding) {
    case ContentCoding::gzip: return "gzip";
    case ContentCoding::deflate: return "deflate";
    case ContentCoding::br: return "br";
    case ContentCoding::identity: break;
  }
  return "identity";
}

Decompressed decompress(std::string_view body, ContentCoding coding, std::size_t max_bytes) {
  switch (coding) {
    case ContentCoding::gzip: return inflate_body(body, 31, max_bytes, "gzip");
    case ContentCoding::deflate: return inflate_body(body, has_zlib_header(body) ? 15 : -15, max_bytes, "deflate");
    case ContentCoding::br: return brotli_body(body, max_bytes);
    case ContentCoding::identity: break;
  }
  if (body.size() > max_bytes) return too_large(max_bytes);
  return {std::string(body), Decompressed::Error::none, {}};
}

}  // namespace erralert::ingest
