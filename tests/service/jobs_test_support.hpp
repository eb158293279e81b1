// What the job tests need besides test::RedisServer: child processes they can SIGKILL (real
// worker processes), a redis-server they can kill and start again on the same port, a tiny
// loopback HTTP server that takes POSTs (callbacks), and polling with a deadline so that no
// test waits forever.
//
//   ChildProcess worker({EARSHOT_JOB_WORKER, std::to_string(redis.port())});
//   ASSERT_TRUE(wait_until([&] { return done(); }, std::chrono::seconds(5)));
//   worker.signal(SIGKILL);
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace earshot::service {
class RedisClient;
struct RedisReply;
}  // namespace earshot::service

namespace earshot::service::testing {

// A client of the Redis on 127.0.0.1:`port`, with a circuit that reopens quickly.
std::shared_ptr<RedisClient> redis_client(std::uint16_t port);
// One command's reply; throws std::runtime_error when Redis is unreachable or answers with an
// error (gtest reports it as the test's failure).
RedisReply redis_call(RedisClient& redis, const std::vector<std::string>& args);

// Polls `condition` every `every` until it holds (true) or `timeout` passes (false).
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds every = std::chrono::milliseconds(10));

// A program started without a shell; stdout goes to /dev/null, stderr is inherited. It dies
// with the test process (PR_SET_PDEATHSIG) and is SIGKILLed by the destructor if still there.
class ChildProcess {
 public:
  explicit ChildProcess(const std::vector<std::string>& argv);  // throws if it cannot fork
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int number) const;
  // The wait status once it exited within `timeout`; nullopt if it is still running.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
};

// An HTTP/1.1 listener on 127.0.0.1 that answers every request with `status` (after
// `fail_first` answers of 500) and keeps each request's body; one connection at a time.
class PostReceiver {
 public:
  explicit PostReceiver(int status = 200, int fail_first = 0);
  ~PostReceiver();
  PostReceiver(const PostReceiver&) = delete;
  PostReceiver& operator=(const PostReceiver&) = delete;

  std::string url(const std::string& path = "/hook") const;
  std::vector<std::string> bodies() const;  // of the requests answered 2xx
  int requests() const { return requests_.load(); }

 private:
  void serve();
  void handle(int client);

  int listener_ = -1;
  int port_ = 0;
  int status_;
  std::atomic<int> fail_first_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> bodies_;
  std::thread thread_;
};

}  // namespace earshot::service::testing
