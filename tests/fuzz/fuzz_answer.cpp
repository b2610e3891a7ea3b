// libFuzzer target for the platform answer parsers: any status, Retry-After / X-RateLimit-*
// header and body (Discord's JSON `retry_after`, Slack's plain text) gives a verdict, a wait
// within (0, 15 min] for a 429, and a bucket hint within the same bounds; nothing throws.
//
//   ./fuzz_answer corpus/answer -runs=20000
#include <fuzzer/FuzzedDataProvider.h>

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "erralert/core/delivery_policy.hpp"
#include "erralert/core/retry_schedule.hpp"

namespace {

using namespace erralert::core;
using std::chrono::milliseconds;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

bool sane_wait(milliseconds w) { return w.count() > 0 && w <= std::chrono::minutes(15); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  Answer a;
  a.status = in.ConsumeIntegralInRange(0, 999);
  for (const char* name : {"retry-after", "x-ratelimit-remaining", "x-ratelimit-reset-after"}) {
    if (in.ConsumeBool()) a.headers[name] = in.ConsumeRandomLengthString(64);
  }
  a.body = in.ConsumeRemainingBytesAsString();

  for (Platform p : {Platform::discord, Platform::slack, Platform::webhook}) {
    const Decision d = classify_answer(p, a);
    if (d.verdict == Verdict::rate_limited) check(sane_wait(d.wait));
    if (a.status >= 200 && a.status < 300) check(d.verdict == Verdict::delivered);
    if (a.status >= 500) check(d.verdict == Verdict::retry);
    // Whatever the answer, the schedule moves forward in time and stays bounded.
    RetrySchedule s({{5, std::chrono::seconds(2)}}, {});
    Attempt head{.created_ms = 0};
    s.sent(0);
    const auto step = s.after(head, d, bucket_exhausted_wait(a), 0, 0.5);
    if (step == RetrySchedule::Step::again) {
      check(head.next_attempt_ms > 0 && head.next_attempt_ms <= 15 * 60 * 1000);
    }
  }
  check(sane_wait(rate_limit_wait(a)));
  if (auto w = bucket_exhausted_wait(a)) check(sane_wait(*w));
  return 0;
}
