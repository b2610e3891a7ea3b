// ReleaseRing: every released event is let go of exactly kDepth releases later (or at clear()
// or destruction), whatever it holds; an event someone else still holds stays alive.
#include "erralert/core/release_ring.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace erralert::core {
namespace {

/// Events of every shape the ring walks: texts in place and on the heap, JSON objects of
/// zero, one and many entries (strings, numbers, nested objects, arrays), errors, fingerprint.
std::shared_ptr<const Event> shaped(int i) {
  Event e;
  e.service = "payment-api";
  e.message = std::string(static_cast<std::size_t>(i % 3) * 20, 'm');
  e.detail = i % 2 ? "feign.FeignException$BadGateway: [502 Bad Gateway]" : "";
  e.request.path = "/v1/users/48213/embeddings";
  switch (i % 5) {
    case 0: break;  // params null
    case 1: e.request.params = nlohmann::json::object(); break;
    case 2: e.request.params = {{"model", "m"}}; break;
    case 3: e.request.params = {{"a", 1}, {"b", std::string(40, 'b')}, {"c", {{"d", {1, 2, 3}}}}}; break;
    default: e.request.params = nlohmann::json::array({"x", std::string(30, 'y')}); break;
  }
  if (i % 2) e.request.headers = {{"user-agent", std::string(50, 'u')}};
  if (i % 3 == 0) e.tags = {{"team", "payments"}};
  if (i % 4 == 1) e.extra = {{"unknown", {{"deep", std::string(20, 'z')}}}};
  if (i % 3 == 2) e.errors.push_back({"email", "not-an-email", "must be a well-formed email address"});
  if (i % 4 == 3) e.fingerprint = {"{{ default }}", std::string(24, 'f')};
  return std::make_shared<const Event>(std::move(e));
}

TEST(ReleaseRing, LetsGoOfEachEventExactlyKDepthReleasesLater) {
  ReleaseRing ring;
  std::vector<std::weak_ptr<const Event>> released;
  constexpr int kEvents = 40;
  for (int i = 0; i < kEvents; ++i) {
    auto e = shaped(i);
    released.push_back(e);
    ring.release(std::move(e));
    for (int j = 0; j <= i; ++j) {
      const bool gone = i - j >= static_cast<int>(ReleaseRing::kDepth);
      ASSERT_EQ(released[j].expired(), gone) << "event " << j << " after release " << i;
    }
  }
  ring.clear();
  for (const auto& w : released) EXPECT_TRUE(w.expired()) << "clear() lets go of everything held";
}

TEST(ReleaseRing, NullReleasesCountAsReleasesAndSharedEventsStayAlive) {
  ReleaseRing ring;
  auto kept = shaped(3);
  std::weak_ptr<const Event> dropped;
  {
    auto e = shaped(4);
    dropped = e;
    ring.release(std::move(e));
  }
  ring.release(kept);  // someone else holds it too
  for (std::size_t i = 2; i < ReleaseRing::kDepth; ++i) ring.release(nullptr);
  EXPECT_FALSE(dropped.expired());
  ring.release(nullptr);
  EXPECT_TRUE(dropped.expired()) << "kDepth releases later, null ones included";
  for (std::size_t i = 0; i < ReleaseRing::kDepth; ++i) ring.release(nullptr);
  ASSERT_EQ(kept.use_count(), 1) << "the ring let go of its reference";
  EXPECT_EQ(kept->request.params["b"], std::string(40, 'b')) << "and the event itself is untouched";
}

TEST(ReleaseRing, DestructionLetsGoOfEverythingHeld) {
  std::vector<std::weak_ptr<const Event>> released;
  {
    ReleaseRing ring;
    for (int i = 0; i < 3; ++i) {
      auto e = shaped(i);
      released.push_back(e);
      ring.release(std::move(e));
    }
    EXPECT_FALSE(released[0].expired());
  }
  for (const auto& w : released) EXPECT_TRUE(w.expired());
}

}  // namespace
}  // namespace erralert::core
