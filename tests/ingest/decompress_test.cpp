// Bounded decompression: each coding round-trips; a bomb stops at the bound without holding
// more; corrupt, truncated and trailing-garbage streams are refused with a reason.
#include "erralert/ingest/decompress.hpp"

#include <brotli/encode.h>
#include <gtest/gtest.h>

#include <random>

#include "support/compress.hpp"

namespace erralert::ingest {
namespace {

using testing::deflate;
using testing::gzip;
using Error = Decompressed::Error;

std::string brotli(std::string_view data) {
  std::size_t size = BrotliEncoderMaxCompressedSize(data.size());
  std::string out(size, '\0');
  const bool ok = BrotliEncoderCompress(BROTLI_DEFAULT_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, data.size(),
                                        reinterpret_cast<const std::uint8_t*>(data.data()), &size,
                                        reinterpret_cast<std::uint8_t*>(out.data()));
  if (!ok) throw std::runtime_error("BrotliEncoderCompress");
  out.resize(size);
  return out;
}

std::string random_text(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>('a' + rng() % 26);
  return s;
}

const std::string kEnvelope =
    "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"event\"}\n{\"message\":\"hello\"}\n";

TEST(ContentEncoding, NamesTheCodingsSdksSend) {
  EXPECT_EQ(parse_content_encoding(""), ContentCoding::identity);
  EXPECT_EQ(parse_content_encoding("identity"), ContentCoding::identity);
  EXPECT_EQ(parse_content_encoding("gzip"), ContentCoding::gzip);
  EXPECT_EQ(parse_content_encoding("GZIP"), ContentCoding::gzip);
  EXPECT_EQ(parse_content_encoding("x-gzip"), ContentCoding::gzip);
  EXPECT_EQ(parse_content_encoding(" deflate "), ContentCoding::deflate);
  EXPECT_EQ(parse_content_encoding("br"), ContentCoding::br);
  EXPECT_EQ(parse_content_encoding("gzip, identity"), ContentCoding::gzip);
  EXPECT_EQ(parse_content_encoding("zstd"), std::nullopt);
  EXPECT_EQ(parse_content_encoding("gzip, br"), std::nullopt) << "two codings stacked";
  EXPECT_EQ(to_string(ContentCoding::br), "br");
}

struct Coded {
  const char* name;
  ContentCoding coding;
  std::string (*encode)(std::string_view);
};

const Coded kCodings[] = {
    {"gzip", ContentCoding::gzip, [](std::string_view d) { return gzip(d); }},
    {"deflate (zlib)", ContentCoding::deflate, [](std::string_view d) { return deflate(d, true); }},
    {"deflate (raw)", ContentCoding::deflate, [](std::string_view d) { return deflate(d, false); }},
    {"br", ContentCoding::br, [](std::string_view d) { return brotli(d); }},
};

TEST(Decompress, EachCodingRoundTrips) {
  for (const auto& c : kCodings) {
    for (const std::string& data : {kEnvelope, random_text(300'000, 7), std::string()}) {
      const Decompressed d = decompress(c.encode(data), c.coding, 1 << 20);
      ASSERT_EQ(d.error, Error::none) << c.name << ": " << d.reason;
      EXPECT_EQ(d.data, data) << c.name;
      EXPECT_TRUE(d.reason.empty());
    }
  }
}

TEST(Decompress, IdentityIsBoundedToo) {
  EXPECT_EQ(decompress("abc", ContentCoding::identity, 3).data, "abc");
  EXPECT_EQ(decompress("abcd", ContentCoding::identity, 3).error, Error::too_large);
}

TEST(Decompress, ABombStopsAtTheBound) {
  // 64 MiB of zeros compress to about 64 KiB (gzip) or a few dozen bytes (brotli).
  const std::string zeros(64u << 20, '\0');
  for (const auto& c : kCodings) {
    const std::string bomb = c.encode(zeros);
    ASSERT_LT(bomb.size(), 100'000u) << c.name;
    const Decompressed d = decompress(bomb, c.coding, 1u << 20);
    EXPECT_EQ(d.error, Error::too_large) << c.name;
    EXPECT_TRUE(d.data.empty()) << c.name << ": nothing of it is kept";
    EXPECT_NE(d.reason.find("more than 1048576 bytes"), std::string::npos) << d.reason;
  }
}

TEST(Decompress, ExactlyTheBoundFits) {
  const std::string data = random_text(5000, 3);
  for (const auto& c : kCodings) {
    EXPECT_EQ(decompress(c.encode(data), c.coding, data.size()).error, Error::none) << c.name;
    EXPECT_EQ(decompress(c.encode(data), c.coding, data.size() - 1).error, Error::too_large) << c.name;
  }
}

TEST(Decompress, CorruptDataIsRefusedWithAReason) {
  const std::string text = random_text(10'000, 11);
  for (const auto& c : kCodings) {
    const std::string good = c.encode(text);
    const struct {
      const char* what;
      std::string body;
    } bad[] = {
        {"not compressed at all", "{\"message\":\"plain JSON sent with the wrong header\"}"},
        {"truncated", good.substr(0, good.size() / 2)},
        {"trailing garbage", good + "garbage"},
        {"bytes flipped", [&] {
           std::string b = good;
           for (std::size_t i = b.size() / 3; i < b.size() / 3 + 16; ++i) b[i] = static_cast<char>(b[i] ^ 0x5a);
           return b;
         }()},
    };
    for (const auto& b : bad) {
      const Decompressed d = decompress(b.body, c.coding, 1 << 20);
      // A flipped byte inside raw deflate or brotli can, rarely, still decode: then not to the text.
      if (d.error == Error::none) {
        EXPECT_NE(d.data, text) << c.name << ": " << b.what;
        continue;
      }
      EXPECT_EQ(d.error, Error::corrupt) << c.name << ": " << b.what;
      EXPECT_TRUE(d.data.empty());
      EXPECT_NE(d.reason.find("corrupt"), std::string::npos) << d.reason;
    }
    EXPECT_EQ(decompress(good.substr(0, good.size() / 2), c.coding, 1 << 20).error, Error::corrupt)
        << c.name << ": a truncated stream never passes";
  }
}

TEST(Decompress, GzipMembersOneAfterAnother) {
  const Decompressed d = decompress(gzip("first ") + gzip("second"), ContentCoding::gzip, 1 << 20);
  ASSERT_EQ(d.error, Error::none) << d.reason;
  EXPECT_EQ(d.data, "first second");
}

}  // namespace
}  // namespace erralert::ingest
