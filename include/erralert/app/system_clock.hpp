// SystemClock: the real wall clock behind core::Clock.
#pragma once

#include "erralert/core/clock.hpp"

namespace erralert::app {

class SystemClock final : public core::Clock {
 public:
  std::int64_t now_ms() const override;
};

}  // namespace erralert::app
