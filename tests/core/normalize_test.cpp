// Tests for route normalisation: which path segments become placeholders.
#include "erralert/core/normalize.hpp"

#include <gtest/gtest.h>

#include <string>

namespace erralert::core {
namespace {

struct RouteCase {
  std::string path;
  std::string route;
};

TEST(NormalizeTest, ReplacesParameterSegments) {
  const RouteCase cases[] = {
      {"/v1/users/48213/embeddings", "/v1/users/{id}/embeddings"},
      {"", ""},
      {"/", "/"},
      {"//", "/"},
      {"/health", "/health"},
      {"/v1/users/48213/", "/v1/users/{id}"},  // trailing slash dropped
      {"/v1//users///7", "/v1/users/{id}"},
      {"v1/users/7", "/v1/users/{id}"},  // always rooted
      {"/orders/0", "/orders/{id}"},
      {"/orders/550e8400-e29b-41d4-a716-446655440000", "/orders/{uuid}"},
      {"/orders/550E8400-E29B-41D4-A716-446655440000/items", "/orders/{uuid}/items"},
      {"/orders/550e8400e29b41d4a716446655440000", "/orders/{hex}"},  // dashless UUID: long hex
      {"/blobs/4bf92f3577b34da6", "/blobs/{hex}"},
      {"/blobs/4bf92f3577b34da", "/blobs/4bf92f3577b34da"},  // 15 hex digits: kept
      {"/commits/DEADBEEFCAFEBABE0123", "/commits/{hex}"},
      {"/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV", "/jobs/{id}"},  // ULID
      {"/jobs/01arz3ndektsv4rrffq69g5fav", "/jobs/{id}"},  // ULID, lower case
      {"/t/abcDEF123ghiJKL456mn", "/t/{id}"},             // 21 chars, letters and digits
      {"/t/sk_live_51Habcdefghijk", "/t/{id}"},            // token with '_'
      {"/docs/getting-started-with-erralert", "/docs/getting-started-with-erralert"},  // no digits
      {"/u/u123", "/u/u123"},                          // short prefixed id: left alone
      {"/v2/items", "/v2/items"},                      // version segments stay
      {"/users/jane.doe@example.com/avatar", "/users/{email}/avatar"},
      {"/users/jane.doe%40example.com", "/users/{email}"},  // percent-encoded '@'
      {"/files/%31%32%33", "/files/{id}"},                   // percent-encoded digits
      {"/files/r%C3%A9sum%C3%A9", "/files/r%C3%A9sum%C3%A9"},  // other escapes kept as sent
      {"/search?q=1&page=2", "/search"},
      {"/page/3#top", "/page/{id}"},
      {"?only=query", ""},
      {"https://api.example.com/v1/users/42?x=1", "/v1/users/{id}"},
      {"http://api.example.com", "/"},
      {"/a@b", "/a@b"},  // no dot in the domain: not an email
      {"/v1/\xEC\x82\xAC\xEC\x9A\xA9\xEC\x9E\x90/7", "/v1/\xEC\x82\xAC\xEC\x9A\xA9\xEC\x9E\x90/{id}"},
  };
  for (const auto& c : cases) EXPECT_EQ(normalize_route(c.path), c.route) << "path: " << c.path;
}

TEST(NormalizeTest, LongPathsAreLinear) {
  std::string path;
  std::string route;
  for (int i = 0; i < 20000; ++i) {
    path += "/seg/" + std::to_string(i);
    route += "/seg/{id}";
  }
  EXPECT_TRUE(normalize_route(path) == route);
  EXPECT_EQ(normalize_route(std::string(100000, '/')), "/");
  const std::string long_segment(70000, 'z');
  EXPECT_TRUE(normalize_route("/" + long_segment) == "/" + long_segment);  // no 70 KB failure output
  EXPECT_EQ(normalize_route("/" + std::string(70000, '7')), "/{id}");
  EXPECT_EQ(normalize_route("/" + std::string(70000, 'a')), "/{hex}");
}

}  // namespace
}  // namespace erralert::core
