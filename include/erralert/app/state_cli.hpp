// `erralertd state stats|dead-letters [--retry ID] --config FILE`: the state store of a
// storage.dir, read offline (CONTRACT.md section 1), so ops can see and re-drive what failed.
//
//   StateOptions o{.config = "/etc/erralert/erralert.yaml", .json = false};
//   return state_stats(o, std::cout, std::cerr);     // exit code
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

namespace erralert::app {

struct StateOptions {
  std::string config;                 ///< whose storage.dir to read
  bool json = false;                  ///< JSON instead of text
  std::optional<std::int64_t> retry;  ///< dead-letters --retry ID
};

/// What the store holds: size, waiting notifications per receiver, open groups, dead letters.
int state_stats(const StateOptions& o, std::ostream& out, std::ostream& err);
/// The dead letters, oldest first; with `retry`, moves that one back to its receiver's spool
/// (the daemon must be stopped; the next start delivers it).
int state_dead_letters(const StateOptions& o, std::ostream& out, std::ostream& err);

}  // namespace erralert::app
