// Ring: a first-in first-out queue in one array that grows by doubling, for the intake. Pushes
// and pops reuse the array's slots, so a queue that stays short allocates nothing once it has
// grown to its length (std::deque allocates a block per element of over 512 bytes, an Event's
// size); the array is let go when the queue empties after holding more than kKeep.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace erralert::core {

template <typename T>
class Ring {
 public:
  static constexpr std::size_t kKeep = 256;  ///< slots kept while empty

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  /// The oldest element (the queue must not be empty).
  T& front() { return slots_[head_]; }

  void push_back(T&& value) {
    if (size_ == slots_.size()) grow();
    slots_[(head_ + size_) & (slots_.size() - 1)] = std::move(value);
    ++size_;
  }

  /// Drops the oldest element (the queue must not be empty); its slot is left holding a
  /// default T, so nothing it owned outlives it.
  void pop_front() {
    slots_[head_] = T();
    head_ = (head_ + 1) & (slots_.size() - 1);
    if (--size_ == 0 && slots_.size() > kKeep) {
      slots_ = std::vector<T>();
      head_ = 0;
    }
  }

 private:
  void grow() {
    std::vector<T> bigger(slots_.empty() ? 16 : slots_.size() * 2);  // a power of 2: masks wrap it
    for (std::size_t i = 0; i < size_; ++i) bigger[i] = std::move(slots_[(head_ + i) & (slots_.size() - 1)]);
    slots_ = std::move(bigger);
    head_ = 0;
  }

  std::vector<T> slots_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace erralert::core
