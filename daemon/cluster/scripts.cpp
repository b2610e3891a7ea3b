// The fleet's Lua scripts and their SHA-1 digests (EVALSHA names a script by its digest).
#include "erralert/cluster/scripts.hpp"

#include <openssl/sha.h>

#include "erralert/core/text.hpp"

namespace erralert::cluster {

const std::string& Script::sha1() const {
  std::call_once(once_, [this] {
    unsigned char digest[SHA_DIGEST_LENGTH];
    ::SHA1(reinterpret_cast<const unsigned char*>(source.data()), source.size(), digest);
    sha1_ = core::to_hex(digest);
  });
  return sha1_;
}

namespace scripts {
namespace {

constexpr std::string_view kReport = R"lua(
local owner = redis.call('GET', KEYS[1])
local count = tonumber(ARGV[3])
local total = redis.call('HINCRBY', KEYS[2], 'total', count)
if owner and owner ~= ARGV[1] then
  redis.call('HINCRBY', KEYS[2], 'pending', count)
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
  return {0, 0, total}
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local taken = tonumber(redis.call('HGET', KEYS[2], 'pending') or '0')
redis.call('HSET', KEYS[2], 'pending', 0)
redis.call('PEXPIRE', KEYS[2], ARGV[4])
if owner then return {2, taken, total} end
return {1, taken, total}
)lua";

constexpr std::string_view kSweep = R"lua(
local owner = redis.call('GET', KEYS[1])
local pending = tonumber(redis.call('HGET', KEYS[2], 'pending') or '0')
local total = tonumber(redis.call('HGET', KEYS[2], 'total') or '0')
if owner and owner ~= ARGV[1] then return {0, 0, total} end
if pending > 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  redis.call('HSET', KEYS[2], 'pending', 0)
  if owner then return {2, pending, total} end
  return {1, pending, total}
end
if not owner then return {4, 0, total} end
if ARGV[3] == '1' then
  redis.call('DEL', KEYS[1])
  return {3, 0, total}
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {2, 0, total}
)lua";

constexpr std::string_view kPace = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local held = redis.call('PTTL', KEYS[2])
if held > 0 then return held end
-- Each window is kept a little wider than the platform's (a tenth, 50 ms to 500 ms): sends
-- granted here reach the platform after different delays (one host opens a connection, another
-- has one), and the platform counts arrivals.
local function span(per) return per + math.min(math.max(math.floor(per / 10), 50), 500) end
local longest = 1
for i = 2, #ARGV, 2 do
  local per = span(tonumber(ARGV[i + 1]))
  if per > longest then longest = per end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - longest)
local wait = 0
for i = 2, #ARGV, 2 do
  local count = tonumber(ARGV[i])
  local per = span(tonumber(ARGV[i + 1]))
  local inside = redis.call('ZRANGEBYSCORE', KEYS[1], now - per + 1, '+inf', 'WITHSCORES')
  local n = #inside / 2
  if n >= count then
    -- the send that must leave the window before one more fits in it
    local leaves = tonumber(inside[2 * (n - count) + 2]) + per - now
    if leaves > wait then wait = leaves end
  end
end
if wait > 0 then return wait end
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], longest)
return 0
)lua";

constexpr std::string_view kHold = R"lua(
local left = redis.call('PTTL', KEYS[1])
if left < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 0
)lua";

}  // namespace

const Script report{"report", kReport};
const Script sweep{"sweep", kSweep};
const Script pace{"pace", kPace};
const Script hold{"hold", kHold};

}  // namespace scripts
}  // namespace erralert::cluster
