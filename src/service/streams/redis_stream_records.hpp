// Internal to RedisStreams and RedisStreamWorker: the hash fields of a stream's record, the
// Lua scripts that change it atomically, and reading a stream back. The layout and the
// protocol are described in redis_streams.hpp.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "service/redis/redis_client.hpp"

namespace earshot::service {

namespace stream_field {
inline constexpr const char* request =
    "request";                                 // {url, max_seconds, callback_url, started_at_ms}
inline constexpr const char* state = "state";  // the state's JSON, without segments
inline constexpr const char* segments = "segments";
inline constexpr const char* owner = "owner";
inline constexpr const char* stop = "stop";
inline constexpr const char* callback = "callback";
}  // namespace stream_field

// The state with "segments" (nullopt when there is no such stream).
core::Result<std::optional<nlohmann::ordered_json>> load_stream(RedisClient& redis,
                                                                const std::string& id);

// Ends the stream with `final_state` if its `guard` field ("owner" or "state") still holds
// `expected` (stream_scripts::kEnd); false when it did not.
core::Result<bool> end_stream(RedisClient& redis, const std::string& id, std::string_view guard,
                              const std::string& expected, const std::string& final_state,
                              std::chrono::seconds ttl);

// `state` (a state's JSON) as it ends now without a monitor: finished, for `reason`.
std::string ended_without_monitor(nlohmann::ordered_json state, std::string_view reason);

namespace stream_scripts {

// Starts a stream unless max_streams have not ended; 1 started, 0 refused. Members of the
// active set are scored by when their stream must have ended (plus a minute), so that one
// whose worker vanished for good stops counting then.
// KEYS: active set, record, work stream. ARGV: id, request, state, max_streams, max_seconds,
// ttl s.
inline constexpr const char* kStart = R"lua(
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', ms))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], string.format('%.0f', ms + tonumber(ARGV[5]) * 1000 + 60000), ARGV[1])
redis.call('HSET', KEYS[2], 'request', ARGV[2], 'state', ARGV[3], 'segments', 0)
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[5]) + tonumber(ARGV[6]))
redis.call('XADD', KEYS[3], '*', 'id', ARGV[1])
return 1
)lua";

// A worker takes the stream: compare and set on the state it read, so that a DELETE or another
// worker that changed it meanwhile wins. 1 taken, 0 changed meanwhile.
// KEYS: record. ARGV: the state read, the running state, consumer.
inline constexpr const char* kClaim = R"lua(
if redis.call('HGET', KEYS[1], 'state') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'owner', ARGV[3])
return 1
)lua";

// Adds the next segment, if the caller still owns the stream; its number (1, 2, …), or -1.
// KEYS: record, segments. ARGV: consumer, segment, the state after it.
inline constexpr const char* kPublish = R"lua(
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return -1 end
local n = redis.call('HINCRBY', KEYS[1], 'segments', 1)
redis.call('XADD', KEYS[2], '0-' .. n, 'segment', ARGV[2])
redis.call('HSET', KEYS[1], 'state', ARGV[3])
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
return n
)lua";

// Stores a stream's final state, if its field ARGV[1] still holds ARGV[2]: "owner" and the
// caller for the worker that follows it; "state" and the state it read for a stream no monitor
// follows (still queued, or found stopped or past its deadline by a worker). 1 done, 0 not.
// KEYS: record, active set, segments. ARGV: field, expected value, final state, ttl s, id.
inline constexpr const char* kEnd = R"lua(
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[3])
redis.call('HDEL', KEYS[1], 'owner')
redis.call('ZREM', KEYS[2], ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[4])
if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('EXPIRE', KEYS[3], ARGV[4]) end
return 1
)lua";

// Asks the stream's worker to stop it (never re-creating an expired record); 1 asked, 0 none.
// KEYS: record.
inline constexpr const char* kAskStop = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'stop', '1')
return 1
)lua";

}  // namespace stream_scripts
}  // namespace earshot::service
