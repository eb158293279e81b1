// Internal to RedisJobWorker: the Lua scripts that make its multi-key steps atomic. Each runs
// on the Redis server as one step, so a worker dying halfway never leaves a job half-moved.
// Keys and arguments are listed above each script.
#pragma once

namespace earshot::service::job_scripts {

// Marks a failed job for retry and acks its entry, in one step: a worker dying halfway would
// otherwise lose the job (acked, never scheduled) or run it twice (scheduled, never acked).
// A job that another worker finished meanwhile (it took the entry over while this one was cut
// off from Redis) keeps its outcome. Due times come from Redis's clock, so workers' clocks
// need not agree.
// KEYS: job hash, delayed set, stream. ARGV: job id, entry id, group, error, delay ms, ttl s.
inline constexpr const char* kRetry = R"lua(
redis.call('XACK', KEYS[3], ARGV[3], ARGV[2])
redis.call('XDEL', KEYS[3], ARGV[2])
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'succeeded' or status == 'failed' then return 0 end
local now = redis.call('TIME')
local due = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) + tonumber(ARGV[5])
redis.call('HSET', KEYS[1], 'status', 'queued', 'error', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[6])
redis.call('ZADD', KEYS[2], string.format('%.0f', due), ARGV[1])
return 1
)lua";

// Fails a job for good and lists it in the dead-letter stream, in one step, unless it already
// has an outcome (a second worker never lists a job twice or turns a success into a failure).
// KEYS: job hash, dead-letter stream. ARGV: job id, error, finished_at, attempts, ttl s, cap.
inline constexpr const char* kFail = R"lua(
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'succeeded' or status == 'failed' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'failed', 'error', ARGV[2], 'finished_at', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[6], '*', 'id', ARGV[1], 'error', ARGV[2],
           'attempts', ARGV[4])
return 1
)lua";

// Starts a try: status running and one more attempt, unless the job already has an outcome
// (a worker that took the entry over must not turn a stored success back into "running").
// Returns the attempts so far, or -1 when the job is finished. KEYS: job hash. ARGV: ttl s.
inline constexpr const char* kStart = R"lua(
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'succeeded' or status == 'failed' then return -1 end
redis.call('HSET', KEYS[1], 'status', 'running')
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('EXPIRE', KEYS[1], ARGV[1])
return attempts
)lua";

// Stores a success unless the job already failed for good (a worker cut off from Redis past
// the visibility timeout finishing after another one gave up): 1 stored, 0 not.
// KEYS: job hash. ARGV: result, finished_at, ttl s.
inline constexpr const char* kSucceed = R"lua(
if redis.call('HGET', KEYS[1], 'status') == 'failed' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'succeeded', 'result', ARGV[1], 'error', '',
           'finished_at', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
)lua";

// Moves due retries back into the stream; atomic, so two workers never both move one id.
// KEYS: delayed set, stream. ARGV: most ids to move.
inline constexpr const char* kPromote = R"lua(
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', ms),
                       'LIMIT', 0, tonumber(ARGV[1]))
for _, id in ipairs(due) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('XADD', KEYS[2], '*', 'id', id)
end
return #due
)lua";

}  // namespace earshot::service::job_scripts
