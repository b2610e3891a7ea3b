// libFuzzer target for what the state store reads back: any bytes as a spool row (or a file of
// the pre-store file spool) either give an item or nothing, never an exception (stored state
// outlives the version that wrote it, and disks fail); an item written back and read again is
// the same item. The same bytes as a group's stored latest event, or as a row of the group log,
// either read back, and then write and read back the same, or are refused.
//
//   ./fuzz_spool corpus/spool -runs=20000
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "erralert/core/notification_json.hpp"
#include "erralert/store/spool.hpp"
#include "store/group_rows.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void check_group_event(std::string_view text) {
  using namespace erralert::core;
  const auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) return;
  if (const auto e = event_from_json(j)) {
    const auto json = to_json(*e, true);
    const auto back = event_from_json(json);
    check(back != nullptr && to_json(*back, true) == json);
  }
}

void check_group_log(std::string_view bytes) {
  using namespace erralert::store;
  if (const auto changes = decode_group_changes(bytes)) {
    const std::string again = encode_group_changes(*changes);
    const auto back = decode_group_changes(again);
    check(back.has_value() && encode_group_changes(*back) == again);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using erralert::store::decode_spool_item;
  using erralert::store::encode_spool_item;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_group_event(text);
  check_group_log(text);
  const auto item = decode_spool_item(text);
  if (!item) return 0;
  const std::string encoded = encode_spool_item(*item);
  const auto again = decode_spool_item(encoded);
  check(again.has_value());
  check(again->kind() == item->kind() && again->count() == item->count() && again->rendered == item->rendered &&
        again->rendered_route == item->rendered_route && again->attempt.created_ms == item->attempt.created_ms &&
        again->attempt.failures == item->attempt.failures &&
        again->attempt.next_attempt_ms == item->attempt.next_attempt_ms &&
        again->notification.has_value() == item->notification.has_value());
  check(encode_spool_item(*again) == encoded);
  if (item->notification) check(again->notification->total_count() == item->notification->total_count());
  return 0;
}
