// A RedisJobWorker in a process of its own, so that the job tests can run several workers and
// SIGKILL one in the middle of a job. SIGTERM or SIGINT stops it cleanly (stop(), then run()
// returns and the process exits 0).
//
//   job_worker <redis port> [--visibility-ms N] [--backoff-ms N] [--max-attempts N]
//              [--block-ms N] [--concurrency N] [--consumer NAME] [--slow-ms N]
//
// The test handler reads what to do from the job's audio_url, and counts each run that
// finishes in Redis (INCR earshot:test:runs:<what>), so that tests can tell "ran once" from
// "stored once":
//   test://ok/<n>   a few ms, then {"n": n}
//   test://slow     2 s (or --slow-ms), then {"slow": true}
//   test://fail     a retryable error, always
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "service/jobs/redis_jobs.hpp"
#include "service/redis/redis_client.hpp"

namespace {

using namespace earshot;
using namespace std::chrono_literals;

core::Result<std::string> handle(service::RedisClient& redis, const service::JobRequest& job,
                                 std::chrono::milliseconds slow) {
  const std::string& url = job.audio_url;
  const auto counted = [&](const std::string& what,
                           std::string result) -> core::Result<std::string> {
    auto reply = redis.command({"INCR", "earshot:test:runs:" + what});
    if (!reply || reply->is_error()) return core::Error{core::ErrorCode::io, "cannot count a run"};
    return result;
  };
  if (url.starts_with("test://ok/")) {
    std::this_thread::sleep_for(2ms);
    const std::string n = url.substr(10);
    return counted(n, "{\"n\":" + n + "}");
  }
  if (url == "test://slow") {
    std::this_thread::sleep_for(slow);
    return counted("slow", "{\"slow\":true}");
  }
  if (url == "test://fail") {
    (void)counted("fail", "");
    return core::Error{core::ErrorCode::io, "test failure"};
  }
  return core::Error{core::ErrorCode::invalid_input, "unknown test job " + url};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: job_worker <redis port> [--option value]...\n");
    return 2;
  }
  service::RedisJobOptions options;
  options.block = 200ms;
  int concurrency = 1;
  std::chrono::milliseconds slow = 2s;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string name = argv[i];
    const std::string value = argv[i + 1];
    if (name == "--visibility-ms")
      options.visibility_timeout = std::chrono::milliseconds(std::stol(value));
    if (name == "--backoff-ms") options.retry_backoff = std::chrono::milliseconds(std::stol(value));
    if (name == "--max-attempts") options.max_attempts = std::stoi(value);
    if (name == "--block-ms") options.block = std::chrono::milliseconds(std::stol(value));
    if (name == "--concurrency") concurrency = std::stoi(value);
    if (name == "--consumer") options.consumer = value;
    if (name == "--slow-ms") slow = std::chrono::milliseconds(std::stol(value));
  }

  // SIGTERM and SIGINT are caught by a handler, which reaches whichever thread the kernel picks
  // (libraries start threads of their own before main, with signals unblocked), and passed on
  // through a pipe to a thread that stops the worker.
  static int signal_pipe[2] = {-1, -1};
  if (pipe(signal_pipe) != 0) return 2;
  struct sigaction action {};
  action.sa_handler = [](int) {
    const char byte = 1;
    (void)!write(signal_pipe[1], &byte, 1);
  };
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);

  service::RedisClientOptions redis_options;
  redis_options.endpoint.host = "127.0.0.1";
  redis_options.endpoint.port = static_cast<std::uint16_t>(std::stoi(argv[1]));
  redis_options.timeout = 1000ms;
  auto redis = std::make_shared<service::RedisClient>(redis_options);
  service::RedisJobWorker worker(
      redis, [redis, slow](const service::JobRequest& job) { return handle(*redis, job, slow); },
      options, nullptr, nullptr);
  std::thread watcher([&] {
    char byte = 0;
    while (read(signal_pipe[0], &byte, 1) < 0 && errno == EINTR) {
    }
    worker.stop();
  });
  worker.run(concurrency);
  watcher.join();
  return 0;
}
