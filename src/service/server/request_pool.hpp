// A fixed set of threads with a bounded queue for the server's CPU and blocking work (decoding,
// analysis, downloads), so that Asio threads never block. try_submit refuses a job instead of
// queueing without bound; the route then answers 503.
//
//   service::RequestPool pool(config.effective_worker_threads(), config.max_queue);
//   if (!pool.try_submit([] { heavy(); }, [] { answer_shutting_down(); })) answer_busy();
//   pool.cancel_queued();                 // at shutdown: queued jobs get their on_cancel instead
//   bool joined = pool.stop(deadline);    // waits for running jobs until the deadline
//
// Thread-safe. Jobs and their on_cancel must not throw (an escaping exception terminates the
// process).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace earshot::service {

class RequestPool {
 public:
  // threads >= 1; max_queue >= 0 is how many jobs may wait while every thread is busy.
  RequestPool(int threads, int max_queue);
  ~RequestPool();  // stop()
  RequestPool(const RequestPool&) = delete;
  RequestPool& operator=(const RequestPool&) = delete;

  // False when max_queue jobs are already waiting, or after stop() or cancel_queued().
  // `on_cancel` (may be empty) runs instead of `job` when cancel_queued() takes it off the queue.
  bool try_submit(std::function<void()> job, std::function<void()> on_cancel = {});

  // Refuses new jobs and runs each queued job's on_cancel (on the calling thread) instead of the
  // job. Running jobs go on.
  void cancel_queued();

  // Refuses new jobs, runs the queued ones, joins the threads. Idempotent.
  void stop();
  // The same, but waits for running jobs only until `deadline`: true when every thread has
  // finished and been joined. When false, the threads still running are detached and use this
  // pool until their job ends, so the pool must then not be destroyed (the process is expected
  // to exit; see Server::stop).
  bool stop(std::chrono::steady_clock::time_point deadline);

  std::size_t queued() const;  // jobs waiting, not running

 private:
  struct Job {
    std::function<void()> run;
    std::function<void()> on_cancel;
  };
  void run();

  std::size_t max_queue_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::condition_variable exited_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  int running_threads_ = 0;
  std::vector<std::thread> threads_;
};

}  // namespace earshot::service
