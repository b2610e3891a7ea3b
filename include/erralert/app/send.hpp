// `erralertd send`: hands one event to a running erralertd, for scripts, cron jobs and smoke tests.
//
//   SendOptions o;  o.to = "http://127.0.0.1:9780";  o.message = "backup failed";
//   int code = send_event(o, std::cout, std::cerr);   // 0 accepted, 1 refused, 3 unreachable
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace erralert::app {

struct SendOptions {
  std::string to;  ///< http://host:port[/path] or unix:PATH
  std::optional<std::string> service, message, path, method, code, severity, json_file;
  std::optional<int> status;
  std::vector<std::string> params;  ///< "key=value"
};

/// The text of `file`, or of standard input for "-". Throws std::runtime_error naming `option`
/// when the file cannot be read.
std::string read_input_text(const std::string& file, std::string_view option);

/// The event JSON the options describe (the --json file first, the flags over it).
/// Throws std::runtime_error with a clear message for a bad --json file or --param.
nlohmann::json build_event(const SendOptions& o);

/// Sends and prints the daemon's answer. Returns an exit code of CONTRACT.md section 1.
int send_event(const SendOptions& o, std::ostream& out, std::ostream& err);

}  // namespace erralert::app
