// The Lua scripts that make fleet mode's shared state atomic in Redis (CONTRACT.md section 8).
//
//   const Script& s = scripts::report;   // EVALSHA s.sha1() 2 <owner key> <counts key> <me> <lease> <count> <ttl>
//
// Each script is one atomic step on one group or one receiver, so a count is added, taken or
// handed over in exactly one place whatever the sidecars do at the same moment. Their replies:
//
// report  KEYS owner, counts  ARGV me, lease_ms, count, ttl_ms
//   A sidecar's own notification of a group (its `first` or `summary`, `count` events). When no
//   one owns the group, or the caller does, the caller (re)takes the lease and what the others
//   added since the last take: {1 claimed | 2 owned, taken, total}. When another sidecar owns it,
//   `count` is added for that owner to report: {0, 0, total}.
// sweep   KEYS owner, counts  ARGV me, lease_ms, release (1|0)
//   A sidecar's look at a group it reported to, once a window: what the others added is taken by
//   the owner, or by anyone once the owner's lease ran out (a takeover): {1|2, taken, total}. An
//   owner with nothing to take keeps the lease ({2, 0, total}), or with release=1 gives the group
//   up ({3, 0, total}); a group no one owns with nothing in it is gone ({4, 0, total}); one that
//   another live sidecar owns is left to it ({0, 0, total}).
// pace    KEYS sends, hold  ARGV member, count1, per1_ms, count2, per2_ms, ...
//   One request to a receiver, paced for the whole fleet by sliding windows on Redis's own clock
//   (so hosts' clocks need not agree), each a tenth wider (50 ms to 500 ms) for the spread of
//   the sends' delays to the platform: 0 when it may go now (and it is counted), else how many
//   milliseconds to wait (for a window, or for a hold a platform asked for).
// hold    KEYS hold  ARGV ms
//   A platform said "wait" (429, an exhausted bucket): nothing goes to it from any sidecar for
//   `ms`, unless a longer hold is already in force.
#pragma once

#include <mutex>
#include <string>
#include <string_view>

namespace erralert::cluster {

class Script {
 public:
  constexpr Script(std::string_view name, std::string_view source) : name(name), source(source) {}
  Script(const Script&) = delete;
  Script& operator=(const Script&) = delete;

  /// Its SHA-1 in hex, for EVALSHA. Computed on first use, so a daemon outside fleet mode
  /// never starts OpenSSL's digest providers (about 2 MB of RSS, paid before main when it was
  /// computed at static initialisation).
  const std::string& sha1() const;

  const std::string_view name;
  const std::string_view source;

 private:
  mutable std::once_flag once_;
  mutable std::string sha1_;
};

namespace scripts {

/// Roles in report and sweep replies.
enum Role : int { other = 0, claimed = 1, owned = 2, released = 3, gone = 4 };

extern const Script report;
extern const Script sweep;
extern const Script pace;
extern const Script hold;

}  // namespace scripts
}  // namespace erralert::cluster
