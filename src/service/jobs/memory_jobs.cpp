// MemoryJobQueue: a map of records, a FIFO of ready ids, a time-ordered set of retries, and
// a fixed set of threads that take from both. See memory_jobs.hpp for the contract.
#include "service/jobs/memory_jobs.hpp"

#include <algorithm>
#include <cmath>

#include "service/jobs/callback.hpp"
#include "service/telemetry/metrics.hpp"

namespace earshot::service {

using core::Error;
using core::ErrorCode;

std::size_t record_bytes(const JobRecord& record) {
  // The record, its hash-map node, and its id three times (the record, the map's key, a queue
  // or finished_); small strings live inside sizeof(JobRecord) but are counted all the same.
  constexpr std::size_t kOverhead = sizeof(JobRecord) + 2 * sizeof(std::string) + 64;
  return kOverhead + 3 * record.id.size() + record.request.audio_url.size() +
         record.request.model_name.size() + record.request.callback_url.size() +
         (record.result ? record.result->size() : 0) + record.error.size() +
         record.created_at.size() + record.finished_at.size();
}

MemoryJobQueue::MemoryJobQueue(JobHandler handler, MemoryJobOptions options,
                               std::shared_ptr<CallbackSender> callbacks,
                               std::shared_ptr<ServiceMetrics> metrics)
    : handler_(std::move(handler)),
      options_(options),
      callbacks_(std::move(callbacks)),
      metrics_(std::move(metrics)) {
  options_.max_attempts = std::max(options_.max_attempts, 1);
  const int threads = std::max(options_.concurrency, 1);
  threads_.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

MemoryJobQueue::~MemoryJobQueue() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& thread : threads_) thread.join();
}

core::Result<std::string> MemoryJobQueue::submit(const JobRequest& request) {
  std::string id = new_job_id();
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return Error{ErrorCode::unavailable, "The job queue is shutting down"};
    if (queued_.size() + delayed_.size() >= options_.max_queued) {
      return Error{ErrorCode::unavailable, "The job queue is full (" +
                                               std::to_string(options_.max_queued) +
                                               " jobs waiting); try again later"};
    }
    forget_expired(Clock::now());
    JobRecord record;
    record.id = id;
    record.request = request;
    record.created_at = utc_now_iso8601();
    const std::size_t bytes = record_bytes(record);
    if (!make_room(1, bytes)) {
      return Error{ErrorCode::unavailable, "The job records are full of unfinished jobs (at most " +
                                               std::to_string(options_.max_records) + " records, " +
                                               std::to_string(options_.max_record_bytes) +
                                               " bytes); try again later"};
    }
    records_.emplace(id, std::move(record));
    record_bytes_ += bytes;
    queued_.push_back(id);
  }
  ready_.notify_one();
  count("queued");
  return id;
}

core::Result<std::optional<JobRecord>> MemoryJobQueue::find(const std::string& id) {
  std::lock_guard lock(mutex_);
  forget_expired(Clock::now());
  const auto it = records_.find(id);
  if (it == records_.end()) return std::optional<JobRecord>();
  return std::optional<JobRecord>(it->second);
}

MemoryJobUsage MemoryJobQueue::usage() {
  std::lock_guard lock(mutex_);
  return {records_.size(), record_bytes_};
}

void MemoryJobQueue::forget(const std::string& id) {
  const auto it = records_.find(id);
  if (it == records_.end()) return;
  record_bytes_ -= record_bytes(it->second);
  records_.erase(it);
}

void MemoryJobQueue::forget_expired(Clock::time_point now) {
  // Every record has the same ttl and finishes in order, so the oldest expire first.
  while (!finished_.empty() && finished_.front().first <= now) {
    forget(finished_.front().second);
    finished_.pop_front();
  }
}

bool MemoryJobQueue::make_room(std::size_t extra_records, std::size_t extra_bytes) {
  const auto fits = [&] {
    return records_.size() + extra_records <= options_.max_records &&
           record_bytes_ + extra_bytes <= options_.max_record_bytes;
  };
  // finished_ is in finish order: the oldest finished go first. Unfinished jobs are never
  // dropped: losing work the client was told is queued is worse than refusing new work.
  while (!fits() && !finished_.empty()) {
    forget(finished_.front().second);
    finished_.pop_front();
  }
  return fits();
}

void MemoryJobQueue::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    const std::string id = take(lock);
    if (id.empty()) return;
    lock.unlock();
    run_one(id);
    lock.lock();
  }
}

std::string MemoryJobQueue::take(std::unique_lock<std::mutex>& lock) {
  for (;;) {
    // Queued and waiting jobs are dropped on shutdown: this queue is not durable.
    if (stopping_) return {};
    const auto now = Clock::now();
    while (!delayed_.empty() && delayed_.begin()->first <= now) {
      queued_.push_back(std::move(delayed_.begin()->second));
      delayed_.erase(delayed_.begin());
    }
    if (!queued_.empty()) {
      std::string id = std::move(queued_.front());
      queued_.pop_front();
      return id;
    }
    if (delayed_.empty()) {
      ready_.wait(lock);
    } else {
      ready_.wait_until(lock, delayed_.begin()->first);
    }
  }
}

void MemoryJobQueue::run_one(const std::string& id) {
  JobRequest request;
  {
    std::lock_guard lock(mutex_);
    JobRecord& record = records_.at(id);
    record.status = JobStatus::running;
    ++record.attempts;
    request = record.request;
  }
  count("started");
  core::Result<std::string> outcome = Error{ErrorCode::internal, "The job failed unexpectedly"};
  // This thread is an exception boundary: a throwing handler fails its job, not the process.
  try {
    outcome = handler_(request);
  } catch (...) {
    outcome = Error{ErrorCode::internal, "The job failed unexpectedly"};
  }
  finish(id, outcome);
}

void MemoryJobQueue::finish(const std::string& id, const core::Result<std::string>& outcome) {
  JobRecord done;
  {
    std::lock_guard lock(mutex_);
    JobRecord& record = records_.at(id);
    record_bytes_ -= record_bytes(record);  // added back once the record has changed
    if (!outcome && !is_permanent(outcome.error()) && record.attempts < options_.max_attempts) {
      record.status = JobStatus::queued;
      record.error = outcome.error().message;
      record_bytes_ += record_bytes(record);
      make_room(0, 0);
      const double factor = std::ldexp(1.0, std::min(record.attempts - 1, 30));
      const auto delay = std::chrono::milliseconds(static_cast<long long>(
          std::min(static_cast<double>(options_.retry_backoff.count()) * factor, 86'400'000.0)));
      delayed_.emplace(Clock::now() + delay, id);
      ready_.notify_one();  // a sleeping thread must wake for the new earliest due time
      count("retried");
      return;
    }
    record.status = outcome ? JobStatus::succeeded : JobStatus::failed;
    if (outcome) {
      record.result = *outcome;
      record.error.clear();
    } else {
      record.error = outcome.error().message;
    }
    record.finished_at = utc_now_iso8601();
    record_bytes_ += record_bytes(record);
    finished_.emplace_back(Clock::now() + options_.ttl, id);
    // Counted under the lock, so that whoever sees the outcome also sees it counted (as with
    // the Redis worker, which counts before it acks).
    count(outcome ? "succeeded" : "failed");
    done = record;
    make_room(0, 0);  // a result may take the records over the byte cap: `record` may go
  }
  if (callbacks_ && !done.request.callback_url.empty()) {
    try {
      (void)callbacks_->deliver(done);  // a failed callback never changes the job's outcome
    } catch (const std::exception&) {
      // Out of memory while sending: the job's outcome stands all the same.
    }
  }
}

void MemoryJobQueue::count(const char* event) {
  if (metrics_) metrics_->jobs.add({event});
}

}  // namespace earshot::service
