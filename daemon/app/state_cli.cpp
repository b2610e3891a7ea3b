// `erralertd state ...`: the state store's offline commands.
#include "erralert/app/state_cli.hpp"

#include <ostream>

#include <fmt/format.h>

#include "erralert/app/daemon.hpp"
#include "erralert/config/config.hpp"
#include "erralert/store/state_store.hpp"

namespace erralert::app {

namespace {

/// The storage.dir of `o.config`; nullopt (with the problems on `err`) when it does not load.
std::optional<std::string> storage_dir(const StateOptions& o, std::ostream& err) {
  const auto cfg = config::load_config_or_report(o.config, err);
  return cfg ? std::optional<std::string>(cfg->storage.dir) : std::nullopt;
}

}  // namespace

int state_stats(const StateOptions& o, std::ostream& out, std::ostream& err) {
  const auto dir = storage_dir(o, err);
  if (!dir) return kExitInvalid;
  try {
    const nlohmann::json s = store::store_stats(*dir);
    if (o.json) {
      out << s.dump(2) << "\n";
      return kExitOk;
    }
    out << fmt::format("store        {} (schema {})\n", s["path"].get<std::string>(), s["schema"].get<int>());
    out << fmt::format("size         {} bytes on disk, {} in use\n", s["file_bytes"].get<std::uint64_t>(),
                       s["used_bytes"].get<std::uint64_t>());
    out << fmt::format("waiting      {} notifications, {} events\n", s["spool_notifications"].get<std::uint64_t>(),
                       s["spool_events"].get<std::uint64_t>());
    for (const auto& [name, r] : s["spool_by_receiver"].items()) {
      out << fmt::format("  {:<20} {} notifications, {} events\n", name, r["notifications"].get<std::uint64_t>(),
                         r["events"].get<std::uint64_t>());
    }
    out << fmt::format("groups       {} open, {} remembered closed\n", s["open_groups"].get<std::uint64_t>(),
                       s["remembered_groups"].get<std::uint64_t>());
    out << fmt::format("dead letters {}\n", s["dead_letters"].get<std::uint64_t>());
    return kExitOk;
  } catch (const store::StoreError& e) {
    err << "erralertd: " << e.what() << "\n";
    return kExitRuntime;
  }
}

int state_dead_letters(const StateOptions& o, std::ostream& out, std::ostream& err) {
  const auto dir = storage_dir(o, err);
  if (!dir) return kExitInvalid;
  try {
    if (o.retry) {
      if (!store::retry_dead_letter(*dir, *o.retry)) {
        err << "erralertd: no dead letter " << *o.retry << "\n";
        return kExitInvalid;
      }
      out << "dead letter " << *o.retry << " is back in its receiver's spool; the next start delivers it\n";
      return kExitOk;
    }
    const nlohmann::json list = store::list_dead_letters(*dir);
    if (o.json) {
      out << list.dump(2) << "\n";
      return kExitOk;
    }
    if (list.empty()) {
      out << "no dead letters\n";
      return kExitOk;
    }
    out << fmt::format("{:<6} {:<20} {:<21} {:<8} {:>7}  {}\n", "ID", "RECEIVER", "DEAD AT", "KIND", "COUNT", "REASON");
    for (const auto& d : list) {
      out << fmt::format("{:<6} {:<20} {:<21} {:<8} {:>7}  {}\n", d["id"].get<std::int64_t>(),
                         d["receiver"].get<std::string>(), d["dead_at"].get<std::string>(),
                         d["kind"].get<std::string>(), d["count"].get<std::int64_t>(), d["reason"].get<std::string>());
    }
    return kExitOk;
  } catch (const store::StoreError& e) {
    err << "erralertd: " << e.what() << "\n";
    return kExitRuntime;
  }
}

}  // namespace erralert::app
