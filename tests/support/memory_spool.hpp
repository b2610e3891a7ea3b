// MemorySpool: a store::SpoolWriter that keeps rows in memory as the state store would encode
// them, for receiver tests without SQLite.
//
//   testing::MemorySpool spool;
//   ctx.store = &spool;
//   EXPECT_EQ(spool.rows("hooks").size(), 1u);               // encoded items, oldest first
//   auto r2 = make_receiver(cfg, ctx, spool.backlog("hooks")); // a restart on what was kept
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "erralert/store/state_store.hpp"

namespace erralert::testing {

class MemorySpool final : public store::SpoolWriter {
 public:
  std::uint64_t next_id() override { return ++last_id_; }
  void put(std::string_view receiver, const core::Outbox::Item& item) override;
  void remove(std::uint64_t id) override { rows_.erase(id); }
  void dead_letter(std::string_view receiver, const core::Outbox::Item& item, nlohmann::json record) override;

  /// The rows of `receiver` as JSON (store::encode_spool_item), by id.
  std::vector<nlohmann::json> rows(const std::string& receiver) const;
  /// Those rows read back as items (store_id set), what a restart hands the receiver.
  std::vector<core::Outbox::Item> backlog(const std::string& receiver) const;
  /// The dead-letter records, in order.
  const std::vector<nlohmann::json>& dead_letters() const { return dead_; }

 private:
  struct Row {
    std::string receiver;
    std::string text;
  };
  std::uint64_t last_id_ = 0;
  std::map<std::uint64_t, Row> rows_;
  std::vector<nlohmann::json> dead_;
};

}  // namespace erralert::testing
