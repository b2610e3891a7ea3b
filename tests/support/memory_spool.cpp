#include "support/memory_spool.hpp"

#include "erralert/store/spool.hpp"

namespace erralert::testing {

void MemorySpool::put(std::string_view receiver, const core::Outbox::Item& item) {
  rows_[item.store_id] = {std::string(receiver), store::encode_spool_item(item)};
}

void MemorySpool::dead_letter(std::string_view receiver, const core::Outbox::Item& item, nlohmann::json record) {
  (void)receiver;
  dead_.push_back(std::move(record));
  if (item.store_id != 0) remove(item.store_id);
}

std::vector<nlohmann::json> MemorySpool::rows(const std::string& receiver) const {
  std::vector<nlohmann::json> out;
  for (const auto& [id, row] : rows_) {
    if (row.receiver == receiver) out.push_back(nlohmann::json::parse(row.text, nullptr, false));
  }
  return out;
}

std::vector<core::Outbox::Item> MemorySpool::backlog(const std::string& receiver) const {
  std::vector<core::Outbox::Item> out;
  for (const auto& [id, row] : rows_) {
    if (row.receiver != receiver) continue;
    if (auto item = store::decode_spool_item(row.text)) {
      item->store_id = id;
      out.push_back(std::move(*item));
    }
  }
  return out;
}

}  // namespace erralert::testing
