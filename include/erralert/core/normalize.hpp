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
std::string normalize_route(std::string_view path);

}  // namespace erralert::core
