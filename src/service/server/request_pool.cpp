#include "service/server/request_pool.hpp"

#include <algorithm>
#include <utility>

namespace earshot::service {

RequestPool::RequestPool(int threads, int max_queue)
    : max_queue_(static_cast<std::size_t>(std::max(max_queue, 0))) {
  const int count = std::max(threads, 1);
  running_threads_ = count;
  threads_.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) threads_.emplace_back([this] { run(); });
}

RequestPool::~RequestPool() {
  stop();
}

bool RequestPool::try_submit(std::function<void()> job, std::function<void()> on_cancel) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || jobs_.size() >= max_queue_) return false;
    jobs_.push_back({std::move(job), std::move(on_cancel)});
  }
  ready_.notify_one();
  return true;
}

void RequestPool::cancel_queued() {
  std::deque<Job> cancelled;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    cancelled.swap(jobs_);
  }
  ready_.notify_all();
  for (Job& job : cancelled) {
    if (job.on_cancel) job.on_cancel();
  }
}

void RequestPool::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

bool RequestPool::stop(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  stopping_ = true;
  ready_.notify_all();
  const bool finished =
      exited_.wait_until(lock, deadline, [this] { return running_threads_ == 0; });
  lock.unlock();
  for (auto& thread : threads_) {
    if (!thread.joinable()) continue;
    if (finished) {
      thread.join();
    } else {
      thread.detach();
    }
  }
  return finished;
}

std::size_t RequestPool::queued() const {
  std::lock_guard lock(mutex_);
  return jobs_.size();
}

void RequestPool::run() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) {  // stopping and drained
        --running_threads_;
        exited_.notify_all();
        return;
      }
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job.run();
  }
}

}  // namespace earshot::service
