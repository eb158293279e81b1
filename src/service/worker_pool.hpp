// A fixed set of threads with a bounded queue for the server's CPU and blocking work (decoding,
// analysis, downloads), so that Asio threads never block. try_submit refuses a job instead of
// queueing without bound; the route then answers 503.
//
//   service::WorkerPool pool(config.effective_worker_threads(), config.max_queue);
//   if (!pool.try_submit([] { heavy(); })) answer_busy();
//   pool.stop();  // runs what is queued, then joins
//
// Thread-safe. Jobs must not throw (an escaping exception terminates the process).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace earshot::service {

class WorkerPool {
 public:
  // threads >= 1; max_queue >= 0 is how many jobs may wait while every thread is busy.
  WorkerPool(int threads, int max_queue);
  ~WorkerPool();  // stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // False when max_queue jobs are already waiting, or after stop().
  bool try_submit(std::function<void()> job);

  // Refuses new jobs, runs the queued ones, joins the threads. Idempotent.
  void stop();

  std::size_t queued() const;  // jobs waiting, not running

 private:
  void run();

  std::size_t max_queue_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace earshot::service
