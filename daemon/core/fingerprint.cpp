// Fingerprints: FNV-1a over the group_by values, separated so that ("ab","c") != ("a","bc").
#include "erralert/core/fingerprint.hpp"

#include <cstdint>
#include <string_view>

namespace erralert::core {
namespace {

class Fnv1a {
 public:
  void add(std::string_view s) {
    for (unsigned char c : s) {
      h_ ^= c;
      h_ *= 0x100000001b3ULL;
    }
  }
  void add_byte(unsigned char c) { add(std::string_view(reinterpret_cast<const char*>(&c), 1)); }
  std::string hex() const {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(16, '0');
    for (int i = 0; i < 16; ++i) out[15 - i] = digits[(h_ >> (4 * i)) & 0xf];
    return out;
  }

 private:
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

}  // namespace

std::string fingerprint(const Event& e, const std::vector<std::string>& group_by) {
  Fnv1a h;
  if (!e.fingerprint.empty()) {
    h.add_byte(0x02);  // an explicit list never collides with group_by values
    for (const auto& part : e.fingerprint) {
      h.add(part);
      h.add_byte(0x1f);
    }
    return h.hex();
  }
  for (const auto& field : group_by) {
    if (auto v = field_value(e, field)) {
      h.add_byte(0x01);
      h.add(*v);
    } else {
      h.add_byte(0x00);
    }
    h.add_byte(0x1f);
  }
  return h.hex();
}

}  // namespace erralert::core
