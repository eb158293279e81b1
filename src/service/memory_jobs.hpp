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
// Finished records are forgotten `ttl` after they finished. Thread-safe. The destructor
// stops taking jobs, lets running jobs finish (and their callbacks be sent), drops the
// queued ones and joins its threads.
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

#include "service/jobs.hpp"

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
};

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
  // Errors: unavailable when max_queued jobs are already waiting, and after shutdown.
  core::Result<std::string> submit(const JobRequest& request) override;
  core::Result<std::optional<JobRecord>> find(const std::string& id) override;

 private:
  using Clock = std::chrono::steady_clock;

  void work();
  // The next job to run, or empty when stopping; waits for one. `lock` holds mutex_.
  std::string take(std::unique_lock<std::mutex>& lock);
  void run_one(const std::string& id);
  void finish(const std::string& id, const core::Result<std::string>& outcome);
  void forget_expired(Clock::time_point now);  // mutex_ held
  void count(const char* event);

  JobHandler handler_;
  MemoryJobOptions options_;
  std::shared_ptr<CallbackSender> callbacks_;
  std::shared_ptr<ServiceMetrics> metrics_;

  std::mutex mutex_;
  std::condition_variable ready_;
  bool stopping_ = false;
  std::unordered_map<std::string, JobRecord> records_;
  std::deque<std::string> queued_;                                  // ready to run, oldest first
  std::multimap<Clock::time_point, std::string> delayed_;           // retries by due time
  std::deque<std::pair<Clock::time_point, std::string>> finished_;  // expiry order
  std::vector<std::thread> threads_;
};

}  // namespace earshot::service
