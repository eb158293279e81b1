// Data parallelism for the layers: a persistent pool of worker threads (created once, grown to
// the most threads ever asked for, joined on destruction) and `for_each_block`, which splits
// `count` rows into one contiguous block per thread. Rows are independent in every layer that
// uses it (a token's projection, normalisation, activation) and the blocks depend only on
// `threads`, never on which thread runs them, so results do not depend on scheduling. BLAS
// itself stays single-threaded (dsp/spectral/blas_threads.hpp): earshot decides.
//
//   nn::for_each_block(tokens, threads, [&](std::size_t begin, std::size_t end) { ... });
//   nn::WorkerPool::shared().run(tasks, threads, [&](std::size_t task) { ... });
//
// A call allocates nothing and creates no thread once the pool has grown: the job lives on the
// caller's stack and is linked into the pool's queue. The caller always works on its own job,
// so calls from many threads at once (each request on its own worker) share the pool's threads
// without deadlock, even when every worker is busy. An exception thrown by a task stops the
// job's remaining tasks and is rethrown to the caller once no worker is inside the job.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace earshot::nn {

class WorkerPool {
 public:
  WorkerPool() = default;
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  ~WorkerPool() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    workers_.clear();  // joins
  }

  // The process-wide pool the layers use.
  static WorkerPool& shared() {
    static WorkerPool pool;
    return pool;
  }

  // Runs task(i) for every i in [0, tasks), on the calling thread and at most `threads - 1`
  // workers; returns when all have finished.
  template <class Task>
  void run(std::size_t tasks, unsigned threads, const Task& task) {
    if (tasks == 0) return;
    const auto helpers =
        static_cast<unsigned>(std::min<std::size_t>(std::max(threads, 1u) - 1, tasks - 1));
    if (helpers == 0) {
      for (std::size_t i = 0; i < tasks; ++i) task(i);
      return;
    }
    Job job;
    job.invoke = [](const void* f, std::size_t i) { (*static_cast<const Task*>(f))(i); };
    job.task = &task;
    job.tasks = tasks;
    job.helpers = helpers;
    submit(job);
    work_on(job);
    finish(job);
  }

 private:
  struct Job {
    void (*invoke)(const void*, std::size_t) = nullptr;
    const void* task = nullptr;
    std::size_t tasks = 0;
    std::atomic<std::size_t> next{0};  // the next task to claim
    unsigned helpers = 0;              // workers that may still join (guarded by mutex_)
    unsigned inside = 0;               // workers working on it now (guarded by mutex_)
    std::exception_ptr error;          // the first exception (guarded by mutex_)
    Job* link = nullptr;               // the queue (guarded by mutex_)
  };

  static constexpr unsigned kMaxWorkers = 255;

  void submit(Job& job) {
    {
      std::lock_guard lock(mutex_);
      job.helpers = std::min(job.helpers, kMaxWorkers);
      while (workers_.size() < job.helpers) {  // grows once, to the most ever asked for
        workers_.emplace_back([this] { serve(); });
      }
      Job** tail = &queue_;
      while (*tail) tail = &(*tail)->link;
      *tail = &job;
    }
    if (job.helpers == 1) {
      wake_.notify_one();
    } else {
      wake_.notify_all();
    }
  }

  void work_on(Job& job) {
    for (std::size_t i; (i = job.next.fetch_add(1, std::memory_order_relaxed)) < job.tasks;) {
      try {
        job.invoke(job.task, i);
      } catch (...) {
        job.next.store(job.tasks, std::memory_order_relaxed);  // no further task starts
        std::lock_guard lock(mutex_);
        if (!job.error) job.error = std::current_exception();
      }
    }
  }

  // Unlinks the job so no other worker joins it, waits for those inside, rethrows an error.
  void finish(Job& job) {
    std::unique_lock lock(mutex_);
    unlink(job);
    done_.wait(lock, [&] { return job.inside == 0; });
    if (job.error) std::rethrow_exception(job.error);
  }

  void unlink(Job& job) {
    for (Job** at = &queue_; *at; at = &(*at)->link) {
      if (*at == &job) {
        *at = job.link;
        job.link = nullptr;
        return;
      }
    }
  }

  void serve() {
    std::unique_lock lock(mutex_);
    while (true) {
      wake_.wait(lock, [&] { return stopping_ || queue_ != nullptr; });
      if (stopping_) return;
      Job& job = *queue_;
      if (--job.helpers == 0) unlink(job);
      ++job.inside;
      lock.unlock();
      work_on(job);
      lock.lock();
      if (--job.inside == 0) done_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;  // workers: a job was queued, or the pool stops
  std::condition_variable done_;  // callers: a worker left a job
  Job* queue_ = nullptr;          // jobs that still accept workers
  bool stopping_ = false;
  std::vector<std::jthread> workers_;  // last: destroyed (joined) first
};

template <class Work>
void for_each_block(std::size_t count, unsigned threads, const Work& work) {
  threads =
      static_cast<unsigned>(std::clamp<std::size_t>(threads, 1, std::max<std::size_t>(count, 1)));
  if (threads == 1) {
    work(std::size_t{0}, count);
    return;
  }
  const std::size_t block = (count + threads - 1) / threads;
  WorkerPool::shared().run(threads, threads, [&](std::size_t t) {
    const std::size_t begin = std::min(count, t * block);
    const std::size_t end = std::min(count, begin + block);
    if (begin < end) work(begin, end);
  });
}

}  // namespace earshot::nn
