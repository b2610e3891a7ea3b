// `erralertd silence add|list|expire`: silences of a running erralertd, from the shell (as amtool's).
//
//   SilenceOptions o;  o.to = "http://127.0.0.1:9780";  o.match = {"service=legacy-batch"};  o.for_ = "2h";
//   int code = silence_add(o, std::cout, std::cerr);   // prints the id; 0 added, 1 refused, 3 unreachable
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace erralert::app {

struct SilenceOptions {
  std::string to;     ///< http://HOST:PORT
  std::string token;  ///< server.http.token, when the daemon has one
  std::vector<std::string> match;  ///< "KEY=VALUE" (add)
  std::optional<std::string> until, for_;  ///< RFC 3339 time or a duration like 2h (add: one of them)
  std::string comment;  ///< (add)
  std::string id;       ///< (expire)
  bool json = false;    ///< (list) the daemon's JSON instead of a table
};

/// POST /v1/silences; prints the new id. Exit codes: 0 added, 1 refused (the reasons are
/// printed), 2 usage, 3 the daemon cannot be reached or failed.
int silence_add(const SilenceOptions& o, std::ostream& out, std::ostream& err);

/// GET /v1/silences as a table: id, until, match, comment, source.
int silence_list(const SilenceOptions& o, std::ostream& out, std::ostream& err);

/// DELETE /v1/silences/{id}.
int silence_expire(const SilenceOptions& o, std::ostream& out, std::ostream& err);

}  // namespace erralert::app
