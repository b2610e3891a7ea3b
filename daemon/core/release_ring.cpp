// ReleaseRing: a ring of kDepth events; each release fetches one more level of every held
// event's memory (its own lines, the blocks they point to, its JSON objects' nodes, what those
// hold, two entries deep) and frees the oldest.
#include "erralert/core/release_ring.hpp"

#include <cstdint>
#include <string>

namespace erralert::core {
namespace {

constexpr std::ptrdiff_t kLine = 64;

// Every helper is always_inline: GCC takes a function that only prefetches for one without
// effects and drops the calls to it.
#define ERRALERT_FETCH [[gnu::always_inline]] inline

ERRALERT_FETCH void fetch(const void* p) { __builtin_prefetch(p); }
/// `offset` bytes from `p`, which may lie outside p's object (a malloc header, the control
/// block before a shared object): only ever fetched, never read.
ERRALERT_FETCH void fetch(const void* p, std::ptrdiff_t offset) {
  __builtin_prefetch(reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(p) + offset));
}

/// The event and the shared_ptr count beside it (one block from make_shared).
ERRALERT_FETCH void fetch_event(const Event* e) {
  constexpr auto kCount = -2 * static_cast<std::ptrdiff_t>(sizeof(void*));
  for (std::ptrdiff_t at = kCount; at < static_cast<std::ptrdiff_t>(sizeof(Event)); at += kLine) fetch(e, at);
}

/// A heap block: its malloc header and first bytes, what free() reads and writes.
ERRALERT_FETCH void fetch_block(const void* p) {
  fetch(p, -static_cast<std::ptrdiff_t>(sizeof(std::size_t)));
  fetch(p);
}

ERRALERT_FETCH void fetch_text(const std::string& s) {
  if (s.capacity() > 15) fetch_block(s.data());  // longer than the in-place buffer
}

ERRALERT_FETCH void fetch_json(const nlohmann::json& j) {
  if (j.is_object()) fetch_block(j.get_ptr<const nlohmann::json::object_t*>());
  if (j.is_array()) fetch_block(j.get_ptr<const nlohmann::json::array_t*>());
  if (j.is_string()) fetch_block(j.get_ptr<const std::string*>());
}

/// What the event points to; its own lines are in the cache by now.
ERRALERT_FETCH void fetch_parts(const Event& e) {
  for (const std::string* s : text_fields(e)) fetch_text(*s);
  for (const nlohmann::json* j : json_fields(e)) fetch_json(*j);
  if (!e.errors.empty()) fetch_block(e.errors.data());
  if (!e.fingerprint.empty()) fetch_block(e.fingerprint.data());
}

/// Entry n of each JSON object of the event (its tree node) and what entry n - 1 holds; the
/// nodes before n are in the cache by then, so walking to it does not wait.
ERRALERT_FETCH void fetch_entry(const Event& e, std::size_t n) {
  for (const nlohmann::json* j : json_fields(e)) {
    const auto* object = j->get_ptr<const nlohmann::json::object_t*>();
    if (!object) continue;
    auto it = object->begin();
    for (std::size_t i = 0; i + 1 < n && it != object->end(); ++i) ++it;
    if (n > 0 && it != object->end()) fetch_json((it++)->second);
    if (it == object->end()) continue;
    fetch_block(&*it);
    fetch(&*it, -5 * static_cast<std::ptrdiff_t>(sizeof(void*)));  // the node's malloc header and links
    fetch(&*it, kLine / 2);
  }
}

/// What is fetched of an event `age` releases after its own: by then the step before is in
/// the cache, and a step never waits on memory.
ERRALERT_FETCH void fetch_step(const Event& e, std::size_t age) {
  if (age == 1) fetch_parts(e);
  if (age >= 2) fetch_entry(e, age - 2);
}

#undef ERRALERT_FETCH

}  // namespace

void ReleaseRing::release(std::shared_ptr<const Event> e) {
  if (e) fetch_event(e.get());
  for (std::size_t age = 1; age < kDepth; ++age) {
    if (const auto& held = held_[(next_ + kDepth - age) % kDepth]) fetch_step(*held, age);
  }
  held_[next_] = std::move(e);  // frees the oldest (unless another holder still has it)
  next_ = (next_ + 1) % kDepth;
}

void ReleaseRing::clear() {
  for (auto& e : held_) e.reset();
}

}  // namespace erralert::core
