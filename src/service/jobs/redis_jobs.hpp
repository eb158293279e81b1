// Durable background jobs on Redis Streams: RedisJobQueue is what the API replicas submit to
// and look jobs up in; RedisJobWorker is what `earshot worker` runs, on any number of
// machines. Everything they share lives in Redis (a single server or primary; not Cluster):
//
//   earshot:v1:job:<id>       hash: status, request (JSON), attempts, created_at, error, result,
//                             finished_at, callback; EXPIREs `ttl` after its last change
//   earshot:v1:jobs           stream of {id}: the work; consumer group "earshot-workers"
//   earshot:v1:jobs:delayed   sorted set: job ids waiting for a retry, scored by due time (ms)
//   earshot:v1:jobs:dead      stream of {id, error, attempts}: jobs that failed for good
//                             (capped at about 100,000 entries)
//
// Protocol (at-least-once; a stored result is never recomputed):
//   * submit: the hash and the stream entry are written in one MULTI/EXEC.
//   * a worker thread that is free reads ONE entry (XREADGROUP ... COUNT 1 BLOCK), so no entry
//     waits inside a worker while its threads are busy. A record that already says succeeded
//     or failed is acked without running anything; else status running, attempts + 1, handler.
//   * success: result and status are stored first, the callback is sent, and only then the
//     entry is acked (and deleted): a worker dying in between leaves an entry that the next
//     worker acks without recomputing (and whose callback it sends, when none was recorded).
//   * a retryable failure with attempts < max_attempts: one Lua script acks the entry, stores
//     the error and puts the id in the delayed set due after retry_backoff * 2^(attempts-1)
//     (Redis's clock); workers move due ids back into the stream with another script.
//   * a permanent failure, or attempts == max_attempts: one script sets status failed and adds
//     the dead-letter entry; then the callback, then the ack. A job whose worker died on its
//     last attempt is failed the same way when it is next delivered. Neither script touches
//     a job that already has an outcome (a duplicate run never undoes a success).
//     (The scripts: redis_job_scripts.hpp.)
//   * reclaim: idle workers XAUTOCLAIM entries idle longer than visibility_timeout (a crashed
//     worker's). While a job runs, its worker re-claims the entry for itself every
//     visibility_timeout / 3 (only if it still owns it), so a long job is not taken over.
//     Every worker must use the same visibility_timeout.
//   * Redis trouble: every step is retried with backoff (up to 2 s apart) until Redis answers;
//     an entry is never dropped because a call failed, and the worker never exits because of
//     it. A lost stream or group (a Redis restarted without persistence) is recreated; what
//     was in it is lost with it, so durability across Redis restarts needs Redis persistence
//     (AOF). A job's steps are idempotent, so one retried after a lost reply does no harm
//     (at most, attempts counts one try twice).
//   * a record whose TTL ran out before its entry was read is skipped (acked, not run).
//
//   auto redis = std::make_shared<RedisClient>(RedisClientOptions{...});
//   RedisJobQueue queue(redis, {}, metrics);
//   auto id = queue.submit({.audio_url = "https://example.com/a.mp3"});
//
//   RedisJobWorker worker(redis, handler, {.max_attempts = 3}, callbacks, metrics);
//   std::thread signals([&] { wait_for_sigterm(); worker.stop(); });
//   worker.run(config.worker_jobs);   // blocks until stop()
//
// Both classes are thread-safe. Errors from Redis come back as ErrorCode::unavailable.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "service/jobs/jobs.hpp"
#include "service/redis/consumer_group.hpp"
#include "service/telemetry/log_level.hpp"

namespace earshot::service {

class CallbackSender;
class RedisClient;
class ServiceLog;
struct RedisReply;
struct ServiceMetrics;
struct StoredJob;  // redis_job_records.hpp (internal)

// The key layout above, for tools and tests.
inline constexpr std::string_view kJobStreamKey = "earshot:v1:jobs";
inline constexpr std::string_view kJobDelayedKey = "earshot:v1:jobs:delayed";
inline constexpr std::string_view kJobDeadLetterKey = "earshot:v1:jobs:dead";
inline constexpr std::string_view kJobGroup = "earshot-workers";
std::string job_record_key(std::string_view id);  // "earshot:v1:job:<id>"

struct RedisJobOptions {
  int max_attempts = 3;                                  // tries before the dead-letter stream
  std::chrono::milliseconds visibility_timeout{300000};  // an entry idle longer is reclaimed
  std::chrono::milliseconds retry_backoff{1000};         // before the 2nd try; doubles each time
  std::chrono::seconds ttl{86400};        // job records live this long after a change
  std::chrono::milliseconds block{1000};  // longest XREADGROUP wait (bounds stop())
  std::string consumer;                   // unique per worker; empty: "<hostname>-<pid>-<random>"
};

class RedisJobQueue final : public JobQueue {
 public:
  // `metrics` may be null.
  RedisJobQueue(std::shared_ptr<RedisClient> redis, RedisJobOptions options,
                std::shared_ptr<ServiceMetrics> metrics);

  std::string_view kind() const override { return "redis"; }
  core::Result<std::string> submit(const JobRequest& request) override;
  core::Result<std::optional<JobRecord>> find(const std::string& id) override;

 private:
  std::shared_ptr<RedisClient> redis_;
  RedisJobOptions options_;
  std::shared_ptr<ServiceMetrics> metrics_;
};

class RedisJobWorker {
 public:
  // `callbacks`, `metrics` and `log` may be null (no callbacks, no metrics, no log lines).
  RedisJobWorker(std::shared_ptr<RedisClient> redis, JobHandler handler, RedisJobOptions options,
                 std::shared_ptr<CallbackSender> callbacks, std::shared_ptr<ServiceMetrics> metrics,
                 std::shared_ptr<ServiceLog> log = nullptr);
  ~RedisJobWorker();
  RedisJobWorker(const RedisJobWorker&) = delete;
  RedisJobWorker& operator=(const RedisJobWorker&) = delete;

  // Runs `concurrency` jobs at a time (at least 1) until stop(); call once. After stop() no
  // entry is read; running jobs finish and are stored and acked as usual (if Redis is down
  // then, their steps are retried for a few seconds, then left pending for reclaiming). An
  // entry that arrives in the read that was waiting when stop() came is handed back at once
  // (acked and re-added to the stream, atomically), not held until it is reclaimed. Returns
  // within about `block` plus the running jobs' time.
  void run(int concurrency);
  // Thread-safe; callable from any thread, before or during run().
  void stop();

  const std::string& consumer() const { return options_.consumer; }

 private:
  using Entry = GroupEntry;  // its id is the job's (empty for a malformed entry)
  void read_loop();
  void keep_loop();
  core::Result<std::optional<Entry>> next_entry();
  core::Result<std::optional<Entry>> reclaim_one();
  core::Result<std::optional<Entry>> read_one();
  void ack(const Entry& entry);
  void process(const Entry& entry);
  // The entry's job record (nullopt when it expired); false when Redis could not be read.
  bool load(const Entry& entry, std::optional<StoredJob>& job);
  void run_job(const Entry& entry, StoredJob& job);
  void finish(const Entry& entry, StoredJob& job, const core::Result<std::string>& outcome);
  void fail_for_good(const Entry& entry, StoredJob& job, const std::string& error);
  void after_terminal(const Entry& entry, StoredJob& job);
  core::Result<std::string> call_handler(const JobRequest& request);
  void hand_back(const Entry& entry);
  bool is_running_here(const std::string& entry_id);
  void promote_due();
  void heartbeat();
  void leave_group();

  // Runs `step` until it succeeds: Redis trouble is waited out with backoff while the worker
  // runs, and for a few seconds more once stop() was called. False when it gave up.
  bool persist(std::string_view what, const std::function<core::Status()>& step);
  // Waits up to `delay`; false as soon as stop() is called.
  bool pause(std::chrono::milliseconds delay);
  bool stopping() const { return stopping_.load(); }
  void count(const char* event);
  void note(LogLevel level, std::string_view text, std::string_view job_id,
            std::string_view detail);

  std::shared_ptr<RedisClient> redis_;
  std::unique_ptr<ConsumerGroup> work_;  // the jobs stream
  JobHandler handler_;
  RedisJobOptions options_;
  std::shared_ptr<CallbackSender> callbacks_;
  std::shared_ptr<ServiceMetrics> metrics_;
  std::shared_ptr<ServiceLog> log_;

  std::atomic<bool> stopping_{false};
  std::atomic<bool> readers_done_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::set<std::string> running_;  // entry ids being handled here; guarded by mutex_

  std::mutex reclaim_mutex_;  // one reclaim scan at a time per worker
  std::string reclaim_cursor_ = "0-0";
  std::chrono::steady_clock::time_point next_reclaim_{};
};

}  // namespace earshot::service
