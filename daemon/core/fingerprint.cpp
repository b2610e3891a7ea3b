// Fingerprints: FNV-1a over the group_by values, separated so that ("ab","c") != ("a","bc").
#include "erralert/core/fingerprint.hpp"

#include <cstdint>
#include <string_view>

#include "erralert/core/text.hpp"

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

bool is_default_part(std::string_view part) {
  part = trim(part);
  if (!part.starts_with("{{") || !part.ends_with("}}") || part.size() < 4) return false;
  return trim(part.substr(2, part.size() - 4)) == "default";
}

std::string fingerprint(const Event& e, const std::vector<std::string>& group_by) {
  const auto by_fields = [&] {
    Fnv1a h;
    std::string scratch;
    for (const auto& field : group_by) {
      if (auto v = field_text(e, field, scratch)) {
        h.add_byte(0x01);
        h.add(*v);
      } else {
        h.add_byte(0x00);
      }
      h.add_byte(0x1f);
    }
    return h.hex();
  };
  if (e.fingerprint.empty() || (e.fingerprint.size() == 1 && is_default_part(e.fingerprint[0]))) return by_fields();
  Fnv1a h;
  h.add_byte(0x02);  // an explicit list never collides with group_by values
  for (const auto& part : e.fingerprint) {
    if (is_default_part(part)) {
      h.add_byte(0x03);  // nor a {{ default }} with a part that spells the same hex digits
      h.add(by_fields());
    } else {
      h.add(part);
    }
    h.add_byte(0x1f);
  }
  return h.hex();
}

}  // namespace erralert::core
