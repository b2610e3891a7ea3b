// libFuzzer target for the spool file reader: any bytes as a spool file either give an entry or
// nothing, never an exception (a spool file outlives the version that wrote it, and disks fail);
// an entry written back and read again is the same entry; the notification it holds either reads
// back (and then writes and reads back the same) or is refused, never a throw.
//
//   ./fuzz_spool corpus/spool -runs=20000
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "erralert/core/notification_json.hpp"
#include "erralert/store/spool.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using erralert::store::decode_spool_entry;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto entry = decode_spool_entry(text, "000000000001000-000000001.json");
  if (!entry) return 0;
  check(entry->persisted && entry->id == "000000000001000-000000001.json");
  const auto again = decode_spool_entry(erralert::store::encode_spool_entry(*entry), entry->id);
  check(again.has_value());
  check(again->kind == entry->kind && again->route == entry->route && again->count == entry->count &&
        again->body == entry->body && again->created_ms == entry->created_ms &&
        again->attempts == entry->attempts && again->next_attempt_ms == entry->next_attempt_ms &&
        again->notification == entry->notification);
  if (entry->notification.is_null()) return 0;
  const auto n = erralert::core::notification_from_json(entry->notification);
  if (!n) return 0;
  const auto json = erralert::core::notification_to_json(*n);
  const auto back = erralert::core::notification_from_json(json);
  check(back.has_value() && erralert::core::notification_to_json(*back) == json);
  check(back->total_count() == n->total_count());
  return 0;
}
