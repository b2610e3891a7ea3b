// Daemon: silences at run time, kept in the state store (GET/POST /v1/silences, DELETE).
#include <spdlog/spdlog.h>

#include "erralert/app/daemon.hpp"

namespace erralert::app {

void Daemon::load_silences(const nlohmann::json& stored) {
  silences_.set_config(cfg_.silences);
  const auto restored = silences_.restore(stored);
  const auto ended = silences_.prune(clock_.now_ms());
  if (restored.skipped > 0) {
    spdlog::warn("state store: {} stored silence entr{} not a silence, skipped", restored.skipped,
                 restored.skipped == 1 ? "y is" : "ies are");
  }
  if (restored.loaded > 0) {
    spdlog::info("state store: {} silence(s), {} of them ended while erralertd was stopped", restored.loaded, ended);
  }
}

std::string Daemon::save_silences(const core::SilenceSet& next) {
  store_->record_silences(next.to_json());
  std::string why;
  if (store_->commit_now(&why)) return {};
  // The failed batch is retried later: make it carry the silences that stay in force.
  store_->record_silences(silences_.to_json());
  if (why.empty()) why = "unknown error";
  spdlog::error("cannot commit the silences to the state store: {}", why);
  return why;
}

nlohmann::json Daemon::list_silences() {
  auto out = nlohmann::json::array();
  for (const auto& s : silences_.list(clock_.now_ms())) out.push_back(core::to_api_json(s));
  return {{"silences", std::move(out)}};
}

net::SilenceAddReply Daemon::add_silence(const nlohmann::json& body) {
  const std::int64_t now_ms = clock_.now_ms();
  auto req = core::parse_silence_request(body, now_ms);
  if (!req) return {"", req.errors(), ""};
  // Changed on a copy, which replaces the set once the store holds it: a silence the disk
  // refused is not added, so it cannot vanish at the next restart.
  core::SilenceSet next = silences_;
  next.prune(now_ms);
  auto id = next.add(std::move(req->match), req->until_ms, std::move(req->comment), now_ms);
  if (!id) return {"", id.errors(), ""};
  if (auto why = save_silences(next); !why.empty()) return {"", {}, std::move(why)};
  silences_ = std::move(next);
  spdlog::info("silence {} added: {}", *id, core::to_api_json(silences_.list(now_ms).back()).dump());
  return {std::move(id).value(), {}, ""};
}

net::SilenceExpireReply Daemon::expire_silence(std::string_view id) {
  using Outcome = net::SilenceExpireReply::Outcome;
  const std::int64_t now_ms = clock_.now_ms();
  core::SilenceSet next = silences_;
  switch (next.expire(id, now_ms)) {
    case core::SilenceSet::ExpireOutcome::expired: break;
    case core::SilenceSet::ExpireOutcome::unknown: return {Outcome::unknown, ""};
    case core::SilenceSet::ExpireOutcome::read_only: return {Outcome::read_only, ""};
  }
  next.prune(now_ms);
  if (auto why = save_silences(next); !why.empty()) return {Outcome::failed, std::move(why)};
  silences_ = std::move(next);
  spdlog::info("silence {} expired", id);
  return {Outcome::expired, ""};
}

}  // namespace erralert::app
