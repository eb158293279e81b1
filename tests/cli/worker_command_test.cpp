// `earshot worker` as a process, the way an operator runs it: it refuses to start without Redis,
// runs jobs that an API replica queued, and on SIGTERM finishes the job it runs, then exits 0.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "cli/run_earshot.hpp"
#include "service/jobs/redis_jobs.hpp"
#include "service/redis/redis_client.hpp"
#include "service/test_http_server.hpp"
#include "support/redis_server.hpp"
#include "support/test_files.hpp"

namespace earshot::test {
namespace {

using service::JobRecord;
using service::JobStatus;

// `earshot worker` with Redis on `port`, downloads from loopback allowed, and `more`
// environment variables.
pid_t start_worker(std::uint16_t port, std::vector<std::string> more = {}) {
  std::vector<std::string> args = {EARSHOT_TEST_BINARY, "worker"};
  std::vector<std::string> env = {"REDIS_HOST=127.0.0.1", "REDIS_PORT=" + std::to_string(port),
                                  "ALLOW_PRIVATE_URLS=true", "LOG_LEVEL=warning",
                                  "PATH=/usr/bin:/bin"};
  env.insert(env.end(), more.begin(), more.end());
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& variable : env) envp.push_back(variable.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  EXPECT_EQ(posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), envp.data()), 0);
  return pid;
}

// The exit status after SIGTERM, or -1 when it did not exit normally.
int terminate(pid_t pid) {
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class WorkerCommand : public ::testing::Test {
 protected:
  JobRecord wait_until(const std::string& id, JobStatus status) { return wait_for(id, {status}); }

  // The record once its status is one of `statuses`; a test failure after 20 s.
  JobRecord wait_for(const std::string& id, std::initializer_list<JobStatus> statuses) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (;;) {
      auto record = queue_.find(id);
      if (record.ok() && *record &&
          std::find(statuses.begin(), statuses.end(), (*record)->status) != statuses.end()) {
        return **record;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "job " << id << " never reached " << service::to_string(*statuses.begin());
        return record.ok() && *record ? **record : JobRecord{};
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  RedisServer redis_;
  service::testing::TestHttpServer audio_;
  std::shared_ptr<service::RedisClient> client_ = std::make_shared<service::RedisClient>(
      service::RedisClientOptions{.endpoint = {"127.0.0.1", redis_.port(), 0, "", ""},
                                  .timeout = std::chrono::seconds(1),
                                  .metrics = nullptr,
                                  .log = nullptr});
  service::RedisJobQueue queue_{client_, {}, nullptr};  // what an API replica queues with
};

TEST(WorkerCommandSetup, WithoutRedisItRefusesToStart) {
  const auto result = run_earshot({"worker"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("REDIS_URL or REDIS_HOST"), std::string::npos) << result.err;
}

TEST_F(WorkerCommand, RunsQueuedJobsUntilSigterm) {
  const auto id = queue_.submit({audio_.url("/tone.wav"), "", ""});
  ASSERT_TRUE(id.ok()) << id.error().message;
  const pid_t worker = start_worker(redis_.port());
  const auto done = wait_until(*id, JobStatus::succeeded);
  ASSERT_TRUE(done.result);
  const auto result = nlohmann::json::parse(*done.result);
  EXPECT_EQ(result["analysis"]["sample_rate"], 16000);
  EXPECT_EQ(done.attempts, 1);
  EXPECT_EQ(terminate(worker), 0);
}

TEST_F(WorkerCommand, SigtermDuringAJobFinishesItFirst) {
  const pid_t worker = start_worker(redis_.port());
  // The download takes 3 s, so that the job is surely seen running and SIGTERM comes mid-job.
  const auto id = queue_.submit({audio_.url("/tone-slow.wav?ms=3000"), "", ""});
  ASSERT_TRUE(id.ok());
  wait_until(*id, JobStatus::running);
  EXPECT_EQ(terminate(worker), 0);
  // Finished and stored before the process left: nothing waits for another worker.
  const auto record = queue_.find(*id);
  ASSERT_TRUE(record.ok() && *record);
  EXPECT_EQ((*record)->status, JobStatus::succeeded);
}

TEST_F(WorkerCommand, SighupReReadsTheRegistryAndGoesOn) {
  TempDir dir;
  const auto registry = dir.file("models.json");
  std::ofstream(registry) << R"({"content": {"predictor": "content"}})";
  const pid_t worker = start_worker(redis_.port(), {"MODELS_CONFIG_PATH=" + registry.string()});
  // A model the registry does not have yet: the job fails for good.
  const auto early = queue_.submit({audio_.url("/tone.wav"), "later", ""});
  ASSERT_TRUE(early.ok()) << early.error().message;
  const auto refused = wait_until(*early, JobStatus::failed);
  EXPECT_NE(refused.error.find("later"), std::string::npos) << refused.error;

  std::ofstream(registry) << R"({"content": {"predictor": "content"},
                                 "later": {"predictor": "content"}})";
  kill(worker, SIGHUP);
  // The reload runs on the worker's signal thread: jobs may fail until it is done. A refused
  // job takes milliseconds, so the patience is a time, not a number of tries.
  JobRecord last;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (last.status != JobStatus::succeeded && std::chrono::steady_clock::now() < give_up) {
    const auto id = queue_.submit({audio_.url("/tone.wav"), "later", ""});
    ASSERT_TRUE(id.ok()) << id.error().message;
    last = wait_for(*id, {JobStatus::succeeded, JobStatus::failed});
  }
  ASSERT_EQ(last.status, JobStatus::succeeded) << last.error;
  ASSERT_TRUE(last.result);
  EXPECT_EQ(nlohmann::json::parse(*last.result)["prediction"]["model_name"], "later");
  EXPECT_EQ(terminate(worker), 0);  // SIGHUP did not stop it
}

}  // namespace
}  // namespace earshot::test
