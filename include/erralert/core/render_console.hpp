// Console rendering: one readable line per notification, for the `console` receiver.
//
//   render_console(n) ==
//     "2026-11-22T04:49:46Z ERROR payment-api env=prod method=POST route=/v1/users/{id}/embeddings"
//     " status=502 code=FEP-SEC-01001 message=\"open AI 연동 오류 : /embeddings\" count=1 kind=first"
//     " trace=4bf9... host=web-3 fingerprint=1f0c..."
#pragma once

#include <string>

#include "erralert/core/notification.hpp"

namespace erralert::core {

/// One line, no trailing newline: the first group in full, then how many more groups and events
/// a digest holds. Control characters in event text are escaped so nothing can forge a line.
std::string render_console(const Notification& n);

/// render_console, appended to `out` (the console receiver's buffer).
void render_console(const Notification& n, std::string& out);

}  // namespace erralert::core
