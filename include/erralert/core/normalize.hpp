// Route normalisation: request paths with their ids replaced, so one endpoint is one group.
//
//   normalize_route("/v1/users/48213/embeddings") == "/v1/users/{id}/embeddings"
#pragma once

#include <string>
#include <string_view>

namespace erralert::core {

/// `path` without query or fragment, each segment that is a parameter replaced by a
/// placeholder: numbers -> {id}, UUIDs -> {uuid}, long hex (>= 16 digits) -> {hex},
/// other id-like tokens (ULIDs, mixed letters and digits of 20+ chars, emails) -> {id} etc.
///
/// Segments are classified in this order, percent-escapes decoded for the test only:
///   all digits -> {id}; 8-4-4-4-12 hex -> {uuid}; >= 16 hex digits -> {hex};
///   ULID (26 Crockford base32, first 0-7) -> {id}; >= 20 of [A-Za-z0-9_-] with both a letter
///   and a digit -> {id}; local@domain.tld -> {email}; anything else is kept as sent ("u123",
///   "v2", slugs without digits). The route is always rooted ("/" for a bare origin or "/"),
///   empty for an empty path; duplicate slashes collapse and a trailing slash is dropped, so
///   "/users/" and "/users" group together (the path itself is kept as sent). A leading
///   "scheme://authority" is removed. Normalising a route again changes nothing.
std::string normalize_route(std::string_view path);

}  // namespace erralert::core
