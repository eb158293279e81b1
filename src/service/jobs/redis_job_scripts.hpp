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

// Resets the idle time of the entries this consumer still owns. XCLAIM alone would also take
// back an entry another worker already reclaimed; the XPENDING check makes it "only if mine".
// KEYS: stream. ARGV: group, consumer, entry ids...
inline constexpr const char* kHeartbeat = R"lua(
local kept = 0
for i = 3, #ARGV do
  local mine = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2])
  if #mine > 0 then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    kept = kept + 1
  end
end
return kept
)lua";

// Returns an entry read but not started: Redis has no "unclaim", so the entry is acked and
// the job added again at the end of the stream, in one step (only if it was still pending).
// KEYS: stream. ARGV: group, entry id, job id.
inline constexpr const char* kHandBack = R"lua(
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('XDEL', KEYS[1], ARGV[2])
  redis.call('XADD', KEYS[1], '*', 'id', ARGV[3])
  return 1
end
return 0
)lua";

// Removes this consumer from the group when it owns nothing, so that stopped workers do not
// pile up in XINFO CONSUMERS (DELCONSUMER would drop entries it still owned).
// KEYS: stream. ARGV: group, consumer.
inline constexpr const char* kLeave = R"lua(
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
if #pending == 0 then
  return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
end
return -1
)lua";

}  // namespace earshot::service::job_scripts
