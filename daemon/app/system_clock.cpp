// SystemClock reads std::chrono::system_clock; nothing in core/ does.
#include "erralert/app/system_clock.hpp"

#include <chrono>

namespace erralert::app {

std::int64_t SystemClock::now_ms() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace erralert::app
