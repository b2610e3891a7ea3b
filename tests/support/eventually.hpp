// eventually(): polls a condition until it holds or a bound passes; for waiting on another
// process without sleeping a guessed amount.
//
//   ASSERT_TRUE(eventually([&] { return fake.request_count() == 2; }));
#pragma once

#include <chrono>
#include <thread>

namespace erralert::testing {

/// Polls `done` every 20 ms for at most `timeout`; true as soon as it holds.
template <class F>
bool eventually(F done, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

}  // namespace erralert::testing
