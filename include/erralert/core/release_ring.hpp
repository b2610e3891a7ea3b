// ReleaseRing: lets go of events a few steps late, with their memory fetched ahead.
//
//   ReleaseRing ring;
//   ring.release(std::move(group.latest));   // freed kDepth releases from now
//
// A group that takes a new latest event drops the one it held, which came in long ago: in a
// storm of many distinct errors its ~12 blocks (the event, its texts, its params) are all out
// of the cache, and freeing them one after another waits on memory a dozen times per event.
// The ring holds each dropped event for kDepth more releases (each about one request apart):
// at once it asks for the event's own lines, at the next release for the blocks those point
// to, then for its JSON objects' nodes and what they hold, and at the end it frees what is by
// then in the cache. Nothing changes but when the memory is read.
#pragma once

#include <array>
#include <cstddef>
#include <memory>

#include "erralert/core/event.hpp"

namespace erralert::core {

class ReleaseRing {
 public:
  static constexpr std::size_t kDepth = 5;

  ReleaseRing() = default;
  ReleaseRing(const ReleaseRing&) = delete;
  ReleaseRing& operator=(const ReleaseRing&) = delete;

  /// Lets go of `e` kDepth releases from now (or at clear() or destruction).
  void release(std::shared_ptr<const Event> e);
  /// Lets go of everything held now.
  void clear();

 private:
  std::array<std::shared_ptr<const Event>, kDepth> held_;
  std::size_t next_ = 0;
};

}  // namespace erralert::core
