// libFuzzer target for the config loader: any bytes either load or throw ConfigError, nothing else.
//
//   clang++ -fsanitize=fuzzer,address ... && ./fuzz_config tests/fuzz/corpus/config
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "erralert/config/config.hpp"

namespace {

// A fixed environment, so that ${VAR} paths are explored both set and unset.
std::optional<std::string> fuzz_env(const std::string& name) {
  if (name == "DISCORD_WEBHOOK_URL") return "https://discord.com/api/webhooks/1/abc";
  if (name == "ERRALERT_TOKEN") return "t0ken";
  if (name == "EMPTY") return "";
  return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const erralert::config::Config cfg = erralert::config::parse_config(text, "fuzz.yaml", fuzz_env);
    // A config that loads has at least one receiver and one route, as the daemon relies on.
    if (cfg.receivers.empty() || cfg.routes.empty()) __builtin_trap();
  } catch (const erralert::config::ConfigError& e) {
    if (e.problems().empty()) __builtin_trap();
  }
  return 0;
}
