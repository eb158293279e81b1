// The job queue without Redis: jobs live in this process's memory and run on its own threads.
// SINGLE NODE AND NOT DURABLE: a job is known only to the replica it was submitted to, and
// queued or waiting jobs are lost when the process stops or crashes. Use RedisJobQueue
// (redis_jobs.hpp) for anything that must survive a restart or be shared between replicas.
//
//   MemoryJobQueue queue(handler, {.concurrency = config.worker_jobs}, callbacks, metrics);
//   auto id = queue.submit({.audio_url = "https://example.com/a.mp3"});
//   auto record = queue.find(*id);   // queued, running, succeeded or failed
//
// Behaves like the Redis queue otherwise: the same statuses and attempt counting, retries of
// retryable errors after retry_backoff * 2^(attempts-1) up to max_attempts, and a callback
// (when the request has a callback_url and a CallbackSender is given) after success or final
// failure, sent by the thread that ran the job; its failure never changes the job's result.
// Finished records are forgotten `ttl` after they finished.
//
// Records are capped in number (max_records) and in estimated bytes (max_record_bytes; a
// record's strings and result, plus a fixed overhead). Over either cap, finished records go
// first, oldest finished first; a queued or running job's record is never dropped: when the
// unfinished ones alone leave no room, submit() refuses the new job (unavailable). A finished
// record larger than max_record_bytes on its own is dropped as soon as it finishes.
//
// Thread-safe. The destructor stops taking jobs, lets running jobs finish (and their callbacks
// be sent), drops the queued ones and joins its threads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "service/jobs/jobs.hpp"

namespace earshot::service {

class CallbackSender;
struct ServiceMetrics;

struct MemoryJobOptions {
  int concurrency = 1;  // jobs run at once (threads)
  std::size_t max_queued =
      10000;             // jobs waiting (queued or between retries); more: unavailable (503)
  int max_attempts = 3;  // tries before a job fails for good
  std::chrono::milliseconds retry_backoff{1000};  // before the 2nd try; doubles each time
  std::chrono::seconds ttl{86400};                // how long a finished record can be looked up
  std::size_t max_records = 10000;                // records kept, finished or not
  std::size_t max_record_bytes = 64u << 20;       // their estimated size (record_bytes())
};

// What a queue's records hold now.
struct MemoryJobUsage {
  std::size_t records = 0;
  std::size_t bytes = 0;  // the sum of record_bytes()
};

// The estimated memory of one record: its strings, its result and a fixed overhead for the
// structures that index it.
std::size_t record_bytes(const JobRecord& record);

class MemoryJobQueue final : public JobQueue {
 public:
  // `callbacks` and `metrics` may be null.
  MemoryJobQueue(JobHandler handler, MemoryJobOptions options,
                 std::shared_ptr<CallbackSender> callbacks,
                 std::shared_ptr<ServiceMetrics> metrics);
  ~MemoryJobQueue() override;
  MemoryJobQueue(const MemoryJobQueue&) = delete;
  MemoryJobQueue& operator=(const MemoryJobQueue&) = delete;

  std::string_view kind() const override { return "memory"; }
  // Errors: unavailable when max_queued jobs are already waiting, when unfinished jobs alone
  // fill max_records or max_record_bytes, and after shutdown.
  core::Result<std::string> submit(const JobRequest& request) override;
  core::Result<std::optional<JobRecord>> find(const std::string& id) override;
  MemoryJobUsage usage();

 private:
  using Clock = std::chrono::steady_clock;

  void work();
  // The next job to run, or empty when stopping; waits for one. `lock` holds mutex_.
  std::string take(std::unique_lock<std::mutex>& lock);
  void run_one(const std::string& id);
  void finish(const std::string& id, const core::Result<std::string>& outcome);
  void forget_expired(Clock::time_point now);  // mutex_ held
  // Drops finished records, oldest first, until `extra_records` and `extra_bytes` more fit
  // under the caps or none finished is left; true when they fit. mutex_ held.
  bool make_room(std::size_t extra_records, std::size_t extra_bytes);
  void forget(const std::string& id);  // mutex_ held; the id is no longer in finished_
  void count(const char* event);

  JobHandler handler_;
  MemoryJobOptions options_;
  std::shared_ptr<CallbackSender> callbacks_;
  std::shared_ptr<ServiceMetrics> metrics_;

  std::mutex mutex_;
  std::condition_variable ready_;
  bool stopping_ = false;
  std::unordered_map<std::string, JobRecord> records_;
  std::size_t record_bytes_ = 0;    // the sum of record_bytes() over records_
  std::deque<std::string> queued_;  // ready to run, oldest first
  std::multimap<Clock::time_point, std::string> delayed_;           // retries by due time
  std::deque<std::pair<Clock::time_point, std::string>> finished_;  // finish (and expiry) order
  std::vector<std::thread> threads_;
};

}  // namespace earshot::service
